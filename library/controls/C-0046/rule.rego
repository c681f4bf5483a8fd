package kubescape.controls.c0046

import data.kubescape.lib.k8s
import data.kubescape.lib.pods

# normalize makes "cap_sys_admin", "CAP_SYS_ADMIN" and "sys_admin" one name.
normalize(cap) := trim_prefix(upper(cap), "CAP_")

insecure := {normalize(cap) | some cap in data.inputs.insecureCapabilities}

# ALL grants every capability, so it is insecure as soon as anything is.
is_insecure(name) if name in insecure

is_insecure("ALL") if count(insecure) > 0

deny contains {
	"message": sprintf("%s adds the insecure capability %s", [pods.describe(c), name]),
	"failedPaths": [sprintf("%s.securityContext.capabilities.add[%d]", [c.path, i])],
} if {
	some c in k8s.containers
	some i, cap in c.container.securityContext.capabilities.add
	name := normalize(cap)
	is_insecure(name)
}
