package kubescape.controls.c0210

import data.kubescape.lib.k8s
import data.kubescape.lib.pods

pod_fix := [{"path": concat("", [k8s.pod_path, ".securityContext.seccompProfile.type"]), "value": "RuntimeDefault"}]

# The profile in force is Unconfined, or has no type.
deny contains {
	"message": sprintf("%s %q of %s %s runs with seccomp profile %q: every system call of the kernel is allowed", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, type]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": "RuntimeDefault"}],
} if {
	some c in k8s.containers
	s := pods.in_force(c, "seccompProfile")
	type := object.get(s[0], "type", "")
	not type in confining
	not pods.windows
	path := concat("", [pods.setting_path(c, s[1], "seccompProfile"), ".type"])
}

# Neither the container nor the pod sets a profile: Unconfined applies.
deny contains {
	"message": sprintf("%s %q of %s %s has no seccomp profile, so it runs Unconfined: every system call of the kernel is allowed", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"fixPaths": pod_fix,
} if {
	some c in k8s.containers
	not pods.in_force(c, "seccompProfile")
	not pods.windows
}

confining := {"RuntimeDefault", "Localhost"}
