package kubescape.controls.c0067

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.apiserver
	some finding in findings(s)
}

# findings are the missing audit backend and the missing audit policy.
findings(s) := {{
	"message": sprintf("%s has no audit backend: neither --audit-log-path nor --audit-webhook-config-file is set, so audit events are written nowhere", [controlplane.where(s)]),
	"reviewPaths": [s.review],
} |
	controlplane.unset(s, "--audit-log-path")
	controlplane.unset(s, "--audit-webhook-config-file")
} | {finding |
	controlplane.unset(s, "--audit-policy-file")
	finding := controlplane.missing_finding(s, "--audit-policy-file", sprintf("%s has no --audit-policy-file: without an audit policy, no audit event is recorded", [controlplane.where(s)]))
}
