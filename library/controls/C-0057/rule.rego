package kubescape.controls.c0057

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %q of %s %s runs privileged", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": "false"}],
} if {
	some c in k8s.containers
	c.container.securityContext.privileged == true
	path := concat("", [c.path, ".securityContext.privileged"])
}

deny contains {
	"message": sprintf("%s %q of %s %s adds the SYS_ADMIN capability", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"failedPaths": [concat("", [c.path, ".securityContext.capabilities.add[", format_int(i, 10), "]"])],
} if {
	some c in k8s.containers
	some i, cap in c.container.securityContext.capabilities.add
	upper(cap) in {"SYS_ADMIN", "CAP_SYS_ADMIN"}
}
