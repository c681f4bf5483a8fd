package kubescape.controls.c0148

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: Pods do not receive the cluster CA, so they cannot verify the API server they talk to", [controlplane.where(s), name])) if {
	some s in controlplane.controller_manager
	some name in ["--root-ca-file"]
	controlplane.unset(s, name)
}
