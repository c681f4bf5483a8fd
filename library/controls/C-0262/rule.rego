package kubescape.controls.c0262

import data.kubescape.lib.k8s
import data.kubescape.lib.rbac

deny contains {
	"message": sprintf("%s %s gives %s %s %s to %s: anyone who reaches the API server without credentials gets it", [
		input.kind, input.metadata.name, input.roleRef.kind, input.roleRef.name,
		rbac.scope_label(input), rbac.subject_label(input, subject),
	]),
	"failedPaths": [sprintf("subjects[%d]", [i])],
	"reviewPaths": ["roleRef.name"],
	"related": [k8s.ref(role) | some role in [rbac.input_role]],
} if {
	some i, subject in input.subjects
	anonymous(subject)
	not rbac.builtin_subject(input, subject)
}

anonymous(subject) if {
	subject.kind == "User"
	subject.name == "system:anonymous"
}

anonymous(subject) if {
	subject.kind == "Group"
	subject.name == "system:unauthenticated"
}
