package kubescape.controls.c0265

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "do more than read ordinary objects") if {
	some i, subject in input.subjects
	subject.kind == "Group"
	subject.name == "system:authenticated"
	not rbac.builtin_subject(input, subject)
	count(elevated) > 0
}

elevated := rbac.elevated_grants(input, rbac.input_rules)

summary := rbac.grant_summary(elevated)
