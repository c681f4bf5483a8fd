package kubescape.controls.c0299

import data.kubescape.lib.k8s
import data.kubescape.lib.network

deny contains {
	"message": sprintf("NetworkPolicy %s selects no pods: no workload in namespace %s has a pod template that its podSelector matches", [input.metadata.name, k8s.namespace(input)]),
	"failedPaths": ["spec.podSelector"],
} if {
	input.kind == "NetworkPolicy"
	selector := network.pod_selector(input)
	count(network.as_object(object.get(selector, "matchLabels", {}))) + count(network.as_array(object.get(selector, "matchExpressions", []))) > 0
	count(network.workloads_selected_by(selector, k8s.namespace(input))) == 0
}
