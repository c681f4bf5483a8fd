package kubescape.controls.c0151

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.scheduler
	not s.flags["--config"]
	finding := check(s)
}

# check finds --profiling set to another value than false, or absent
# (true by default).
check(s) := {
	"message": sprintf("%s sets --profiling=%s: the /debug/pprof endpoints expose the scheduler internals and let callers start costly profiles", [controlplane.where(s), f.value]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, "false"),
} if {
	f := s.flags["--profiling"]
	not f.value in controlplane.false_values
} else := {
	"message": sprintf("%s does not set --profiling, which is true by default: the /debug/pprof endpoints expose the scheduler internals and let callers start costly profiles", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, "--profiling=false"),
} if {
	not s.flags["--profiling"]
}
