package kubescape.controls.c0296

import data.kubescape.lib.network

deny contains {
	"message": sprintf("%s %s has no spec.selector, which %s requires", [input.kind, input.metadata.name, input.apiVersion]),
	"reviewPaths": review_paths,
	"fixPaths": missing_fixes,
} if {
	input.kind in required
	not is_object(object.get(input, selector_field, null))
}

deny contains {
	"message": sprintf("%s %s has an empty selector, which would claim every pod of its namespace", [input.kind, input.metadata.name]),
	"failedPaths": [selector_path],
} if {
	input.kind in required
	selector := object.get(input, selector_field, null)
	is_object(selector)
	count(network.as_object(object.get(selector, "matchLabels", {}))) == 0
	count(network.as_array(object.get(selector, "matchExpressions", []))) == 0
}

deny contains {
	"message": sprintf("%s %s: its selector does not match the labels of its pod template", [input.kind, input.metadata.name]),
	"failedPaths": failed,
	"reviewPaths": review_paths,
} if {
	selector := object.get(input, selector_field, null)
	input.kind != "ReplicationController"
	is_object(selector)
	not network.selects(selector, network.labels)
	failed := array.concat(
		[network.field_path(concat(".", [selector_path, "matchLabels"]), k) |
			some k, v in network.as_object(object.get(selector, "matchLabels", {}))
			not network.label_is(network.labels, k, v)
		],
		[sprintf("%s.matchExpressions[%d]", [selector_path, i]) |
			some i, e in network.as_array(object.get(selector, "matchExpressions", []))
			not network.expression_matches(e, network.labels)
		],
	)
}

# A ReplicationController's selector is a plain map, defaulted to the
# template labels when left empty.
deny contains {
	"message": sprintf("ReplicationController %s: its selector does not match the labels of its pod template", [input.metadata.name]),
	"failedPaths": [network.field_path("spec.selector", k) |
		some k, v in input.spec.selector
		not network.label_is(network.labels, k, v)
	],
	"reviewPaths": review_paths,
} if {
	input.kind == "ReplicationController"
	is_object(input.spec.selector)
	count(input.spec.selector) > 0
	not network.map_selects(input.spec.selector, network.labels)
}

# Kinds whose apps/v1 API requires a non-empty selector.
required := {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"}

selector_fields := {
	"Deployment": ["spec", "selector"],
	"ReplicaSet": ["spec", "selector"],
	"StatefulSet": ["spec", "selector"],
	"DaemonSet": ["spec", "selector"],
	"Job": ["spec", "selector"],
	"ReplicationController": ["spec", "selector"],
	"CronJob": ["spec", "jobTemplate", "spec", "selector"],
}

selector_field := selector_fields[input.kind]

selector_path := concat(".", selector_field)

review_paths := [network.labels_path] if {
	count(network.labels) > 0
} else := []

# missing_fixes copies the template labels into matchLabels, or, when the
# template has none, gives both the workload's name as app label.
missing_fixes := [{"path": network.field_path("spec.selector.matchLabels", k), "value": v} |
	some k, v in network.labels
] if {
	count(network.labels) > 0
} else := [
	{"path": "spec.selector.matchLabels.app", "value": input.metadata.name},
	{"path": "spec.template.metadata.labels.app", "value": input.metadata.name},
]
