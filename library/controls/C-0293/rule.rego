package kubescape.controls.c0293

import data.kubescape.lib.k8s
import data.kubescape.lib.network

deny contains {
	"message": sprintf("Service %s selects no pods: no workload in namespace %s has a pod template with the labels %s", [input.metadata.name, namespace, selector_label]),
	"reviewPaths": ["spec.selector"],
} if {
	input.kind == "Service"
	is_object(input.spec.selector)
	count(input.spec.selector) > 0
	object.get(input.spec, "type", "ClusterIP") != "ExternalName"
	count(network.workloads_selected_by_map(input.spec.selector, namespace)) == 0
}

namespace := k8s.namespace(input)

selector_label := concat(", ", [sprintf("%s=%s", [k, v]) | some k, v in input.spec.selector])
