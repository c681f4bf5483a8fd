package kubescape.controls.c0147

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: the controller manager cannot sign service account tokens, and the key used for them cannot be rotated", [controlplane.where(s), name])) if {
	some s in controlplane.controller_manager
	some name in ["--service-account-private-key-file"]
	controlplane.unset(s, name)
}
