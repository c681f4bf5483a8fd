package kubescape.controls.c0015

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "list secrets") if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(list_grants) > 0
}

list_grants := rbac.input_grants([{"verbs": {"list", "watch"}, "groups": {""}, "resources": ["secrets"]}])

summary := rbac.grant_summary(list_grants)
