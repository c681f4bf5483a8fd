package kubescape.controls.c0260

import data.kubescape.lib.k8s
import data.kubescape.lib.network

deny contains {
	"message": sprintf("%s %s: no network policy selects its pods, so they are open to every pod of the cluster and may connect anywhere", [input.kind, input.metadata.name]),
	"reviewPaths": network.review_paths,
} if {
	k8s.is_workload
	count(network.policies) == 0
}
