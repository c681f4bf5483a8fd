package kubescape.controls.c0055

import data.kubescape.lib.k8s
import data.kubescape.lib.pods

apparmor_annotation := "container.apparmor.security.beta.kubernetes.io/"

unconfined_selinux_types := {"spc_t", "unconfined_t"}

# seccomp(c) is the seccomp profile type in force, with the path of its field.
seccomp(c) := {"value": s.value.type, "path": sprintf("%s.type", [s.path])} if {
	s := pods.setting(c, "seccompProfile")
}

# apparmor(c) is the AppArmor profile in force: the container's field, else
# the legacy annotation for the container, else the pod's field.
apparmor(c) := {"value": p.type, "path": sprintf("%s.securityContext.appArmorProfile.type", [c.path])} if {
	p := c.container.securityContext.appArmorProfile
} else := {"value": a, "path": sprintf("%s.annotations[%q]", [pods.pod_metadata_path, key])} if {
	key := concat("", [apparmor_annotation, c.container.name])
	a := k8s.pod_metadata.annotations[key]
} else := {"value": p.type, "path": sprintf("%s.securityContext.appArmorProfile.type", [k8s.pod_path])} if {
	p := k8s.pod_spec.securityContext.appArmorProfile
}

selinux(c) := {"value": object.get(s.value, "type", ""), "path": sprintf("%s.type", [s.path]), "options": s.value} if {
	s := pods.setting(c, "seLinuxOptions")
}

# The cheapest check first: dropped capabilities need no setting in force.
hardened(c) if count(c.container.securityContext.capabilities.drop) > 0

hardened(c) if lower(seccomp(c).value) != "unconfined"

hardened(c) if lower(apparmor(c).value) != "unconfined"

hardened(c) if {
	s := selinux(c)
	count(s.options) > 0
	not s.value in unconfined_selinux_types
}


# unconfined(c) lists the explicit Unconfined settings in force for a container.
unconfined(c) := array.concat(
	array.concat([p | p := unconfined_seccomp(c)], [p | p := unconfined_apparmor(c)]),
	[p | p := unconfined_selinux(c)],
)

unconfined_seccomp(c) := s.path if {
	s := seccomp(c)
	lower(s.value) == "unconfined"
}

unconfined_apparmor(c) := s.path if {
	s := apparmor(c)
	lower(s.value) == "unconfined"
}

unconfined_selinux(c) := s.path if {
	s := selinux(c)
	s.value in unconfined_selinux_types
}

deny contains {
	"message": sprintf("%s %q of %s %s has no seccomp, AppArmor or SELinux confinement and drops no capabilities", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"failedPaths": unconfined(c),
	"fixPaths": [
		{"path": sprintf("%s.securityContext.seccompProfile.type", [c.path]), "value": "RuntimeDefault"},
		{"path": sprintf("%s.securityContext.capabilities.drop[0]", [c.path]), "value": "ALL"},
	],
} if {
	some c in k8s.containers
	not hardened(c)
	not pods.windows
}
