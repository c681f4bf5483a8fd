package kubescape.controls.c0139

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: client certificate authentication is off, so the kubelets, the controllers and administrators cannot authenticate with certificates", [controlplane.where(s), name])) if {
	some s in controlplane.apiserver
	some name in ["--client-ca-file"]
	controlplane.unset(s, name)
}
