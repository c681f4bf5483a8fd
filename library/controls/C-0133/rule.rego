package kubescape.controls.c0133

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.apiserver
	finding := check(s)
}

# check finds --audit-log-maxsize below auditLogMaxSize, not a number, or absent.
check(s) := {
	"message": sprintf("%s sets --audit-log-maxsize=%s, not a number of at least %v megabytes: the audit log is rotated too early (or never), so events are lost or the log volume fills up", [controlplane.where(s), f.value, data.inputs.auditLogMaxSize]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, format_int(data.inputs.auditLogMaxSize, 10)),
} if {
	f := s.flags["--audit-log-maxsize"]
	not controlplane.at_least(f.value, data.inputs.auditLogMaxSize)
} else := {
	"message": sprintf("%s does not set --audit-log-maxsize: the audit log is rotated too early (or never), so events are lost or the log volume fills up", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, sprintf("--audit-log-maxsize=%d", [data.inputs.auditLogMaxSize])),
} if {
	not s.flags["--audit-log-maxsize"]
}
