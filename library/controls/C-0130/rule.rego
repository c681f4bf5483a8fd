package kubescape.controls.c0130

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: no audit log file is written, so nobody can later tell who did what through the API", [controlplane.where(s), name])) if {
	some s in controlplane.apiserver
	some name in ["--audit-log-path"]
	controlplane.unset(s, name)
}
