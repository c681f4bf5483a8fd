package kubescape.controls.c0153

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: etcd serves clients over plain HTTP or without a certificate they can verify", [controlplane.where(s), name])) if {
	some s in controlplane.etcd
	some name in ["--cert-file", "--key-file"]
	controlplane.unset(s, name)
}
