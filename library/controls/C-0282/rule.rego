package kubescape.controls.c0282

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "create service account tokens") if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(token_grants) > 0
}

token_grants := rbac.input_grants([{"verbs": {"create"}, "groups": {""}, "resources": ["serviceaccounts/token"]}])

summary := rbac.grant_summary(token_grants)
