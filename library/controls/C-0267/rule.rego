package kubescape.controls.c0267

import data.kubescape.lib.k8s
import data.kubescape.lib.rbac

deny contains object.union(rbac.token_finding_paths, {
	"message": sprintf("%s %s runs as ServiceAccount %s/%s with its token mounted, and %s %s gives that account cluster takeover permissions %s: %s %s grants %s", [
		input.kind, input.metadata.name, k8s.namespace(input), rbac.workload_sa_name,
		wr.binding.kind, wr.binding.metadata.name, rbac.scope_label(wr.binding),
		wr.role.kind, wr.role.metadata.name, rbac.grants_label(grants),
	]),
	"related": rbac.workload_binding_related(wr, grants),
}) if {
	rbac.token_mounted
	some wr in rbac.workload_roles
	reaches_cluster(wr.binding)
	grants := rbac.full_grants(rbac.grants_of(wr.binding, rbac.compiled_rules(wr.entries), takeover_asks))
	count(grants) > 0
}

reaches_cluster(binding) if binding.kind == "ClusterRoleBinding"

reaches_cluster(binding) if k8s.namespace(binding) == "kube-system"

takeover_asks := [
	{"verbs": {"get", "list", "watch"}, "groups": {""}, "resources": ["secrets"]},
	{"verbs": {"create"}, "groups": {""}, "resources": ["pods", "pods/exec", "pods/attach", "serviceaccounts/token"]},
	{"verbs": {"create", "update", "patch"}, "groups": {""}, "resources": ["replicationcontrollers"]},
	{"verbs": {"create", "update", "patch"}, "groups": {"apps"}, "resources": ["deployments", "daemonsets", "statefulsets", "replicasets"]},
	{"verbs": {"create", "update", "patch"}, "groups": {"batch"}, "resources": ["jobs", "cronjobs"]},
	{"verbs": {"bind", "escalate"}, "groups": {"rbac.authorization.k8s.io"}, "resources": ["roles", "clusterroles"]},
	{"verbs": {"impersonate"}, "groups": {""}, "resources": ["users", "groups", "serviceaccounts"]},
	{"verbs": {"get", "create"}, "groups": {""}, "resources": ["nodes/proxy"]},
	{
		"verbs": {"create", "update", "patch"},
		"groups": {"admissionregistration.k8s.io"},
		"resources": ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"],
	},
]
