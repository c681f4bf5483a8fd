package kubescape.controls.c0049

import data.kubescape.lib.k8s
import data.kubescape.lib.network

deny contains {
	"message": sprintf("Namespace %s: no network policy isolates all of its pods for ingress, so any pod in the cluster can scan them and map the services of the namespace", [name]),
	"reviewPaths": ["metadata.name"],
	"related": [k8s.ref(p) | some p in network.namespace_policies(name)],
} if {
	input.kind == "Namespace"
	not name in podless_namespaces
	not isolated
}

name := input.metadata.name

# Namespaces that hold no pods by design.
podless_namespaces := {"kube-public", "kube-node-lease"}

isolated if {
	some p in network.in_namespace(name, "NetworkPolicy")
	empty_selector(network.pod_selector(p))
	"Ingress" in network.policy_types(p)
	not "Ingress" in network.np_allows_all(p)
	not np_lets_cluster_in(p)
}

isolated if {
	some p in network.namespace_policies(name)
	p.kind in {"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"}
	some s in network.cilium_specs(p)
	whole_namespace(s.endpointSelector)
	"Ingress" in network.cilium_isolates(s)
	not cilium_lets_cluster_in(s)
}

empty_selector(sel) if {
	count(network.as_object(object.get(sel, "matchLabels", {}))) == 0
	count(network.as_array(object.get(sel, "matchExpressions", []))) == 0
}

# whole_namespace is true for an endpointSelector that selects every pod of
# the namespace: an empty one, or one on the namespace label alone.
whole_namespace(sel) if {
	is_object(sel)
	empty_selector(sel)
}

whole_namespace(sel) if {
	count(network.as_array(object.get(sel, "matchExpressions", []))) == 0
	labels := network.as_object(object.get(sel, "matchLabels", {}))
	count(labels) == 1
	some k, v in labels
	k in network.cilium_namespace_keys
	v == name
}

# A peer with an empty namespaceSelector and no pod restriction is every pod of the cluster.
np_lets_cluster_in(p) if {
	some rule in network.as_array(object.get(p, ["spec", "ingress"], []))
	some peer in network.as_array(object.get(rule, "from", []))
	empty_selector(peer.namespaceSelector)
	empty_selector(network.as_object(object.get(peer, "podSelector", {})))
}

cilium_lets_cluster_in(s) if {
	some rule in network.as_array(object.get(s, "ingress", []))
	some entity in network.as_array(object.get(rule, "fromEntities", []))
	entity in {"all", "cluster"}
}
