package kubescape.controls.c0290

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.apiserver
	finding := check(s)
}

# check finds --service-account-extend-token-expiration set to another value than false, or absent
# (true by default).
check(s) := {
	"message": sprintf("%s sets --service-account-extend-token-expiration=%s: projected service account tokens get a validity of up to a year instead of the lifetime the Pod asked for", [controlplane.where(s), f.value]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, "false"),
} if {
	f := s.flags["--service-account-extend-token-expiration"]
	not f.value in controlplane.false_values
} else := {
	"message": sprintf("%s does not set --service-account-extend-token-expiration, which is true by default: projected service account tokens get a validity of up to a year instead of the lifetime the Pod asked for", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, "--service-account-extend-token-expiration=false"),
} if {
	not s.flags["--service-account-extend-token-expiration"]
}
