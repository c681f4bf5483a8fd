package kubescape.controls.c0206

import data.kubescape.lib.network

deny contains {
	"message": sprintf("Namespace %s defines no network policy, and no clusterwide Cilium policy applies to it", [input.metadata.name]),
	"reviewPaths": ["metadata.name"],
} if {
	input.kind == "Namespace"
	not input.metadata.name in podless_namespaces
	count(network.namespace_policies(input.metadata.name)) == 0
}

# Namespaces that hold no pods by design.
podless_namespaces := {"kube-public", "kube-node-lease"}
