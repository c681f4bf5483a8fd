package kubescape.controls.c0007

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "delete workloads and data") if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(delete_grants) > 0
}

delete_grants := rbac.input_grants([
	{"verbs": verbs, "groups": {""}, "resources": [
		"pods", "services", "secrets", "configmaps", "persistentvolumeclaims", "persistentvolumes", "namespaces",
	]},
	{"verbs": verbs, "groups": {"apps"}, "resources": ["deployments", "statefulsets", "daemonsets", "replicasets"]},
	{"verbs": verbs, "groups": {"batch"}, "resources": ["jobs", "cronjobs"]},
])

verbs := {"delete", "deletecollection"}

summary := rbac.grant_summary(delete_grants)
