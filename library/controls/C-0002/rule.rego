package kubescape.controls.c0002

import data.kubescape.lib.k8s
import data.kubescape.lib.rbac

deny contains {
	"message": sprintf("%s %s lets %s exec into pods %s: %s %s grants %s on pods/exec", [
		input.kind, input.metadata.name, rbac.subject_label(input, subject),
		rbac.scope_label(input), role.kind, role.metadata.name, concat(" and ", sort(verbs)),
	]),
	"failedPaths": [sprintf("subjects[%d]", [i])],
	"reviewPaths": ["roleRef.name"],
	"related": array.concat([k8s.ref(role)], [k8s.ref(src) | some src in sources; src != role]),
} if {
	role := rbac.bound_role(input)
	entries := exec_entries(role)
	count(entries) > 0
	verbs := {v | some e in entries; some v in e.verbs}
	sources := {e.source | some e in entries}
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
}

# exec_entries lists the rules in force for the role that allow exec, each
# with the role that holds it and the exec verbs it grants.
exec_entries(role) := [{"source": e.source, "verbs": verbs} |
	some e in rbac.rule_entries(role)
	verbs := {v | some v in exec_verbs; rbac.rule_grants(e.rule, v, "", "pods/exec")}
	count(verbs) > 0
]

# A WebSocket exec request is a GET, authorized with get on older API servers.
exec_verbs := ["create", "get"]
