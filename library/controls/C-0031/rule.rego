package kubescape.controls.c0031

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "delete events") if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(delete_grants) > 0
}

delete_grants := rbac.input_grants([{
	"verbs": {"delete", "deletecollection"},
	"groups": {"", "events.k8s.io"},
	"resources": ["events"],
}])

summary := rbac.grant_summary(delete_grants)
