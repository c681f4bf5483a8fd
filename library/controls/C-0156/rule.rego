package kubescape.controls.c0156

import data.kubescape.lib.controlplane

deny contains controlplane.missing_finding(s, name, sprintf("%s does not set %s: etcd members replicate the cluster state to each other without TLS", [controlplane.where(s), name])) if {
	some s in controlplane.etcd
	some name in ["--peer-cert-file", "--peer-key-file"]
	controlplane.unset(s, name)
}
