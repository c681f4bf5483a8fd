package kubescape.controls.c0136

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: the keys that verify service account tokens are not named, so keys cannot be rotated without invalidating every token", [controlplane.where(s), name])) if {
	some s in controlplane.apiserver
	some name in ["--service-account-key-file"]
	controlplane.unset(s, name)
}
