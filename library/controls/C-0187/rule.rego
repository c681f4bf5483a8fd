package kubescape.controls.c0187

import data.kubescape.lib.rbac

deny contains {
	"message": sprintf("%s %s: rule %d uses wildcards in %s", [
		input.kind, input.metadata.name, i, concat(", ", sort({field | some w in wildcards; field := w.field})),
	]),
	"failedPaths": sort([w.path | some w in wildcards]),
} if {
	not rbac.default_object(input)
	not rbac.aggregated(input)
	some i, rule in rbac.own_rules(input)
	wildcards := {{"field": field, "path": sprintf("rules[%d].%s[%d]", [i, field, j])} |
		some field in ["verbs", "apiGroups", "resources", "nonResourceURLs"]
		some j, value in object.get(rule, field, [])
		wildcard(field, value)
	}
	count(wildcards) > 0
}

wildcard(_, "*")

wildcard("resources", value) if startswith(value, "*/")

wildcard("nonResourceURLs", value) if endswith(value, "*")
