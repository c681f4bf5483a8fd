package kubescape.controls.c0132

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.apiserver
	finding := check(s)
}

# check finds --audit-log-maxbackup below auditLogMaxBackup, not a number, or absent.
check(s) := {
	"message": sprintf("%s sets --audit-log-maxbackup=%s, not a number of at least %v files: too few rotated audit log files are kept, so older events are lost at each rotation", [controlplane.where(s), f.value, data.inputs.auditLogMaxBackup]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, format_int(data.inputs.auditLogMaxBackup, 10)),
} if {
	f := s.flags["--audit-log-maxbackup"]
	not controlplane.at_least(f.value, data.inputs.auditLogMaxBackup)
} else := {
	"message": sprintf("%s does not set --audit-log-maxbackup: too few rotated audit log files are kept, so older events are lost at each rotation", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, sprintf("--audit-log-maxbackup=%d", [data.inputs.auditLogMaxBackup])),
} if {
	not s.flags["--audit-log-maxbackup"]
}
