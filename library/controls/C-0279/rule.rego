package kubescape.controls.c0279

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "reach the kubelet API through nodes/proxy") if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(proxy_grants) > 0
}

proxy_grants := rbac.input_grants([{
	"verbs": {"get", "create", "update", "patch", "delete"},
	"groups": {""},
	"resources": ["nodes/proxy"],
}])

summary := rbac.grant_summary(proxy_grants)
