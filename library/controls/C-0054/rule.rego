package kubescape.controls.c0054

deny contains {
	"message": sprintf("Namespace %s has no NetworkPolicy: its pods accept connections from every pod in the cluster and can connect anywhere", [input.metadata.name]),
	"reviewPaths": ["metadata.name"],
} if {
	input.kind == "Namespace"
	not input.metadata.name in podless_namespaces
	every kind in policy_kinds {
		count(object.get(data.inventory.namespaced, [input.metadata.name, kind], [])) == 0
	}
}

# Policies are looked up under the Namespace's own name: k8s.namespaced looks
# in the namespace of the input object, and a Namespace is in none.
policy_kinds := ["NetworkPolicy", "CiliumNetworkPolicy"]

# Namespaces that hold no pods by design.
podless_namespaces := {"kube-public", "kube-node-lease"}
