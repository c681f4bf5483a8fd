package kubescape.controls.c0211

import data.kubescape.lib.k8s
import data.kubescape.lib.pods

deny contains {
	"message": sprintf("%s %q of %s %s has no security context: neither it nor its pod sets any securityContext field", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"fixPaths": fixes(c),
} if {
	count(object.get(k8s.pod_spec, "securityContext", {})) == 0
	some c in k8s.containers
	count(object.get(c.container, "securityContext", {})) == 0
}

pod_context := concat("", [k8s.pod_path, ".securityContext"])

fixes(c) := [
	{"path": concat("", [pod_context, ".runAsNonRoot"]), "value": "true"},
	{"path": concat("", [pod_context, ".seccompProfile.type"]), "value": "RuntimeDefault"},
	{"path": concat("", [c.path, ".securityContext.allowPrivilegeEscalation"]), "value": "false"},
	{"path": concat("", [c.path, ".securityContext.capabilities.drop[0]"]), "value": "ALL"},
] if {
	not pods.windows
} else := [{"path": concat("", [pod_context, ".runAsNonRoot"]), "value": "true"}]
