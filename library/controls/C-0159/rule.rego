package kubescape.controls.c0159

import data.kubescape.lib.controlplane

deny contains {
	"message": sprintf("%s sets --etcd-cafile to its --client-ca-file %s: etcd's certificates come from the cluster CA, whose other certificates can then reach etcd", [controlplane.where(s), etcd_ca.value]),
	"failedPaths": array.concat(etcd_ca.paths, client_ca.paths),
} if {
	some s in controlplane.apiserver
	etcd_ca := controlplane.set_flag(s, "--etcd-cafile")
	client_ca := controlplane.set_flag(s, "--client-ca-file")
	etcd_ca.value == client_ca.value
}

deny contains controlplane.missing_finding(s, "--trusted-ca-file", sprintf("%s does not set --trusted-ca-file: etcd has no CA of its own for client certificates", [controlplane.where(s)])) if {
	some s in controlplane.etcd
	controlplane.unset(s, "--trusted-ca-file")
}
