package kubescape.controls.c0137

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: the API server connects to etcd without a client certificate, so etcd must accept unauthenticated clients", [controlplane.where(s), name])) if {
	some s in controlplane.apiserver
	some name in ["--etcd-certfile", "--etcd-keyfile"]
	controlplane.unset(s, name)
}
