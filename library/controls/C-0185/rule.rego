package kubescape.controls.c0185

import data.kubescape.lib.k8s
import data.kubescape.lib.rbac

deny contains {
	"message": sprintf("%s %s binds %s to the cluster-admin ClusterRole %s: every action on every object", [
		input.kind, input.metadata.name, rbac.subject_label(input, subject), rbac.scope_label(input),
	]),
	"failedPaths": [sprintf("subjects[%d]", [i])],
	"reviewPaths": ["roleRef.name"],
	"related": [k8s.ref(rbac.input_role)],
} if {
	input.roleRef.name == "cluster-admin"
	input.roleRef.kind == "ClusterRole"
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
}
