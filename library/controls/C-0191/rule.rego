package kubescape.controls.c0191

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "grant itself more power than it holds") if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(escalation_grants) > 0
}

escalation_grants := rbac.input_grants([
	{"verbs": {"bind", "escalate"}, "groups": {"rbac.authorization.k8s.io"}, "resources": ["roles", "clusterroles"]},
	{"verbs": {"impersonate"}, "groups": {""}, "resources": ["users", "groups", "serviceaccounts"]},
])

summary := rbac.grant_summary(escalation_grants)
