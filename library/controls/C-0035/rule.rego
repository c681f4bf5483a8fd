package kubescape.controls.c0035

import data.kubescape.lib.k8s
import data.kubescape.lib.rbac

deny contains {
	"message": sprintf("%s %s makes %s an administrator %s: %s %s %s", [
		input.kind, input.metadata.name, rbac.subject_label(input, subject),
		rbac.scope_label(input), role.kind, role.metadata.name, reason,
	]),
	"failedPaths": [sprintf("subjects[%d]", [i])],
	"reviewPaths": ["roleRef.name"],
	"related": array.concat([k8s.ref(role)], [k8s.ref(src) | some src in wildcard_sources; src != role]),
} if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	role := rbac.input_role
	reason := admin_reason
}

# admin_reason says why the bound role makes its subjects administrators.
admin_reason := "is the built-in superuser role" if {
	input.roleRef.kind == "ClusterRole"
	input.roleRef.name == "cluster-admin"
} else := `allows every verb on every resource in every API group ("*")` if {
	count(wildcard_sources) > 0
}

# wildcard_sources are the roles holding a rule in force for the bound role
# that allows "*" verbs on "*" resources in "*" apiGroups, on every object.
wildcard_sources := {e.source |
	some e in rbac.input_entries
	rbac.rule_grants(e.rule, "*", "*", "*")
	rbac.unrestricted(e.rule)
}
