package kubescape.controls.c0030

import data.kubescape.lib.k8s
import data.kubescape.lib.network

deny contains {
	"message": sprintf("%s %s: no network policy selects %s for %s, so %s", [
		input.kind, input.metadata.name, pods, lower(direction), consequence[direction],
	]),
	"reviewPaths": review_paths,
	"related": [k8s.ref(p) | some p in network.policies],
} if {
	k8s.is_workload
	some direction in directions
	not direction in covered
}

deny contains {
	"message": sprintf("%s %s: %s %s selects %s but has an %s rule that allows all %s traffic", [
		input.kind, input.metadata.name, p.kind, p.metadata.name, pods, lower(direction), lower(direction),
	]),
	"reviewPaths": review_paths,
	"related": [k8s.ref(p)],
} if {
	k8s.is_workload
	some p in network.policies
	some direction in network.allows_all(p)
}

directions := ["Ingress", "Egress"]

consequence := {
	"Ingress": "every pod in the cluster can connect in",
	"Egress": "outgoing connections to any destination are allowed",
}

pods := "the pod" if {
	input.kind == "Pod"
} else := "its pods"

# review_paths points at the pod labels that policies select on.
review_paths := [network.labels_path] if {
	count(network.labels) > 0
} else := []

# covered holds the directions that some selecting policy isolates.
covered := {direction |
	some p in network.policies
	some direction in network.isolates(p)
}
