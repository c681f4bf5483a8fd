package kubescape.controls.c0014

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "do more than read ordinary objects") if {
	some i, subject in input.subjects
	dashboard_account(subject)
	count(broad_grants) > 0
}

dashboard_account(subject) if {
	subject.kind == "ServiceAccount"
	subject.name == "kubernetes-dashboard"
}

dashboard_account(subject) if {
	subject.kind == "ServiceAccount"
	startswith(subject.name, "kubernetes-dashboard-")
}

dashboard_account(subject) if {
	subject.kind == "ServiceAccount"
	rbac.subject_namespace(input, subject) == "kubernetes-dashboard"
}

# broad_grants are the grants beyond reading ordinary objects that cover
# every object of their resource.
broad_grants := rbac.full_grants(rbac.elevated_grants(input, rbac.input_rules))

summary := rbac.grant_summary(broad_grants)
