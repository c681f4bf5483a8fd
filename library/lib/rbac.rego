# RBAC helpers for rules that evaluate RoleBindings and ClusterRoleBindings:
# the role a binding references (from data.inventory, or a default ClusterRole
# known by name when the role is not among the scanned objects), the rules in
# force for a role (resolving aggregated ClusterRoles), whether a rule grants a
# verb on a resource, and how to name a binding's subjects.
#
# Matching follows the Kubernetes RBAC authorizer: "*" in verbs, apiGroups or
# resources matches everything (subresources included), and "*/exec" matches
# the exec subresource of every resource. "pods/*" is not a wildcard for the
# authorizer, so it grants nothing here either.
package kubescape.lib.rbac

import data.kubescape.lib.k8s

api_version := "rbac.authorization.k8s.io/v1"

# default_cluster_roles are default ClusterRoles the API server creates, for
# manifests that bind them without declaring them. Only the rules that the
# library's controls look at are listed: all of cluster-admin, and the pod
# access and secret rules of admin and edit.
default_cluster_roles := {
	"cluster-admin": {
		"apiVersion": api_version,
		"kind": "ClusterRole",
		"metadata": {"name": "cluster-admin"},
		"rules": [
			{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
			{"nonResourceURLs": ["*"], "verbs": ["*"]},
		],
	},
	"admin": {
		"apiVersion": api_version,
		"kind": "ClusterRole",
		"metadata": {"name": "admin"},
		"rules": pod_access_rules,
	},
	"edit": {
		"apiVersion": api_version,
		"kind": "ClusterRole",
		"metadata": {"name": "edit"},
		"rules": pod_access_rules,
	},
}

pod_access_rules := [
	{
		"apiGroups": [""],
		"resources": ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"],
		"verbs": ["get", "list", "watch"],
	},
	{
		"apiGroups": [""],
		"resources": ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"],
		"verbs": ["create", "delete", "deletecollection", "patch", "update"],
	},
]

# bound_role(binding) is the Role or ClusterRole a binding references: the
# scanned object of that name, else a default ClusterRole; undefined when
# neither is known.
bound_role(binding) := found[0] if {
	found := [role |
		some role in referenced_candidates(binding)
		role.metadata.name == binding.roleRef.name
	]
	count(found) > 0
} else := default_cluster_roles[binding.roleRef.name] if {
	binding.roleRef.kind == "ClusterRole"
}

# input_role is bound_role of the input binding, and input_entries the
# rule_entries of that role: rules without arguments, so that they are worked
# out once per evaluation however many controls read them.
input_role := bound_role(input)

input_entries := rule_entries(input_role)

referenced_candidates(binding) := k8s.cluster("ClusterRole") if binding.roleRef.kind == "ClusterRole"

# A RoleBinding's Role is in the binding's own namespace.
referenced_candidates(binding) := object.get(data.inventory.namespaced, [k8s.namespace(binding), "Role"], []) if {
	binding.kind == "RoleBinding"
	binding.roleRef.kind == "Role"
}

# own_rules(role) is the rules field of a role, [] when it has none.
own_rules(role) := rules if {
	rules := object.get(role, "rules", [])
	is_array(rules)
} else := []

# rule_entries(role) lists the rules in force for a role, each as
# {"rule": rule, "source": the role that holds it}. An aggregated ClusterRole
# whose own rules are empty (not yet filled in by the controller, as in a
# manifest) takes the rules of the ClusterRoles its selectors match.
rule_entries(role) := [{"rule": r, "source": role} | some r in rules] if {
	rules := own_rules(role)
	count(rules) > 0
} else := [{"rule": r, "source": src} |
	some src in aggregated_sources(role)
	some r in own_rules(src)
]

aggregated_sources(role) := [src |
	some src in k8s.cluster("ClusterRole")
	src.metadata.name != role.metadata.name
	matched_by_aggregation(role, src)
]

matched_by_aggregation(role, src) if {
	some selector in role.aggregationRule.clusterRoleSelectors
	k8s.selects(selector, object.get(src, ["metadata", "labels"], {}))
}

# rule_grants is true when one policy rule grants the verb on the resource.
# Asking for verb, group or resource "*" asks for a rule that holds "*" there.
rule_grants(rule, verb, group, resource) if {
	some v in object.get(rule, "verbs", [])
	v in {"*", verb}
	some g in object.get(rule, "apiGroups", [])
	g in {"*", group}
	resource_matches(object.get(rule, "resources", []), resource)
}

resource_matches(resources, resource) if {
	some r in resources
	r in {"*", resource}
}

resource_matches(resources, resource) if {
	parts := split(resource, "/")
	count(parts) == 2
	concat("/", ["*", parts[1]]) in resources
}

# unrestricted is true when a rule is not limited to named objects.
unrestricted(rule) if count(object.get(rule, "resourceNames", [])) == 0

# subject_label names a subject of a binding for messages.
subject_label(binding, subject) := sprintf("ServiceAccount %s/%s", [object.get(subject, "namespace", k8s.namespace(binding)), subject.name]) if {
	subject.kind == "ServiceAccount"
} else := sprintf("%s %q", [subject.kind, subject.name])

# scope_label says where a binding's grant applies.
scope_label(binding) := "cluster-wide" if binding.kind == "ClusterRoleBinding"

scope_label(binding) := sprintf("in namespace %s", [k8s.namespace(binding)]) if binding.kind == "RoleBinding"

# builtin_subject is true for a subject the API server itself puts in its
# default bindings (labelled kubernetes.io/bootstrapping: rbac-defaults): a
# system: user or group, or a kube-system service account. The API server
# recreates these at every start, so a finding on them cannot be acted on. Any
# other subject added to a default binding is not built in.
builtin_subject(binding, subject) if {
	binding.metadata.labels["kubernetes.io/bootstrapping"] == "rbac-defaults"
	subject.kind in {"User", "Group"}
	startswith(subject.name, "system:")
}

builtin_subject(binding, subject) if {
	binding.metadata.labels["kubernetes.io/bootstrapping"] == "rbac-defaults"
	subject.kind == "ServiceAccount"
	object.get(subject, "namespace", "") == "kube-system"
}
