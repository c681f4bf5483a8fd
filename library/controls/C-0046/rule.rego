package kubescape.controls.c0046

import data.kubescape.lib.k8s

# normalize makes "cap_sys_admin", "CAP_SYS_ADMIN" and "sys_admin" one name.
normalize(cap) := trim_prefix(upper(cap), "CAP_")

insecure := {normalize(cap) | some cap in data.inputs.insecureCapabilities}

# ALL grants every capability, so it is insecure as soon as anything is.
flagged := insecure | {"ALL"} if count(insecure) > 0

deny contains {
	"message": sprintf("%s %q of %s %s adds the insecure capability %s", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, name]),
	"failedPaths": [concat("", [c.path, ".securityContext.capabilities.add[", format_int(i, 10), "]"])],
} if {
	some c in k8s.containers
	some i, cap in c.container.securityContext.capabilities.add
	name := trim_prefix(upper(cap), "CAP_")
	name in flagged
}
