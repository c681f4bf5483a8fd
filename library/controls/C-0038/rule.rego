package kubescape.controls.c0038

import data.kubescape.lib.k8s

namespaces := {"hostPID": "process ID", "hostIPC": "IPC"}

deny contains {
	"message": sprintf("%s %s shares the host's %s namespace (%s is true)", [input.kind, input.metadata.name, namespaces[field], field]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": "false"}],
} if {
	some field in ["hostPID", "hostIPC"]
	k8s.pod_spec[field] == true
	path := concat("", [k8s.pod_path, ".", field])
}
