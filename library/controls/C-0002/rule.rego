package kubescape.controls.c0002

import data.kubescape.lib.rbac

deny contains rbac.grant_finding(i, subject, summary, "exec into pods") if {
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(exec_grants) > 0
}

# exec_grants are the exec permissions of the bound role. A WebSocket exec
# request is a GET, authorized with get on older API servers.
exec_grants := rbac.input_grants([{"verbs": {"create", "get"}, "groups": {""}, "resources": ["pods/exec"]}])

summary := rbac.grant_summary(exec_grants)
