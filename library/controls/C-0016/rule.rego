package kubescape.controls.c0016

import data.kubescape.lib.k8s
import data.kubescape.lib.pods

# Messages name the container as pods.describe does, in one sprintf.

deny contains {
	"message": sprintf("%s %q of %s %s allows privilege escalation: allowPrivilegeEscalation is true", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": "false"}],
} if {
	some c in k8s.containers
	c.container.securityContext.allowPrivilegeEscalation == true
	not pods.windows
	path := concat("", [c.path, ".securityContext.allowPrivilegeEscalation"])
}

deny contains {
	"message": sprintf("%s %q of %s %s allows privilege escalation: allowPrivilegeEscalation is not set to false", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"fixPaths": [{"path": concat("", [c.path, ".securityContext.allowPrivilegeEscalation"]), "value": "false"}],
} if {
	some c in k8s.containers
	not has_escalation_field(c.container)
	not pods.windows
}

deny contains {
	"message": sprintf("%s %q of %s %s runs privileged, which always allows privilege escalation", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": "false"}],
} if {
	some c in k8s.containers
	c.container.securityContext.privileged == true
	not pods.windows
	path := concat("", [c.path, ".securityContext.privileged"])
}

deny contains {
	"message": sprintf("%s %q of %s %s adds the SYS_ADMIN capability, which always allows privilege escalation", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"failedPaths": [concat("", [c.path, ".securityContext.capabilities.add[", format_int(i, 10), "]"])],
} if {
	some c in k8s.containers
	some i, cap in c.container.securityContext.capabilities.add
	upper(cap) in {"SYS_ADMIN", "CAP_SYS_ADMIN"}
	not pods.windows
}

has_escalation_field(container) if {
	_ = container.securityContext.allowPrivilegeEscalation
}
