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
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	role := rbac.input_role
	count(exec_entries) > 0
	verbs := exec_verbs_granted
	sources := {e.source | some e in exec_entries}
}

# exec_entries lists the rules in force for the bound role that allow exec,
# each with the role that holds it and the exec verbs it grants. The resource
# is checked before the verbs, so rules about other resources cost one test.
exec_entries := [{"source": e.source, "verbs": verbs} |
	some e in rbac.input_entries
	rbac.resource_matches(object.get(e.rule, "resources", []), "pods/exec")
	verbs := {v | some v in exec_verbs; rbac.rule_grants(e.rule, v, "", "pods/exec")}
	count(verbs) > 0
]

exec_verbs_granted := {v | some e in exec_entries; some v in e.verbs}

# A WebSocket exec request is a GET, authorized with get on older API servers.
exec_verbs := ["create", "get"]
