package kubescape.controls.c0302

import data.kubescape.lib.k8s
import data.kubescape.lib.network

deny contains {
	"message": sprintf("%s %s sends traffic to Service %s/%s, which does not exist", [input.kind, input.metadata.name, b.namespace, b.name]),
	"failedPaths": [concat("", [b.path, ".name"])],
} if {
	input.kind in network.route_kinds
	some b in backends
	count(b.services) == 0
}

deny contains {
	"message": sprintf("%s %s sends traffic to Service %s/%s in another namespace, and no ReferenceGrant there allows it", [input.kind, input.metadata.name, b.namespace, b.name]),
	"failedPaths": [concat("", [b.path, ".namespace"])],
	"related": [k8s.ref(s) | some s in b.services],
} if {
	input.kind in network.route_kinds
	some b in backends
	b.namespace != namespace
	not network.reference_granted(input.kind, namespace, "Service", b.name, b.namespace)
}

deny contains {
	"message": sprintf("%s %s sends traffic to port %v of Service %s/%s, which defines no such port", [input.kind, input.metadata.name, b.port, b.namespace, b.name]),
	"failedPaths": [concat("", [b.path, ".port"])],
	"related": [k8s.ref(s)],
} if {
	input.kind in network.route_kinds
	some b in backends
	some s in b.services
	not network.service_port_matches(s, b.port)
}

namespace := k8s.namespace(input)

# backends are the route's Service backendRefs, each with the Services of
# that name in its target namespace.
backends := [object.union(b, {"services": [s |
	some s in network.in_namespace(b.namespace, "Service")
	s.metadata.name == b.name
]}) |
	some b in network.route_backends(input)
]
