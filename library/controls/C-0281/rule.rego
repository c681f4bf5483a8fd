package kubescape.controls.c0281

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "change admission webhook configurations") if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(webhook_grants) > 0
}

webhook_grants := rbac.input_grants([{
	"verbs": {"create", "update", "patch", "delete", "deletecollection"},
	"groups": {"admissionregistration.k8s.io"},
	"resources": ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"],
}])

summary := rbac.grant_summary(webhook_grants)
