package kubescape.controls.c0255

import data.kubescape.lib.k8s

deny contains finding(sprintf("mounts Secret %s as volume %q", [name, v.name]), name, "Secret", path) if {
	some i, v in k8s.pod_spec.volumes
	name := v.secret.secretName
	path := sprintf("%s.volumes[%d].secret.secretName", [k8s.pod_path, i])
}

deny contains finding(sprintf("mounts Secret %s in projected volume %q", [name, v.name]), name, "Secret", path) if {
	some i, v in k8s.pod_spec.volumes
	some j, src in v.projected.sources
	name := src.secret.name
	path := sprintf("%s.volumes[%d].projected.sources[%d].secret.name", [k8s.pod_path, i, j])
}

deny contains finding(sprintf("mounts secrets of an external store (SecretProviderClass %s) as volume %q", [name, v.name]), name, "SecretProviderClass", path) if {
	some i, v in k8s.pod_spec.volumes
	v.csi.driver == "secrets-store.csi.k8s.io"
	name := v.csi.volumeAttributes.secretProviderClass
	path := sprintf("%s.volumes[%d].csi.volumeAttributes.secretProviderClass", [k8s.pod_path, i])
}

deny contains finding(sprintf("gives %s %q key %s of Secret %s as env var %s", [k8s.container_label[c.kind], c.container.name, env.valueFrom.secretKeyRef.key, name, env.name]), name, "Secret", path) if {
	some c in k8s.containers
	some j, env in c.container.env
	name := env.valueFrom.secretKeyRef.name
	path := sprintf("%s.env[%d].valueFrom.secretKeyRef.name", [c.path, j])
}

deny contains finding(sprintf("gives %s %q every key of Secret %s as env vars", [k8s.container_label[c.kind], c.container.name, name]), name, "Secret", path) if {
	some c in k8s.containers
	some j, from in c.container.envFrom
	name := from.secretRef.name
	path := sprintf("%s.envFrom[%d].secretRef.name", [c.path, j])
}

# finding reports one access to a secret, naming the object it comes from.
finding(what, name, kind, path) := {
	"message": sprintf("%s %s %s", [input.kind, input.metadata.name, what]),
	"reviewPaths": [path],
	"related": [{"apiVersion": api_versions[kind], "kind": kind, "namespace": k8s.namespace(input), "name": name}],
}

api_versions := {"Secret": "v1", "SecretProviderClass": "secrets-store.csi.x-k8s.io/v1"}
