package kubescape.controls.c0030

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %s: no NetworkPolicy in namespace %s selects %s for %s, so %s", [
		input.kind, input.metadata.name, namespace, pods, lowercase[direction], consequence[direction],
	]),
	"reviewPaths": review_paths,
	"related": [k8s.ref(p) | some p in selecting],
} if {
	k8s.is_workload
	some direction in directions
	not direction in covered
}

deny contains {
	"message": sprintf("%s %s: NetworkPolicy %s selects %s but has an %s rule with no peers and no ports, which allows all %s traffic", [
		input.kind, input.metadata.name, p.metadata.name, pods, lower(direction), lower(direction),
	]),
	"reviewPaths": review_paths,
	"related": [k8s.ref(p)],
} if {
	k8s.is_workload
	count(selecting) > 0
	some [direction, i] in allowing_all
	p := selecting[i]
}

directions := ["Ingress", "Egress"]

lowercase := {"Ingress": "ingress", "Egress": "egress"}

namespace := k8s.namespace(input)

consequence := {
	"Ingress": "every pod in the cluster can connect in",
	"Egress": "outgoing connections to any destination are allowed",
}

pods := "the pod" if {
	input.kind == "Pod"
} else := "its pods"

rule_fields := {
	"Ingress": {"rules": "ingress", "peers": "from"},
	"Egress": {"rules": "egress", "peers": "to"},
}

labels := object.get(k8s.pod_metadata, "labels", {})

# review_paths points at the pod labels that policies select on.
review_paths := [concat(".", [metadata_path, "labels"])] if {
	count(labels) > 0
} else := []

metadata_paths := {
	"Deployment": "spec.template.metadata",
	"ReplicaSet": "spec.template.metadata",
	"StatefulSet": "spec.template.metadata",
	"DaemonSet": "spec.template.metadata",
	"Job": "spec.template.metadata",
	"ReplicationController": "spec.template.metadata",
	"CronJob": "spec.jobTemplate.spec.template.metadata",
}

metadata_path := "metadata" if {
	input.kind == "Pod"
} else := path if {
	path := metadata_paths[input.kind]
} else := concat(".", array.concat(array.slice(path, 0, count(path) - 1), ["metadata"])) if {
	path := k8s.pod_spec_paths[input.kind]
}

# selecting holds the NetworkPolicies of the namespace that select the pods.
# Most policies of a namespace are for other pods: when the labels are an
# object, object.subset (one builtin call, no function call) first rejects a
# policy whose matchLabels are not a subset of them, which k8s.selects would
# reject too; k8s.selects decides for the rest.
selecting := [p |
	some p in k8s.namespaced("NetworkPolicy")
	object.subset(labels, object.get(p, ["spec", "podSelector", "matchLabels"], {}))
	k8s.selects(object.get(p, ["spec", "podSelector"], {}), labels)
] if {
	is_object(labels)
} else := [p |
	some p in k8s.namespaced("NetworkPolicy")
	k8s.selects(object.get(p, ["spec", "podSelector"], {}), labels)
]

# covered holds the directions that some selecting policy isolates, each
# policy's worked out once.
covered := {direction |
	some p in selecting
	some direction in policy_types(p)
}

# allowing_all holds [direction, i] for each selecting policy i that isolates
# the direction and has a rule for it with neither peers nor ports.
allowing_all contains [direction, i] if {
	some i, p in selecting
	some direction, fields in rule_fields
	some rule in p.spec[fields.rules]
	count(object.get(rule, fields.peers, [])) == 0
	count(object.get(rule, "ports", [])) == 0
	direction in policy_types(p)
}

# policy_types are the directions a policy isolates, with the API server's
# defaulting when policyTypes is not set.
policy_types(p) := {t | some t in p.spec.policyTypes} if {
	count(object.get(p, ["spec", "policyTypes"], [])) > 0
} else := {"Ingress", "Egress"} if {
	count(object.get(p, ["spec", "egress"], [])) > 0
} else := {"Ingress"}
