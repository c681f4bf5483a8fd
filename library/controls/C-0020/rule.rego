package kubescape.controls.c0020

import data.kubescape.lib.k8s
import data.kubescape.lib.workloads

deny contains {
	"message": sprintf("%s %s mounts hostPath volume %q at node path %s, which exposes the cloud credentials in %s", [
		input.kind, input.metadata.name, v.name, v.hostPath.path, concat(", ", sort(exposed)),
	]),
	"failedPaths": [concat("", [k8s.pod_path, ".volumes[", format_int(i, 10), "].hostPath.path"])],
} if {
	some i, v in k8s.pod_spec.volumes
	is_string(v.hostPath.path)
	exposed := {target |
		some target in data.inputs.cloudCredentialHostPaths
		workloads.exposes(v.hostPath.path, target)
	}
	count(exposed) > 0
}
