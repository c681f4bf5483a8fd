package kubescape.controls.c0066

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: Secrets are stored in etcd unencrypted, so a stolen etcd backup or disk holds every credential of the cluster", [controlplane.where(s), name])) if {
	some s in controlplane.apiserver
	some name in ["--encryption-provider-config"]
	controlplane.unset(s, name)
}
