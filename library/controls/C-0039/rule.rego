package kubescape.controls.c0039

import data.kubescape.lib.network

deny contains {
	"message": sprintf("MutatingWebhookConfiguration %s: webhook %q can rewrite %s when they are %s", [input.metadata.name, w.name, target, mutation_label(rule)]),
	"reviewPaths": [sprintf("webhooks[%d].rules[%d].resources", [i, j])],
} if {
	input.kind == "MutatingWebhookConfiguration"
	some i, w in input.webhooks
	some j, rule in network.as_array(object.get(w, "rules", []))
	some target in rewritten(rule)
}

deny contains {
	"message": sprintf("MutatingWebhookConfiguration %s: webhook %q sends the objects it admits to %s, outside the cluster's Services", [input.metadata.name, w.name, w.clientConfig.url]),
	"reviewPaths": [sprintf("webhooks[%d].clientConfig.url", [i])],
} if {
	input.kind == "MutatingWebhookConfiguration"
	some i, w in input.webhooks
	w.clientConfig.url
}

# The resources through which a webhook can change what pods run, by group.
pod_carriers := {
	"": ["pods", "replicationcontrollers"],
	"apps": ["deployments", "replicasets", "statefulsets", "daemonsets"],
	"batch": ["jobs", "cronjobs"],
}

rewritten(rule) := {target |
	some op in ["CREATE", "UPDATE"]
	some group, resources in pod_carriers
	some resource in resources
	network.rule_covers(rule, group, resource, op)
	target := "pods or pod templates"
} | {"Secrets" |
	some op in ["CREATE", "UPDATE"]
	network.rule_covers(rule, "", "secrets", op)
}

mutation_label(rule) := concat(" or ", [lbl |
	some op, lbl in {"CREATE": "created", "UPDATE": "updated"}
	network.operation_covered(network.as_array(object.get(rule, "operations", [])), op)
])
