package kubescape.controls.c0256

import data.kubescape.lib.k8s
import data.kubescape.lib.network

deny contains {
	"message": sprintf("%s %s is reachable from outside the cluster: Service %s, %s, selects its pods", [input.kind, input.metadata.name, s.metadata.name, exposure]),
	"reviewPaths": network.review_paths,
	"related": [k8s.ref(s)],
} if {
	k8s.is_workload
	some s in network.services
	some exposure in exposures(s)
}

deny contains {
	"message": sprintf("%s %s is reachable from outside the cluster: Ingress %s routes to Service %s, which selects its pods", [input.kind, input.metadata.name, ing.metadata.name, s.metadata.name]),
	"reviewPaths": network.review_paths,
	"related": [k8s.ref(s), k8s.ref(ing)],
} if {
	k8s.is_workload
	some s in network.services
	some ing in network.ingresses_of(s)
}

exposures(s) := ({e |
	s.spec.type == "LoadBalancer"
	not internal_load_balancer(s)
	e := "of type LoadBalancer"
} | {e |
	s.spec.type == "NodePort"
	e := "of type NodePort"
}) | {e |
	count(network.as_array(object.get(s, ["spec", "externalIPs"], []))) > 0
	e := "with externalIPs"
}

# Annotations that ask the cloud provider for a load balancer on the private network.
internal_annotations := {
	"service.beta.kubernetes.io/aws-load-balancer-internal": {"true"},
	"service.beta.kubernetes.io/aws-load-balancer-scheme": {"internal"},
	"service.beta.kubernetes.io/azure-load-balancer-internal": {"true"},
	"service.beta.kubernetes.io/oci-load-balancer-internal": {"true"},
	"networking.gke.io/load-balancer-type": {"internal"},
	"cloud.google.com/load-balancer-type": {"internal"},
}

internal_load_balancer(s) if {
	some name, values in internal_annotations
	lower(s.metadata.annotations[name]) in values
}
