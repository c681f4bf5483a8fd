package kubescape.controls.c0113

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.apiserver
	finding := check(s)
}

# check finds --anonymous-auth set to another value than false, or absent
# (true by default).
check(s) := {
	"message": sprintf("%s sets --anonymous-auth=%s: requests without credentials are served as system:anonymous, and any RBAC binding to that user or to system:unauthenticated opens the API to everyone who can reach it", [controlplane.where(s), f.value]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, "false"),
} if {
	f := s.flags["--anonymous-auth"]
	not f.value in controlplane.false_values
} else := {
	"message": sprintf("%s does not set --anonymous-auth, which is true by default: requests without credentials are served as system:anonymous, and any RBAC binding to that user or to system:unauthenticated opens the API to everyone who can reach it", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, "--anonymous-auth=false"),
} if {
	not s.flags["--anonymous-auth"]
}
