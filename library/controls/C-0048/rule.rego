package kubescape.controls.c0048

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %s mounts the node path %s through hostPath volume %q", [input.kind, input.metadata.name, v.hostPath.path, v.name]),
	"failedPaths": [concat("", [k8s.pod_path, ".volumes[", format_int(i, 10), "].hostPath.path"])],
} if {
	some i, v in k8s.pod_spec.volumes
	v.hostPath
}
