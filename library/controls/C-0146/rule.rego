package kubescape.controls.c0146

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.controller_manager
	finding := check(s)
}

# check finds --use-service-account-credentials set to another value than true, or absent
# (false by default).
check(s) := {
	"message": sprintf("%s sets --use-service-account-credentials=%s: every controller acts with the controller manager's own broad credentials instead of a service account limited to its job", [controlplane.where(s), f.value]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, "true"),
} if {
	f := s.flags["--use-service-account-credentials"]
	not f.value in controlplane.true_values
} else := {
	"message": sprintf("%s does not set --use-service-account-credentials, which is false by default: every controller acts with the controller manager's own broad credentials instead of a service account limited to its job", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, "--use-service-account-credentials=true"),
} if {
	not s.flags["--use-service-account-credentials"]
}
