package kubescape.controls.c0116

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: the API server calls the kubelets (exec, logs, port-forward) without a client certificate, so kubelets must accept it unauthenticated", [controlplane.where(s), name])) if {
	some s in controlplane.apiserver
	some name in ["--kubelet-client-certificate", "--kubelet-client-key"]
	controlplane.unset(s, name)
}
