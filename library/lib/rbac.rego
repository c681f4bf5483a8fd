# RBAC helpers for rules that evaluate RoleBindings, ClusterRoleBindings,
# Roles, ClusterRoles, and the RBAC power of workloads: the role a binding
# references (from the scanned objects, or a default ClusterRole known by
# name when the role is not among them), the rules in force for a role
# (resolving aggregated ClusterRoles), what a role grants of a set of asked
# permissions ("who can do VERB on RESOURCE in APIGROUP"), how to name a
# binding's subjects, and which bindings give a workload's service account
# its power.
#
# Matching follows the Kubernetes RBAC authorizer: "*" in verbs, apiGroups or
# resources matches everything (subresources included), and "*/exec" matches
# the exec subresource of every resource. "pods/*" is not a wildcard for the
# authorizer, so it grants nothing here either. A RoleBinding grants nothing
# on cluster-scoped resources, even when it references a ClusterRole.
#
# Cost: a query evaluates one object with every control of its kind, and
# rules without arguments are evaluated once per query. The role of the input
# binding, its rules and their index by resource (input_role, input_entries,
# input_rules, input_index) and the bindings of the input workload
# (workload_bindings, workload_roles) are such rules, so each is worked out
# once per object however many controls read it; a control then asks about
# its few resources through the index. A workload's bindings are found by
# reading the subjects of every ClusterRoleBinding and of the RoleBindings of
# its namespace, once per workload.
package kubescape.lib.rbac

import data.kubescape.lib.k8s

api_version := "rbac.authorization.k8s.io/v1"

# default_cluster_roles are the user-facing default ClusterRoles the API
# server creates, for manifests that bind them without declaring them (and
# for an aggregated default whose sources are not scanned). admin, edit and
# view hold the rules their aggregation gathers from the default
# system:aggregate-to-* roles. One rule per role, so that a lookup by name
# builds that role only.
default_cluster_roles["cluster-admin"] := default_role("cluster-admin", [
	{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
	{"nonResourceURLs": ["*"], "verbs": ["*"]},
])

default_cluster_roles.admin := default_role("admin", array.concat(admin_only_rules, array.concat(edit_only_rules, view_rules)))

default_cluster_roles.edit := default_role("edit", array.concat(edit_only_rules, view_rules))

default_cluster_roles.view := default_role("view", view_rules)

default_role(name, rules) := {
	"apiVersion": api_version,
	"kind": "ClusterRole",
	"metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
	"rules": rules,
}

read_verbs := ["get", "list", "watch"]

write_verbs := ["create", "delete", "deletecollection", "patch", "update"]

view_rules := [
	{"apiGroups": [""], "verbs": read_verbs, "resources": [
		"configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
		"replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status",
		"bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status",
		"replicationcontrollers/status", "resourcequotas", "resourcequotas/status", "namespaces",
	]},
	{"apiGroups": ["discovery.k8s.io"], "verbs": read_verbs, "resources": ["endpointslices"]},
	{"apiGroups": ["apps"], "verbs": read_verbs, "resources": [
		"controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
		"deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets",
		"statefulsets/scale", "statefulsets/status",
	]},
	{"apiGroups": ["autoscaling"], "verbs": read_verbs, "resources": ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]},
	{"apiGroups": ["batch"], "verbs": read_verbs, "resources": ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]},
	{"apiGroups": ["policy"], "verbs": read_verbs, "resources": ["poddisruptionbudgets", "poddisruptionbudgets/status"]},
	{"apiGroups": ["networking.k8s.io"], "verbs": read_verbs, "resources": ["ingresses", "ingresses/status", "networkpolicies"]},
]

edit_only_rules := [
	{"apiGroups": [""], "verbs": read_verbs, "resources": ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"]},
	{"apiGroups": [""], "verbs": ["impersonate"], "resources": ["serviceaccounts"]},
	{"apiGroups": [""], "verbs": write_verbs, "resources": ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]},
	{"apiGroups": [""], "verbs": ["create"], "resources": ["pods/eviction", "serviceaccounts/token"]},
	{"apiGroups": [""], "verbs": write_verbs, "resources": [
		"configmaps", "events", "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale",
		"secrets", "serviceaccounts", "services", "services/proxy",
	]},
	{"apiGroups": ["apps"], "verbs": write_verbs, "resources": [
		"daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
		"replicasets/scale", "statefulsets", "statefulsets/scale",
	]},
	{"apiGroups": ["autoscaling"], "verbs": write_verbs, "resources": ["horizontalpodautoscalers"]},
	{"apiGroups": ["batch"], "verbs": write_verbs, "resources": ["cronjobs", "jobs"]},
	{"apiGroups": ["policy"], "verbs": write_verbs, "resources": ["poddisruptionbudgets"]},
	{"apiGroups": ["networking.k8s.io"], "verbs": write_verbs, "resources": ["ingresses", "networkpolicies"]},
	{"apiGroups": ["coordination.k8s.io"], "verbs": array.concat(read_verbs, write_verbs), "resources": ["leases"]},
]

admin_only_rules := [
	{"apiGroups": ["authorization.k8s.io"], "verbs": ["create"], "resources": ["localsubjectaccessreviews"]},
	{"apiGroups": ["rbac.authorization.k8s.io"], "verbs": array.concat(read_verbs, write_verbs), "resources": ["rolebindings", "roles"]},
]

# ---------------------------------------------------------------------------
# Roles and their rules

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
referenced_candidates(binding) := namespaced_in(k8s.namespace(binding), "Role") if {
	binding.kind == "RoleBinding"
	binding.roleRef.kind == "Role"
}

# namespaced_in(ns, kind) holds the scanned objects of a kind in a namespace.
namespaced_in(ns, kind) := kubescape.inventory(ns, kind)

# own_rules(role) is the rules field of a role, [] when it has none.
own_rules(role) := rules if {
	rules := object.get(role, "rules", [])
	is_array(rules)
} else := []

# rule_entries(role) lists the rules in force for a role, each as
# {"rule": rule, "source": the role that holds it}. An aggregated ClusterRole
# whose own rules are empty (not yet filled in by the controller, as in a
# manifest) takes the rules of the ClusterRoles its selectors match, through
# aggregated ClusterRoles that are themselves empty (admin takes edit's, which
# takes view's). A default aggregated ClusterRole whose sources are not
# scanned keeps its default rules.
rule_entries(role) := [{"rule": r, "source": role} | some r in rules] if {
	rules := own_rules(role)
	count(rules) > 0
} else := entries if {
	entries := [{"rule": r, "source": src} |
		some src in aggregated_sources(role)
		some r in own_rules(src)
	]
	count(entries) > 0
} else := [{"rule": r, "source": role} |
	role.kind == "ClusterRole"
	role.aggregationRule
	some r in default_cluster_roles[role.metadata.name].rules
]

# aggregated_sources(role) are the ClusterRoles whose rules an empty
# aggregated ClusterRole gathers, however deep the aggregation goes.
aggregated_sources(role) := [src |
	role.aggregationRule
	names := {name |
		some node in graph.reachable(aggregation_graph, {role.metadata.name})
		some name in aggregation_graph[node]
	}
	some src in k8s.cluster("ClusterRole")
	src.metadata.name in names
	src.metadata.name != role.metadata.name
]

# aggregation_graph links each scanned aggregated ClusterRole with empty
# rules to the ClusterRoles its selectors match. graph.reachable returns only
# the nodes that have edges (the aggregated roles); their edges lead to the
# rest. It is only worked out when a binding references such a role (a live
# cluster fills their rules in).
aggregation_graph[name] contains src.metadata.name if {
	some role in k8s.cluster("ClusterRole")
	role.aggregationRule
	count(own_rules(role)) == 0
	name := role.metadata.name
	some src in k8s.cluster("ClusterRole")
	src.metadata.name != name
	matched_by_aggregation(role, src)
}

matched_by_aggregation(role, src) if {
	some selector in role.aggregationRule.clusterRoleSelectors
	k8s.selects(selector, object.get(src, ["metadata", "labels"], {}))
}

# aggregated is true for a ClusterRole whose rules the aggregation controller
# manages: its own rules come from other roles, where findings belong.
aggregated(role) if role.aggregationRule

# default_object is true for objects the API server creates and recreates at
# every start (labelled kubernetes.io/bootstrapping: rbac-defaults).
default_object(obj) if obj.metadata.labels["kubernetes.io/bootstrapping"] == "rbac-defaults"

# ---------------------------------------------------------------------------
# What a rule grants

# rule_grants is true when one policy rule grants the verb on the resource.
# Asking for verb, group or resource "*" asks for a rule that holds "*" there.
# It does not look at resourceNames (see grants_of for that).
rule_grants(rule, verb, group, resource) if {
	listed(rule, "verbs", verb)
	listed(rule, "apiGroups", group)
	resource_matches(object.get(rule, "resources", []), resource)
}

# listed is true when a field of a rule holds the value or "*".
listed(rule, field, value) if value in object.get(rule, field, [])

listed(rule, field, _) if "*" in object.get(rule, field, [])

resource_matches(resources, resource) if {
	some key in resource_keys(resource)
	key in resources
}

# resource_keys are the entries of a rule's resources that match a resource:
# itself, "*", and "*/SUB" for a subresource.
resource_keys(resource) := {resource, "*"} if not contains(resource, "/")

resource_keys(resource) := {resource, "*", concat("", ["*/", split(resource, "/")[1]])} if contains(resource, "/")

# unrestricted is true when a rule is not limited to named objects.
unrestricted(rule) if count(object.get(rule, "resourceNames", [])) == 0

# compiled_rules(entries) turns rule entries into the form grants are read
# from: {"verbs", "groups", "resources" (sets), "names" (resourceNames, []
# when the rule covers every object), "source" (the role holding the rule)}.
compiled_rules(entries) := [{
	"verbs": {v | some v in object.get(e.rule, "verbs", [])},
	"groups": {g | some g in object.get(e.rule, "apiGroups", [])},
	"resources": {r | some r in object.get(e.rule, "resources", [])},
	"names": object.get(e.rule, "resourceNames", []),
	"source": e.source,
} |
	some e in entries
]

# input_rules are the compiled rules of the input binding's role.
input_rules := compiled_rules(input_entries)

# grants_of(binding, rules, asks) lists what the compiled rules of the role a
# binding references grant of the asked permissions. An ask is
# {"verbs": set, "groups": set, "resources": [...]} and asks for every
# combination of them. Each grant is {"verbs", "groups" (the asked ones the
# rule grants, as sets), "resource", "names", "source"}, one per rule and
# resource. A rule limited to named objects grants no create and no
# deletecollection of a resource (such requests carry no object name); it
# does grant create on a subresource of a named object (pods/exec of a named
# pod). A RoleBinding grants nothing on cluster-scoped resources.
grants_of(binding, rules, asks) := [grant |
	some ask in asks
	some resource in ask.resources
	in_binding_scope(binding, resource)
	keys := resource_keys(resource)
	some r in rules
	count(r.resources & keys) > 0
	grant := rule_grant(r, ask, resource)
]

# input_grants(asks) is grants_of for the input binding and its role.
input_grants(asks) := [grant |
	some ask in asks
	some resource in ask.resources
	in_scope(input_cluster_wide, resource)
	some i in input_positions(resource)
	grant := rule_grant(input_rules[i], ask, resource)
]

# input_positions(resource) are the positions in input_rules of the rules
# that cover a resource. A role with many rules (admin, edit) is indexed by
# resource once per evaluation, for all controls; the rules of a small one
# are read directly, which costs less than building the index.
input_positions(resource) := {i |
	some key in resource_keys(resource)
	some i in input_index[key]
} if {
	count(input_rules) > 8
} else := {i |
	keys := resource_keys(resource)
	some i, r in input_rules
	count(r.resources & keys) > 0
}

# input_index maps each entry of the resources of the input role's rules
# ("pods", "*", "*/exec") to the positions in input_rules of the rules that
# hold it, built in one pass over the rules.
input_index := {key: positions | some key, positions in input_rule_keys}

input_rule_keys[key] contains i if {
	some i, r in input_rules
	some key in r.resources
}

# rule_grant(r, ask, resource) is what one compiled rule that covers the
# resource grants of an ask; undefined when it grants none of it.
rule_grant(r, ask, resource) := {"verbs": verbs, "groups": groups, "resource": resource, "names": r.names, "source": r.source} if {
	groups := matching(r.groups, ask.groups)
	count(groups) > 0
	verbs := nameable_verbs(r.names, matching(r.verbs, ask.verbs), resource)
	count(verbs) > 0
}

# matching(held, asked) is the part of the asked set a rule's set holds.
matching(held, asked) := asked if held["*"]

else := held & asked

# nameable_verbs drops create and deletecollection of a resource from the
# verbs of a rule limited to named objects.
nameable_verbs(names, verbs, resource) := verbs - {"create", "deletecollection"} if {
	count(names) > 0
	not contains(resource, "/")
} else := verbs

in_binding_scope(binding, resource) := in_scope(binding.kind == "ClusterRoleBinding", resource)

# in_scope(cluster_wide, resource) is true when a binding, cluster-wide or
# not, can grant the resource.
in_scope(true, _)

in_scope(false, resource) if not cluster_scoped_resources[split(resource, "/")[0]]

input_cluster_wide := input.kind == "ClusterRoleBinding"

# cluster_scoped_resources are the cluster-scoped resources controls ask
# about; a RoleBinding cannot grant them. (A namespace is granted in its own
# namespace, so namespaces is not listed.)
cluster_scoped_resources := {
	"nodes", "persistentvolumes", "clusterroles", "clusterrolebindings", "certificatesigningrequests",
	"signers", "validatingwebhookconfigurations", "mutatingwebhookconfigurations", "users", "groups",
	"uids", "storageclasses", "customresourcedefinitions",
}

# full_grants are the grants that cover every object of their resource.
full_grants(grants) := [g | some g in grants; count(g.names) == 0]

# ---------------------------------------------------------------------------
# Permission sets shared by several controls

# admin_reason(binding, entries) says why a binding makes its subjects
# administrators (the superuser ClusterRole, or a rule allowing "*" verbs on
# "*" resources in "*" apiGroups on every object); undefined otherwise.
admin_reason(binding, entries) := "is the built-in superuser role" if {
	binding.roleRef.kind == "ClusterRole"
	binding.roleRef.name == "cluster-admin"
} else := `allows every verb on every resource in every API group ("*")` if {
	count(admin_sources(entries)) > 0
}

# admin_sources(entries) are references to the roles holding a rule that
# allows "*" verbs on "*" resources in "*" apiGroups, on every object.
admin_sources(entries) := {k8s.ref(e.source) |
	some e in entries
	rule_grants(e.rule, "*", "*", "*")
	unrestricted(e.rule)
}

# elevated_grants(binding, rules) lists what compiled rules grant beyond
# reading ordinary objects: every verb other than get, list and watch on any
# resource (the self-review APIs every user may call excepted), reading
# secrets, and get on the subresources that connect to pods, services and
# nodes (exec, attach, port-forward and proxy requests over WebSocket are
# GETs). A rule with the verb "*" is listed once, by the first part.
elevated_grants(binding, rules) := array.concat(
	[grant |
		some r in rules
		writes := r.verbs - read
		count(writes) > 0
		some resource in r.resources
		not self_review_resources[resource]
		in_binding_scope(binding, resource)
		verbs := nameable_verbs(r.names, writes, resource)
		count(verbs) > 0
		grant := {"verbs": verbs, "groups": r.groups, "resource": resource, "names": r.names, "source": r.source}
	],
	grants_of(binding, [r | some r in rules; not "*" in r.verbs], sensitive_read_asks),
)

read := {"get", "list", "watch"}

self_review_resources := {"selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"}

sensitive_read_asks := [
	{"verbs": read, "groups": {""}, "resources": ["secrets"]},
	{"verbs": {"get"}, "groups": {""}, "resources": [
		"pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "services/proxy", "nodes/proxy",
	]},
]

# ---------------------------------------------------------------------------
# Findings on bindings

# grant_summary(grants) is what the findings of a binding control say about
# the grants the bound role gives (grants, not empty): whether one covers
# every object of its resource, the names the others are limited to, a
# label for messages and the related roles. A control works it out once, in
# a rule without arguments, for all the subjects of the binding.
grant_summary(grants) := {
	"full": count(full_grants(grants)) > 0,
	"names": concat(", ", sort({n | some g in grants; some n in g.names})),
	"label": grants_label(grants),
	"related": grant_related(grants),
}

# grant_finding(i, subject, summary, action) is the finding of a binding
# control for the i-th subject of the input binding, which can thereby do the
# action ("read secrets"); summary is the grant_summary of the grants. With a
# grant on every object the subject is the failed path; when every grant is
# limited to named objects (resourceNames), the finding asks for a review of
# the subject and the role instead, and names the objects.
grant_finding(i, subject, summary, action) := {
	"message": sprintf("%s %s lets %s %s %s: %s %s grants %s", [
		input.kind, input.metadata.name, subject_label(input, subject), action,
		scope_label(input), input_role.kind, input_role.metadata.name, summary.label,
	]),
	"failedPaths": [sprintf("subjects[%d]", [i])],
	"reviewPaths": ["roleRef.name"],
	"related": summary.related,
} if {
	summary.full
} else := {
	"message": sprintf("%s %s lets %s %s %s, limited to the objects named %s: %s %s grants %s; review whether the subject needs this on those objects", [
		input.kind, input.metadata.name, subject_label(input, subject), action,
		scope_label(input), summary.names, input_role.kind, input_role.metadata.name, summary.label,
	]),
	"reviewPaths": [sprintf("subjects[%d]", [i]), "roleRef.name"],
	"related": summary.related,
}

# grant_related names the bound role first, then the aggregated roles the
# grants come from.
grant_related(grants) := array.concat([role_ref], [ref |
	some ref in {k8s.ref(g.source) | some g in grants}
	ref != role_ref
]) if role_ref := k8s.ref(input_role)

# grants_label summarises grants for messages: "get, list on secrets". A
# long list of resources is cut short.
grants_label(grants) := sprintf("%s on %s", [
	concat(", ", sort({v | some g in grants; some v in g.verbs})),
	list_label(sort({resource_label(group, g.resource) | some g in grants; some group in g.groups})),
])

list_label(items) := concat(", ", items) if count(items) <= 8

list_label(items) := sprintf("%s and %d more", [concat(", ", array.slice(items, 0, 6)), count(items) - 6]) if count(items) > 8

# resource_label names a resource with its API group: "deployments.apps".
resource_label(group, resource) := resource if group == ""

resource_label(group, resource) := sprintf("%s.%s", [resource, group]) if group != ""

# subject_label names a subject of a binding for messages.
subject_label(binding, subject) := sprintf("ServiceAccount %s/%s", [subject_namespace(binding, subject), subject.name]) if {
	subject.kind == "ServiceAccount"
} else := sprintf("%s %q", [subject.kind, subject.name])

# subject_namespace is the namespace of a ServiceAccount subject (the
# binding's own namespace when the subject names none).
subject_namespace(binding, subject) := object.get(subject, "namespace", k8s.namespace(binding))

# scope_label says where a binding's grant applies.
scope_label(binding) := "cluster-wide" if binding.kind == "ClusterRoleBinding"

scope_label(binding) := sprintf("in namespace %s", [k8s.namespace(binding)]) if binding.kind == "RoleBinding"

# builtin_subject is true for a subject the API server itself puts in its
# default bindings (labelled kubernetes.io/bootstrapping: rbac-defaults): a
# system: user or group, or a kube-system service account. The API server
# recreates these at every start, so a finding on them cannot be acted on. Any
# other subject added to a default binding is not built in.
builtin_subject(binding, subject) if {
	default_object(binding)
	subject.kind in {"User", "Group"}
	startswith(subject.name, "system:")
}

builtin_subject(binding, subject) if {
	default_object(binding)
	subject.kind == "ServiceAccount"
	object.get(subject, "namespace", "") == "kube-system"
}

# service_account_subject is true for a subject that stands for service
# accounts: a ServiceAccount, the user name of one
# (system:serviceaccount:NS:NAME), or the groups every service account
# (system:serviceaccounts) or those of a namespace (system:serviceaccounts:NS)
# belong to.
service_account_subject(subject) if subject.kind == "ServiceAccount"

service_account_subject(subject) if {
	subject.kind == "User"
	startswith(subject.name, "system:serviceaccount:")
}

service_account_subject(subject) if {
	subject.kind == "Group"
	subject.name == "system:serviceaccounts"
}

service_account_subject(subject) if {
	subject.kind == "Group"
	startswith(subject.name, "system:serviceaccounts:")
}

# ---------------------------------------------------------------------------
# The RBAC power of a workload

# workload_sa_name is the service account the input workload's pods run as.
workload_sa_name := name if {
	name := k8s.pod_spec.serviceAccountName
	name != ""
} else := name if {
	name := k8s.pod_spec.serviceAccount
	name != ""
} else := "default"

# workload_sa_path is where the pod spec names its service account, for
# review; undefined when it names none.
workload_sa_path := sprintf("%s.serviceAccountName", [k8s.pod_path]) if {
	object.get(k8s.pod_spec, "serviceAccountName", "") != ""
} else := sprintf("%s.serviceAccount", [k8s.pod_path]) if {
	object.get(k8s.pod_spec, "serviceAccount", "") != ""
}

# workload_service_account is the scanned ServiceAccount the pods run as;
# undefined when it is not among the scanned objects.
workload_service_account := found[0] if {
	found := [sa | some sa in k8s.namespaced("ServiceAccount"); sa.metadata.name == workload_sa_name]
	count(found) > 0
}

# token_automounted is true when the pods get their service account's token
# mounted automatically: the pod spec's automountServiceAccountToken wins
# over the ServiceAccount's, and both default to true.
token_automounted if k8s.pod_spec.automountServiceAccountToken == true

token_automounted if {
	not is_boolean(object.get(k8s.pod_spec, "automountServiceAccountToken", null))
	not workload_service_account.automountServiceAccountToken == false
}

# projected_token_paths are the projected volume sources that mount a token
# of the service account explicitly, whatever automounting says.
projected_token_paths contains sprintf("%s.volumes[%d].projected.sources[%d].serviceAccountToken", [k8s.pod_path, i, j]) if {
	some i, volume in k8s.pod_spec.volumes
	some j, source in volume.projected.sources
	source.serviceAccountToken
}

# token_mounted is true when the pods' containers can read a token of their
# service account.
token_mounted if token_automounted

token_mounted if count(projected_token_paths) > 0

# token_finding_paths are the paths of a finding about the token the input
# workload mounts: the field that mounts it (automountServiceAccountToken set
# to true, or a projected token volume) as failed, the service account name
# for review, and automountServiceAccountToken: false as the fix when the
# token is mounted automatically.
token_finding_paths := {
	"failedPaths": array.concat([automount_path | k8s.pod_spec.automountServiceAccountToken == true], sort(projected_token_paths)),
	"reviewPaths": [p | some p in [workload_sa_path]],
	"fixPaths": [{"path": automount_path, "value": "false"} | token_automounted],
}

automount_path := sprintf("%s.automountServiceAccountToken", [k8s.pod_path])

# workload_subject_names are the subject names under which bindings reach the
# input workload's service account: its own name, its user name, and the
# groups its token carries.
workload_subject_names := {
	workload_sa_name,
	sprintf("system:serviceaccount:%s:%s", [k8s.namespace(input), workload_sa_name]),
	"system:serviceaccounts",
	sprintf("system:serviceaccounts:%s", [k8s.namespace(input)]),
	"system:authenticated",
}

# workload_bindings are the scanned ClusterRoleBindings, and RoleBindings of
# the workload's namespace, that name its service account, its user name or a
# group its token carries (the API server's own subjects in its default
# bindings excepted). RoleBindings in other namespaces are not looked at: a
# scan would have to read every namespace for every workload. The subject
# name is looked up first: most subjects of most bindings fail that test.
workload_bindings := {b |
	some b in k8s.cluster("ClusterRoleBinding")
	some subject in b.subjects
	workload_subject_names[subject.name]
	covers_workload(b, subject)
	not builtin_subject(b, subject)
} | {b |
	some b in k8s.namespaced("RoleBinding")
	some subject in b.subjects
	workload_subject_names[subject.name]
	covers_workload(b, subject)
	not builtin_subject(b, subject)
}

covers_workload(binding, subject) if {
	subject.kind == "ServiceAccount"
	subject.name == workload_sa_name
	subject_namespace(binding, subject) == k8s.namespace(input)
}

covers_workload(_, subject) if {
	subject.kind == "User"
	subject.name == sprintf("system:serviceaccount:%s:%s", [k8s.namespace(input), workload_sa_name])
}

covers_workload(_, subject) if {
	subject.kind == "Group"
	subject.name in {"system:serviceaccounts", sprintf("system:serviceaccounts:%s", [k8s.namespace(input)]), "system:authenticated"}
}

# workload_roles are the workload_bindings whose role is known, each as
# {"binding", "role", "entries"}.
workload_roles := [{"binding": b, "role": role, "entries": rule_entries(role)} |
	some b in workload_bindings
	role := bound_role(b)
]

# workload_binding_related names a binding, its role and the aggregated
# roles the grants come from.
workload_binding_related(wr, grants) := array.concat([k8s.ref(wr.binding), role_ref], [ref |
	some ref in {k8s.ref(g.source) | some g in grants}
	ref != role_ref
]) if role_ref := k8s.ref(wr.role)
