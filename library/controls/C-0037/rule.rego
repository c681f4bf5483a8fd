package kubescape.controls.c0037

import data.kubescape.lib.k8s
import data.kubescape.lib.rbac

deny contains {
	"message": sprintf("%s %s lets %s rewrite the cluster DNS configuration (ConfigMap kube-system/%s) %s: %s %s grants %s", [
		input.kind, input.metadata.name, rbac.subject_label(input, subject),
		concat(" or kube-system/", dns_config_maps), rbac.scope_label(input),
		rbac.input_role.kind, rbac.input_role.metadata.name, summary.label,
	]),
	"failedPaths": [sprintf("subjects[%d]", [i])],
	"reviewPaths": ["roleRef.name"],
	"related": summary.related,
} if {
	reaches_kube_system
	some i, subject in input.subjects
	not rbac.builtin_subject(input, subject)
	count(dns_grants) > 0
}

reaches_kube_system if input.kind == "ClusterRoleBinding"

reaches_kube_system if k8s.namespace(input) == "kube-system"

dns_config_maps := ["coredns", "kube-dns"]

summary := rbac.grant_summary(dns_grants)

# dns_grants are the grants on every ConfigMap, or on the DNS ConfigMaps by name.
dns_grants := [g |
	some g in rbac.input_grants([{"verbs": {"update", "patch"}, "groups": {""}, "resources": ["configmaps"]}])
	covers_dns(g.names)
]

covers_dns(names) if count(names) == 0

covers_dns(names) if {
	some name in names
	name in dns_config_maps
}
