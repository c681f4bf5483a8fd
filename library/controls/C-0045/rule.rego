package kubescape.controls.c0045

import data.kubescape.lib.k8s

# The writable mounts of hostPath volumes, as pods.host_path_mounts finds them.
deny contains {
	"message": sprintf("%s %q of %s %s mounts hostPath volume %q (node path %s) writable at %s", [
		k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name,
		v.name, v.hostPath.path, m.mountPath,
	]),
	"failedPaths": [path, concat("", [k8s.pod_path, ".volumes[", format_int(k, 10), "].hostPath.path"])],
	"fixPaths": [{"path": concat("", [path, ".readOnly"]), "value": "true"}],
} if {
	some c in k8s.containers
	some j, m in c.container.volumeMounts
	not m.readOnly == true
	some k, v in k8s.pod_spec.volumes
	v.name == m.name
	v.hostPath
	path := concat("", [c.path, ".volumeMounts[", format_int(j, 10), "]"])
}
