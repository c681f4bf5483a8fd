package kubescape.controls.c0160

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: with no audit policy the API server records no audit events at all", [controlplane.where(s), name])) if {
	some s in controlplane.apiserver
	some name in ["--audit-policy-file"]
	controlplane.unset(s, name)
}
