package kubescape.controls.c0276

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %s shares the node's IPC namespace (hostIPC): its containers can read and alter the shared memory of every process of the node", [input.kind, input.metadata.name]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": "false"}],
} if {
	k8s.pod_spec.hostIPC == true
	path := concat("", [k8s.pod_path, ".hostIPC"])
}
