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
	"related": array.concat([k8s.ref(role)], [src | some src in rbac.admin_sources(rbac.input_entries); src != k8s.ref(role)]),
} if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	reason := rbac.admin_reason(input, rbac.input_entries)
	role := rbac.input_role
}
