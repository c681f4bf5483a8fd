package kubescape.controls.c0186

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "read secrets") if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(read_grants) > 0
}

read_grants := rbac.input_grants([{"verbs": {"get", "list", "watch"}, "groups": {""}, "resources": ["secrets"]}])

summary := rbac.grant_summary(read_grants)
