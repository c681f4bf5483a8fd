package kubescape.controls.c0013

import data.kubescape.lib.k8s
import data.kubescape.lib.pods

# A UID set to a positive number is enough: the container cannot be root.
non_root_uid(c) if {
	uid := pods.setting(c, "runAsUser").value
	is_number(uid)
	uid > 0
}

root_uid(c) := s if {
	s := pods.setting(c, "runAsUser")
	s.value == 0
}

deny contains {
	"message": sprintf("%s runs as UID 0 (root)", [pods.describe(c)]),
	"failedPaths": [s.path],
	"fixPaths": [
		{"path": s.path, "value": "1000"},
		{"path": sprintf("%s.securityContext.runAsNonRoot", [c.path]), "value": "true"},
	],
} if {
	some c in k8s.containers
	s := root_uid(c)
}

# runAsNonRoot explicitly false, and no non-root UID.
deny contains {
	"message": sprintf("%s may run as root: runAsNonRoot is false and no non-zero runAsUser is set", [pods.describe(c)]),
	"failedPaths": [s.path],
	"fixPaths": [{"path": s.path, "value": "true"}],
} if {
	some c in k8s.containers
	not non_root_uid(c)
	not root_uid(c)
	s := pods.setting(c, "runAsNonRoot")
	s.value != true
}

# Neither runAsNonRoot nor a non-root UID: the image decides.
deny contains {
	"message": sprintf("%s may run as root: neither runAsNonRoot nor a non-zero runAsUser is set", [pods.describe(c)]),
	"fixPaths": [{"path": sprintf("%s.securityContext.runAsNonRoot", [c.path]), "value": "true"}],
} if {
	some c in k8s.containers
	not non_root_uid(c)
	not root_uid(c)
	not pods.setting(c, "runAsNonRoot")
}

deny contains {
	"message": sprintf("%s runs with GID 0 (root group)", [pods.describe(c)]),
	"failedPaths": [s.path],
	"fixPaths": [{"path": s.path, "value": "1000"}],
} if {
	some c in k8s.containers
	s := pods.setting(c, "runAsGroup")
	s.value == 0
}
