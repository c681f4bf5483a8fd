package kubescape.controls.c0013

import data.kubescape.lib.k8s
import data.kubescape.lib.pods

# The UID in force decides when it is a number: 0 is root, above 0 is not.
uid_decided(c) if {
	uid := pods.in_force(c, "runAsUser")[0]
	is_number(uid)
	uid >= 0
}

deny contains {
	"message": sprintf("%s %q of %s %s runs as UID 0 (root)", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"failedPaths": [path],
	"fixPaths": [
		{"path": path, "value": "1000"},
		{"path": concat("", [c.path, ".securityContext.runAsNonRoot"]), "value": "true"},
	],
} if {
	some c in k8s.containers
	s := pods.in_force(c, "runAsUser")
	s[0] == 0
	path := pods.setting_path(c, s[1], "runAsUser")
}

deny contains f if {
	some c in k8s.containers
	not uid_decided(c)
	f := non_root_finding(c)
}

# runAsNonRoot explicitly false (or not true), and no UID that decides.
non_root_finding(c) := {
	"message": sprintf("%s %q of %s %s may run as root: runAsNonRoot is false and no non-zero runAsUser is set", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": "true"}],
} if {
	s := pods.in_force(c, "runAsNonRoot")
	s[0] != true
	path := pods.setting_path(c, s[1], "runAsNonRoot")
} else := {
	# Neither runAsNonRoot nor a non-root UID: the image decides.
	"message": sprintf("%s %q of %s %s may run as root: neither runAsNonRoot nor a non-zero runAsUser is set", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"fixPaths": [{"path": concat("", [c.path, ".securityContext.runAsNonRoot"]), "value": "true"}],
} if {
	not pods.in_force(c, "runAsNonRoot")
}

deny contains {
	"message": sprintf("%s %q of %s %s runs with GID 0 (root group)", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": "1000"}],
} if {
	some c in k8s.containers
	s := pods.in_force(c, "runAsGroup")
	s[0] == 0
	path := pods.setting_path(c, s[1], "runAsGroup")
}
