package kubescape.controls.c0258

import data.kubescape.lib.k8s

deny contains finding(sprintf("mounts ConfigMap %s as volume %q", [name, v.name]), name, path) if {
	some i, v in k8s.pod_spec.volumes
	name := v.configMap.name
	name != root_ca
	path := sprintf("%s.volumes[%d].configMap.name", [k8s.pod_path, i])
}

deny contains finding(sprintf("mounts ConfigMap %s in projected volume %q", [name, v.name]), name, path) if {
	some i, v in k8s.pod_spec.volumes
	some j, src in v.projected.sources
	name := src.configMap.name
	name != root_ca
	path := sprintf("%s.volumes[%d].projected.sources[%d].configMap.name", [k8s.pod_path, i, j])
}

deny contains finding(sprintf("gives %s %q key %s of ConfigMap %s as env var %s", [k8s.container_label[c.kind], c.container.name, env.valueFrom.configMapKeyRef.key, name, env.name]), name, path) if {
	some c in k8s.containers
	some j, env in c.container.env
	name := env.valueFrom.configMapKeyRef.name
	path := sprintf("%s.env[%d].valueFrom.configMapKeyRef.name", [c.path, j])
}

deny contains finding(sprintf("gives %s %q every key of ConfigMap %s as env vars", [k8s.container_label[c.kind], c.container.name, name]), name, path) if {
	some c in k8s.containers
	some j, from in c.container.envFrom
	name := from.configMapRef.name
	path := sprintf("%s.envFrom[%d].configMapRef.name", [c.path, j])
}

# The cluster CA that Kubernetes publishes in every namespace.
root_ca := "kube-root-ca.crt"

finding(what, name, path) := {
	"message": sprintf("%s %s %s", [input.kind, input.metadata.name, what]),
	"reviewPaths": [path],
	"related": [{"apiVersion": "v1", "kind": "ConfigMap", "namespace": k8s.namespace(input), "name": name}],
}
