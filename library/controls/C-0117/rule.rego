package kubescape.controls.c0117

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: the API server does not verify the serving certificate of the kubelets it calls, so a node impersonator can intercept exec and logs traffic", [controlplane.where(s), name])) if {
	some s in controlplane.apiserver
	some name in ["--kubelet-certificate-authority"]
	controlplane.unset(s, name)
}
