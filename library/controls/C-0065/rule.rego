package kubescape.controls.c0065

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "impersonate other identities") if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(impersonate_grants) > 0
}

impersonate_grants := rbac.input_grants([{
	"verbs": {"impersonate"},
	"groups": {""},
	"resources": ["users", "groups", "serviceaccounts"],
}])

summary := rbac.grant_summary(impersonate_grants)
