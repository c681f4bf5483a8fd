package kubescape.controls.c0188

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "create pods") if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(create_grants) > 0
}

create_grants := rbac.input_grants([
	{"verbs": {"create"}, "groups": {""}, "resources": ["pods", "replicationcontrollers"]},
	{"verbs": {"create"}, "groups": {"apps"}, "resources": ["deployments", "replicasets", "statefulsets", "daemonsets"]},
	{"verbs": {"create"}, "groups": {"batch"}, "resources": ["jobs", "cronjobs"]},
])

summary := rbac.grant_summary(create_grants)
