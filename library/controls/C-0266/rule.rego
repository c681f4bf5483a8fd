package kubescape.controls.c0266

import data.kubescape.lib.k8s
import data.kubescape.lib.network

deny contains {
	"message": sprintf("%s %s is published through Gateway %s: %s %s/%s routes to Service %s, which selects its pods", [
		input.kind, input.metadata.name, gateway_names(gateways), route.kind, k8s.namespace(route), route.metadata.name, s.metadata.name,
	]),
	"reviewPaths": network.review_paths,
	"related": array.concat([k8s.ref(s), k8s.ref(route)], [gateway_ref(network.gateway_group, g) | some g in gateways]),
} if {
	k8s.is_workload
	some s in network.services
	some route in routes
	some b in network.route_backends(route)
	b.name == s.metadata.name
	b.namespace == network.namespace
	gateways := network.route_gateways(route)
	count(gateways) > 0
}

deny contains {
	"message": sprintf("%s %s is published through Istio Gateway %s: VirtualService %s routes to Service %s, which selects its pods", [
		input.kind, input.metadata.name, gateway_names(gateways), vs.metadata.name, s.metadata.name,
	]),
	"reviewPaths": network.review_paths,
	"related": array.concat([k8s.ref(s), k8s.ref(vs)], [gateway_ref(network.istio_group, g) | some g in gateways]),
} if {
	k8s.is_workload
	some s in network.services
	some vs in network.in_namespace(network.namespace, "VirtualService")
	network.group(vs) == network.istio_group
	gateways := network.virtual_service_gateways(vs)
	count(gateways) > 0
	some d in network.virtual_service_destinations(vs)
	network.host_names_service(d.host, network.namespace, s)
}

# routes are the Gateway API routes that may refer to Services of the
# workload's namespace: its own, and those of namespaces that a
# ReferenceGrant of the namespace lets refer to its Services.
routes := array.concat(
	[r |
		some kind in network.route_kinds
		some r in network.in_namespace(network.namespace, kind)
	],
	[r |
		some grant in network.in_namespace(network.namespace, "ReferenceGrant")
		some from in network.as_array(object.get(grant, ["spec", "from"], []))
		from.group == network.gateway_group
		from.kind in network.route_kinds
		from.namespace != network.namespace
		some to in network.as_array(object.get(grant, ["spec", "to"], []))
		object.get(to, "group", "") == ""
		to.kind == "Service"
		some r in network.in_namespace(from.namespace, from.kind)
	],
)

gateway_names(gateways) := concat(", ", [sprintf("%s/%s", [g.namespace, g.name]) | some g in gateways])

# gateway_ref names a gateway: the scanned object of that API group, or a
# reference built from the route when it is not among the scanned objects.
gateway_ref(group, g) := k8s.ref(found[0]) if {
	found := [gw |
		some gw in network.in_namespace(g.namespace, "Gateway")
		gw.metadata.name == g.name
		network.group(gw) == group
	]
	count(found) > 0
} else := {"apiVersion": concat("/", [group, "v1"]), "kind": "Gateway", "namespace": g.namespace, "name": g.name}
