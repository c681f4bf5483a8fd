package kubescape.controls.c0048

import data.kubescape.lib.pods

deny contains {
	"message": sprintf("%s %s mounts the node path %s through hostPath volume %q", [input.kind, input.metadata.name, hv.volume.hostPath.path, hv.volume.name]),
	"failedPaths": [sprintf("%s.hostPath.path", [hv.path])],
} if {
	some hv in pods.host_path_volumes
}
