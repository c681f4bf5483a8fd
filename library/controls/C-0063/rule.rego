package kubescape.controls.c0063

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "port-forward to pods") if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(forward_grants) > 0
}

# A WebSocket port-forward is a GET, authorized with get on older API servers.
forward_grants := rbac.input_grants([{"verbs": {"create", "get"}, "groups": {""}, "resources": ["pods/portforward"]}])

summary := rbac.grant_summary(forward_grants)
