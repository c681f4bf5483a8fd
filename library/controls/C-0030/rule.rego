package kubescape.controls.c0030

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %s: no NetworkPolicy in namespace %s selects %s for %s, so %s", [
		input.kind, input.metadata.name, k8s.namespace(input), pods, lower(direction), consequence[direction],
	]),
	"reviewPaths": review_paths,
	"related": [k8s.ref(p) | some p in selecting],
} if {
	k8s.is_workload
	some direction in directions
	not some_policy_covers(direction)
}

deny contains {
	"message": sprintf("%s %s: NetworkPolicy %s selects %s but has an %s rule with no peers and no ports, which allows all %s traffic", [
		input.kind, input.metadata.name, p.metadata.name, pods, lower(direction), lower(direction),
	]),
	"reviewPaths": review_paths,
	"related": [k8s.ref(p)],
} if {
	k8s.is_workload
	some direction in directions
	some p in selecting
	direction in policy_types(p)
	allows_all(p, direction)
}

directions := ["Ingress", "Egress"]

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
review_paths := [sprintf("%s.labels", [metadata_path])] if {
	count(labels) > 0
} else := []

metadata_path := "metadata" if {
	input.kind == "Pod"
} else := concat(".", array.concat(array.slice(path, 0, count(path) - 1), ["metadata"])) if {
	path := k8s.pod_spec_paths[input.kind]
}

# selecting holds the NetworkPolicies of the namespace that select the pods.
selecting := [p |
	some p in k8s.namespaced("NetworkPolicy")
	k8s.selects(object.get(p, ["spec", "podSelector"], {}), labels)
]

some_policy_covers(direction) if {
	some p in selecting
	direction in policy_types(p)
}

# policy_types are the directions a policy isolates, with the API server's
# defaulting when policyTypes is not set.
policy_types(p) := {t | some t in p.spec.policyTypes} if {
	count(object.get(p, ["spec", "policyTypes"], [])) > 0
} else := {"Ingress", "Egress"} if {
	count(object.get(p, ["spec", "egress"], [])) > 0
} else := {"Ingress"}

# allows_all is true when a policy has a rule for the direction with neither
# peers nor ports: it matches all traffic.
allows_all(p, direction) if {
	some rule in object.get(p, ["spec", rule_fields[direction].rules], [])
	count(object.get(rule, rule_fields[direction].peers, [])) == 0
	count(object.get(rule, "ports", [])) == 0
}
