package kubescape.controls.c0054

import data.kubescape.lib.network

deny contains {
	"message": sprintf("Namespace %s has no network policy: its pods accept connections from every pod in the cluster and can connect anywhere", [input.metadata.name]),
	"reviewPaths": ["metadata.name"],
} if {
	input.kind == "Namespace"
	not input.metadata.name in podless_namespaces
	count(network.namespace_policies(input.metadata.name)) == 0
}

# Namespaces that hold no pods by design.
podless_namespaces := {"kube-public", "kube-node-lease"}
