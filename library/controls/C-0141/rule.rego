package kubescape.controls.c0141

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: Secrets are written to etcd in clear text, readable from any etcd backup or disk", [controlplane.where(s), name])) if {
	some s in controlplane.apiserver
	some name in ["--encryption-provider-config"]
	controlplane.unset(s, name)
}
