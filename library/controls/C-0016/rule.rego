package kubescape.controls.c0016

import data.kubescape.lib.k8s
import data.kubescape.lib.pods

deny contains {
	"message": sprintf("%s allows privilege escalation: allowPrivilegeEscalation is true", [pods.describe(c)]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": "false"}],
} if {
	not pods.windows
	some c in k8s.containers
	c.container.securityContext.allowPrivilegeEscalation == true
	path := sprintf("%s.securityContext.allowPrivilegeEscalation", [c.path])
}

deny contains {
	"message": sprintf("%s allows privilege escalation: allowPrivilegeEscalation is not set to false", [pods.describe(c)]),
	"fixPaths": [{"path": sprintf("%s.securityContext.allowPrivilegeEscalation", [c.path]), "value": "false"}],
} if {
	not pods.windows
	some c in k8s.containers
	not has_escalation_field(c.container)
}

deny contains {
	"message": sprintf("%s runs privileged, which always allows privilege escalation", [pods.describe(c)]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": "false"}],
} if {
	not pods.windows
	some c in k8s.containers
	c.container.securityContext.privileged == true
	path := sprintf("%s.securityContext.privileged", [c.path])
}

deny contains {
	"message": sprintf("%s adds the SYS_ADMIN capability, which always allows privilege escalation", [pods.describe(c)]),
	"failedPaths": [sprintf("%s.securityContext.capabilities.add[%d]", [c.path, i])],
} if {
	not pods.windows
	some c in k8s.containers
	some i, cap in c.container.securityContext.capabilities.add
	upper(cap) in {"SYS_ADMIN", "CAP_SYS_ADMIN"}
}

has_escalation_field(container) if {
	_ = container.securityContext.allowPrivilegeEscalation
}
