package kubescape.controls.c0275

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %s shares the node's process ID namespace (hostPID): its containers see and can reach every process of the node", [input.kind, input.metadata.name]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": "false"}],
} if {
	k8s.pod_spec.hostPID == true
	path := concat("", [k8s.pod_path, ".hostPID"])
}
