package kubescape.controls.c0298

import data.kubescape.lib.k8s
import data.kubescape.lib.network

deny contains {
	"message": sprintf("Ingress %s routes to Service %s, which does not exist in namespace %s", [input.metadata.name, b.service, namespace]),
	"failedPaths": [b.name_path],
} if {
	input.kind == "Ingress"
	some b in network.ingress_backends(input)
	count(services[b.service]) == 0
}

deny contains {
	"message": sprintf("Ingress %s routes to port %v of Service %s, which defines no such port", [input.metadata.name, b.port, b.service]),
	"failedPaths": [b.port_path],
	"related": [k8s.ref(s)],
} if {
	input.kind == "Ingress"
	some b in network.ingress_backends(input)
	some s in services[b.service]
	object.get(s, ["spec", "type"], "ClusterIP") != "ExternalName"
	not network.service_port_matches(s, b.port)
}

namespace := k8s.namespace(input)

# services holds the Services of the namespace by name, for the names the
# Ingress refers to.
services[name] := [s |
	some s in k8s.namespaced("Service")
	s.metadata.name == name
] if {
	some b in network.ingress_backends(input)
	name := b.service
}
