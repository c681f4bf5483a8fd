package kubescape.controls.c0045

import data.kubescape.lib.pods

deny contains {
	"message": sprintf("%s mounts hostPath volume %q (node path %s) writable at %s", [
		pods.describe(m.container), m.volume.volume.name,
		m.volume.volume.hostPath.path, m.mount.mountPath,
	]),
	"failedPaths": [m.path, sprintf("%s.hostPath.path", [m.volume.path])],
	"fixPaths": [{"path": sprintf("%s.readOnly", [m.path]), "value": "true"}],
} if {
	some m in pods.host_path_mounts
	not m.mount.readOnly == true
}
