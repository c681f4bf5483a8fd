package kubescape.controls.c0138

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: the API server serves a self-signed certificate it generated itself, which clients cannot verify", [controlplane.where(s), name])) if {
	some s in controlplane.apiserver
	some name in ["--tls-cert-file", "--tls-private-key-file"]
	controlplane.unset(s, name)
}
