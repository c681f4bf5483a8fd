package kubescape.controls.c0131

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.apiserver
	finding := check(s)
}

# check finds --audit-log-maxage below auditLogMaxAge, not a number, or absent.
check(s) := {
	"message": sprintf("%s sets --audit-log-maxage=%s, not a number of at least %v days: audit log files may be deleted before an incident is noticed and investigated", [controlplane.where(s), f.value, data.inputs.auditLogMaxAge]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, format_int(data.inputs.auditLogMaxAge, 10)),
} if {
	f := s.flags["--audit-log-maxage"]
	not controlplane.at_least(f.value, data.inputs.auditLogMaxAge)
} else := {
	"message": sprintf("%s does not set --audit-log-maxage: audit log files may be deleted before an incident is noticed and investigated", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, sprintf("--audit-log-maxage=%d", [data.inputs.auditLogMaxAge])),
} if {
	not s.flags["--audit-log-maxage"]
}
