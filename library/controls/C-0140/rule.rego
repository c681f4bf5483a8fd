package kubescape.controls.c0140

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: the API server does not verify the certificate etcd presents, so an impersonator of etcd receives every write, Secrets included", [controlplane.where(s), name])) if {
	some s in controlplane.apiserver
	some name in ["--etcd-cafile"]
	controlplane.unset(s, name)
}
