package kubescape.controls.c0278

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "create persistent volumes") if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(create_grants) > 0
}

create_grants := rbac.input_grants([{"verbs": {"create"}, "groups": {""}, "resources": ["persistentvolumes"]}])

summary := rbac.grant_summary(create_grants)
