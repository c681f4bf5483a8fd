package kubescape.controls.c0280

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "approve certificate signing requests") if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(approval_grants) > 0
}

approval_grants := rbac.input_grants([{
	"verbs": {"update", "patch"},
	"groups": {"certificates.k8s.io"},
	"resources": ["certificatesigningrequests/approval"],
}])

summary := rbac.grant_summary(approval_grants)
