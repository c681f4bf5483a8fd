package kubescape.controls.c0041

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %s uses the host's network namespace (hostNetwork is true)", [input.kind, input.metadata.name]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": "false"}],
} if {
	k8s.pod_spec.hostNetwork == true
	path := concat("", [k8s.pod_path, ".hostNetwork"])
}
