# Helpers for relational rules: Kubernetes label-selector semantics (written
# once here and used by every rule that matches labels), and the objects that
# select, expose or reference a workload: NetworkPolicies and Cilium policies,
# Services, Ingresses, Gateway API routes, Istio VirtualServices, and the
# admission webhooks and policies whose namespaceSelector picks a namespace.
#
# Related objects are read one namespace at a time (kubescape.inventory(ns,
# kind)); a rule never scans every namespace.
# Helpers without arguments are worked out once per evaluated object, however
# many controls read them.
package kubescape.lib.network

import data.kubescape.lib.k8s

# ---------------------------------------------------------------------------
# Label selectors
# ---------------------------------------------------------------------------

# selects(selector, labels) is true when a LabelSelector (matchLabels and
# matchExpressions, both ANDed) matches the labels. An empty selector ({})
# matches everything; a selector that is not an object (missing, null)
# matches nothing, which is what the API means for the selectors of
# NetworkPolicy peers, webhooks and workloads when they are absent: callers
# that give a missing selector another meaning (a missing podSelector of a
# NetworkPolicy is {}) pass {} themselves.
selects(selector, labels) if {
	is_object(selector)
	every k, v in as_object(object.get(selector, "matchLabels", {})) {
		label(labels, k) == v
	}
	every expr in as_array(object.get(selector, "matchExpressions", [])) {
		expression_matches(expr, labels)
	}
}

# In: the label is present and its value is one of the values.
expression_matches(expr, labels) if {
	expr.operator == "In"
	label(labels, expr.key) in as_array(object.get(expr, "values", []))
}

# NotIn: the label is absent, or present with a value not among the values.
# (The test is a function of its own: in "not f(x) in values", OPA calls f
# before the negation, and an undefined f(x), an absent label, would leave
# the whole expression undefined instead of true.)
expression_matches(expr, labels) if {
	expr.operator == "NotIn"
	not label_in(labels, expr.key, as_array(object.get(expr, "values", [])))
}

label_in(labels, key, values) if label(labels, key) in values

# label_is(labels, key, value) is true when the label is present with the value.
label_is(labels, key, value) if label(labels, key) == value

expression_matches(expr, labels) if {
	expr.operator == "Exists"
	has_label(labels, expr.key)
}

expression_matches(expr, labels) if {
	expr.operator == "DoesNotExist"
	not has_label(labels, expr.key)
}

# map_selects(selector, labels) is true when a plain map selector (a
# Service's or a ReplicationController's spec.selector) matches the labels:
# every key is present with the same value. A missing or empty map selects
# nothing: a Service without selector gets its endpoints from elsewhere.
map_selects(selector, labels) if {
	is_object(selector)
	count(selector) > 0
	is_object(labels)
	object.subset(labels, selector)
}

# label is the value of a label; undefined when the label is absent.
label(labels, key) := labels[key] if is_object(labels)

has_label(labels, key) if {
	is_object(labels)
	_ = labels[key]
}

as_object(x) := x if is_object(x)

else := {}

as_array(x) := x if is_array(x)

else := []

# ---------------------------------------------------------------------------
# Inventory access
# ---------------------------------------------------------------------------

# in_namespace(ns, kind) holds the objects of a kind in a namespace.
in_namespace(ns, kind) := kubescape.inventory(ns, kind)

# label_paths are the paths of the pod labels in each workload kind.
label_paths := {kind: array.concat(path, ["labels"]) | some kind, path in k8s.pod_metadata_paths}

# template_labels(obj) are the labels of the pods a workload object runs
# (for a Pod, its own labels); {} when there are none.
template_labels(obj) := labels if {
	labels := object.get(obj, label_paths[obj.kind], {})
	is_object(labels)
} else := {}

# workloads_selected_by_map(selector, ns) lists the workloads of a namespace
# whose pods a plain map selector (a Service's) matches; none for a missing
# or empty selector.
workloads_selected_by_map(selector, ns) := [w |
	is_object(selector)
	count(selector) > 0
	some kind, path in label_paths
	some w in in_namespace(ns, kind)
	object.subset(as_object(object.get(w, path, {})), selector)
]

# workloads_selected_by(selector, ns) lists the workloads of a namespace whose
# pods a LabelSelector matches. object.subset (one builtin call) first
# rejects the pods that lack a matchLabels entry, without a function call
# per workload; selects decides for the rest.
workloads_selected_by(selector, ns) := [w |
	is_object(selector)
	match_labels := as_object(object.get(selector, "matchLabels", {}))
	some kind, path in label_paths
	some w in in_namespace(ns, kind)
	pod_labels := as_object(object.get(w, path, {}))
	object.subset(pod_labels, match_labels)
	selects(selector, pod_labels)
]

# ---------------------------------------------------------------------------
# The input workload
# ---------------------------------------------------------------------------

# namespace is the namespace of the input object.
namespace := k8s.namespace(input)

# labels are the labels of the input workload's pods.
labels := template_labels(input)

# labels_path is the dotted path of the labels of the input workload's pods,
# the field that every selector matches against.
labels_path := concat(".", label_paths[input.kind])

# service_account is the ServiceAccount the input workload's pods run as.
service_account := sa if {
	sa := k8s.pod_spec.serviceAccountName
	sa != ""
} else := sa if {
	sa := k8s.pod_spec.serviceAccount
	sa != ""
} else := "default"

# services are the Services of the input's namespace whose selector matches
# its pods.
services := [s |
	some s in in_namespace(namespace, "Service")
	map_selects(object.get(s, ["spec", "selector"], null), labels)
]

# ---------------------------------------------------------------------------
# Network policies
# ---------------------------------------------------------------------------

# policies are the network policies that select the input workload's pods:
# the NetworkPolicies of its namespace, the CiliumNetworkPolicies of its
# namespace and the CiliumClusterwideNetworkPolicies. What each one isolates
# is worked out only when asked, by isolates(p) and allows_all(p).
policies := array.concat(network_policies, cilium_policies)

network_policies := [p |
	some p in in_namespace(namespace, "NetworkPolicy")
	sel := pod_selector(p)
	object.subset(labels, as_object(object.get(sel, "matchLabels", {})))
	selects(sel, labels)
]

cilium_policies := [p |
	some p in array.concat(in_namespace(namespace, "CiliumNetworkPolicy"), k8s.cluster("CiliumClusterwideNetworkPolicy"))
	count(selecting_specs(p)) > 0
]

# isolates(p) are the directions ("Ingress", "Egress") that a policy
# selecting the input's pods isolates.
isolates(p) := policy_types(p) if {
	p.kind == "NetworkPolicy"
} else := {d | some s in selecting_specs(p); some d in cilium_isolates(s)}

# allows_all(p) are the directions for which a policy selecting the input's
# pods has a rule that lets all traffic through, cancelling the isolation.
allows_all(p) := np_allows_all(p) if {
	p.kind == "NetworkPolicy"
} else := {d | some s in selecting_specs(p); some d in cilium_allows_all(s)}

# pod_selector is the podSelector of a NetworkPolicy; the API defaults a
# missing one to {}, every pod of the namespace.
pod_selector(p) := sel if {
	sel := p.spec.podSelector
	is_object(sel)
} else := {}

# policy_types are the directions a NetworkPolicy isolates, defaulted the
# way the API server does when policyTypes is not set: Ingress always,
# Egress when the policy has egress rules.
policy_types(p) := {t | some t in p.spec.policyTypes} if {
	count(as_array(object.get(p, ["spec", "policyTypes"], []))) > 0
} else := {"Ingress", "Egress"} if {
	count(as_array(object.get(p, ["spec", "egress"], []))) > 0
} else := {"Ingress"}

np_rule_fields := {
	"Ingress": {"rules": "ingress", "peers": "from"},
	"Egress": {"rules": "egress", "peers": "to"},
}

# np_allows_all are the isolated directions for which a NetworkPolicy has a
# rule with no peers and no ports: such a rule allows all traffic.
np_allows_all(p) := {direction |
	some direction, fields in np_rule_fields
	some rule in p.spec[fields.rules]
	count(as_array(object.get(rule, fields.peers, []))) == 0
	count(as_array(object.get(rule, "ports", []))) == 0
	direction in policy_types(p)
}

# selecting_specs(p) are the rule sets of a Cilium policy whose
# endpointSelector selects the input's pods.
selecting_specs(p) := [s |
	some s in cilium_specs(p)
	selects(cilium_selector(s.endpointSelector), endpoint_labels)
]

# cilium_specs are the rule sets of a Cilium policy: spec, specs, or both.
cilium_specs(p) := array.concat([s | s := p.spec; is_object(s)], as_array(object.get(p, "specs", [])))

# endpoint_labels are the labels Cilium gives the input's pods: their own,
# plus the namespace and service account labels that policies select on.
endpoint_labels := object.union(labels, {
	"io.kubernetes.pod.namespace": namespace,
	"io.cilium.k8s.policy.serviceaccount": service_account,
})

# cilium_selector rewrites a Cilium endpointSelector for selects: the "k8s:"
# and "any:" sources are dropped from the keys (both match the pod labels);
# keys of other sources (reserved:, container:, ...) are kept and so match no
# pod label. A rule without endpointSelector (a host policy's nodeSelector)
# selects no pod.
cilium_selector(sel) := {
	"matchLabels": {cilium_key(k): v | some k, v in as_object(object.get(sel, "matchLabels", {}))},
	"matchExpressions": [object.union(e, {"key": cilium_key(e.key)}) | some e in as_array(object.get(sel, "matchExpressions", []))],
} if is_object(sel)

cilium_key(k) := substring(k, 4, -1) if startswith(k, "k8s:")

else := substring(k, 4, -1) if startswith(k, "any:")

else := k

cilium_direction_fields := {
	"Ingress": ["ingress", "ingressDeny"],
	"Egress": ["egress", "egressDeny"],
}

# A Cilium rule set isolates a direction when it has rules for it (even an
# empty rule list entry, {}, which is Cilium's default deny), unless
# enableDefaultDeny turns that off.
cilium_isolates(s) := {direction |
	some direction, fields in cilium_direction_fields
	some field in fields
	_ = s[field]
	object.get(s, ["enableDefaultDeny", lower(direction)], true) != false
}

# A Cilium rule that allows the "all" entity on every port lets all traffic through.
cilium_allows_all(s) := {direction |
	some direction, entities in {"Ingress": ["ingress", "fromEntities"], "Egress": ["egress", "toEntities"]}
	some rule in as_array(object.get(s, entities[0], []))
	"all" in as_array(object.get(rule, entities[1], []))
	count(as_array(object.get(rule, "toPorts", []))) == 0
}

# namespace_policies(ns) lists the network policies that apply in a
# namespace: its NetworkPolicies and CiliumNetworkPolicies, and the
# CiliumClusterwideNetworkPolicies whose endpointSelector can select pods of
# the namespace (it names no namespace, or names this one).
namespace_policies(ns) := array.concat(
	array.concat(in_namespace(ns, "NetworkPolicy"), in_namespace(ns, "CiliumNetworkPolicy")),
	[p |
		some p in k8s.cluster("CiliumClusterwideNetworkPolicy")
		clusterwide_applies(p, ns)
	],
)

clusterwide_applies(p, ns) if {
	some s in cilium_specs(p)
	cilium_namespace_match(s.endpointSelector, ns)
}

cilium_namespace_keys := {"k8s:io.kubernetes.pod.namespace", "io.kubernetes.pod.namespace", "any:io.kubernetes.pod.namespace"}

cilium_namespace_match(sel, _) if {
	is_object(sel)
	every k in object.keys(as_object(object.get(sel, "matchLabels", {}))) {
		not k in cilium_namespace_keys
	}
}

cilium_namespace_match(sel, ns) if {
	some k, v in as_object(object.get(sel, "matchLabels", {}))
	k in cilium_namespace_keys
	v == ns
}

# ---------------------------------------------------------------------------
# Ingress
# ---------------------------------------------------------------------------

# ingress_backends(ing) lists the Service backends of an Ingress, each as
# {"service": name, "port": number or name ("" when unset), "name_path" and
# "port_path": dotted paths of the two fields}: the rules' paths and the
# default backend, in the networking.k8s.io/v1 form (service.name,
# service.port.number or .name) and the older extensions/v1beta1 one
# (serviceName, servicePort). Resource backends are not Services and are
# left out.
ingress_backends(ing) := array.concat(
	[b |
		some field in ["defaultBackend", "backend"]
		backend := ing.spec[field]
		b := ingress_backend(backend, concat(".", ["spec", field]))
	],
	[b |
		some i, rule in as_array(object.get(ing, ["spec", "rules"], []))
		some j, p in as_array(object.get(rule, ["http", "paths"], []))
		b := ingress_backend(p.backend, sprintf("spec.rules[%d].http.paths[%d].backend", [i, j]))
	],
)

ingress_backend(backend, path) := {
	"service": name,
	"port": object.get(port, "number", object.get(port, "name", "")),
	"name_path": concat("", [path, ".service.name"]),
	"port_path": concat("", [path, ".service.port.", port_field]),
} if {
	name := backend.service.name
	port := as_object(object.get(backend.service, "port", {}))
	port_field := port_field_of(port)
} else := {
	"service": name,
	"port": object.get(backend, "servicePort", ""),
	"name_path": concat("", [path, ".serviceName"]),
	"port_path": concat("", [path, ".servicePort"]),
} if {
	name := backend.serviceName
}

port_field_of(port) := "number" if "number" in object.keys(port)

else := "name"

# ingresses_of(service) lists the Ingresses of the Service's namespace with
# a backend that names it.
ingresses_of(service) := [ing |
	some ing in in_namespace(k8s.namespace(service), "Ingress")
	some b in ingress_backends(ing)
	b.service == service.metadata.name
]

# service_port_matches(service, port) is true when the Service defines the
# port a backend names: by number (port), by name, or when none is named.
service_port_matches(_, "")

service_port_matches(service, port) if {
	some p in as_array(object.get(service, ["spec", "ports"], []))
	port_names(p, port)
}

port_names(p, port) if p.port == port

port_names(p, port) if {
	is_string(port)
	p.name == port
}

# ---------------------------------------------------------------------------
# Gateway API and Istio
# ---------------------------------------------------------------------------

gateway_group := "gateway.networking.k8s.io"

istio_group := "networking.istio.io"

# route_kinds are the Gateway API route kinds whose rules forward to backendRefs.
route_kinds := ["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"]

# group(obj) is the API group of an object ("" for the core group).
group(obj) := g if {
	parts := split(object.get(obj, "apiVersion", ""), "/")
	count(parts) == 2
	g := parts[0]
} else := ""

# route_backends(route) lists the Service backends of a Gateway API route,
# each as {"name", "namespace", "port", "path"}: backendRefs whose group is the
# core group and kind is Service (the defaults). The namespace defaults to
# the route's.
route_backends(route) := [{
	"name": name,
	"namespace": object.get(ref, "namespace", k8s.namespace(route)),
	"port": object.get(ref, "port", ""),
	"path": sprintf("spec.rules[%d].backendRefs[%d]", [i, j]),
} |
	some i, rule in as_array(object.get(route, ["spec", "rules"], []))
	some j, ref in as_array(object.get(rule, "backendRefs", []))
	name := ref.name
	object.get(ref, "group", "") == ""
	object.get(ref, "kind", "Service") == "Service"
]

# route_gateways(route) lists the Gateways a route attaches to, as references
# {"namespace", "name"}; parentRefs to a Service (mesh routing inside the
# cluster) are left out.
route_gateways(route) := [{"namespace": object.get(ref, "namespace", k8s.namespace(route)), "name": name} |
	some ref in as_array(object.get(route, ["spec", "parentRefs"], []))
	name := ref.name
	object.get(ref, "group", gateway_group) == gateway_group
	object.get(ref, "kind", "Gateway") == "Gateway"
]

# reference_granted(from_kind, from_ns, to_kind, to_name, to_ns) is true when a
# ReferenceGrant in the target namespace lets objects of from_kind in from_ns
# reference the target (a core-group object of to_kind).
reference_granted(from_kind, from_ns, to_kind, to_name, to_ns) if {
	some grant in in_namespace(to_ns, "ReferenceGrant")
	some f in as_array(object.get(grant, ["spec", "from"], []))
	f.group == gateway_group
	f.kind == from_kind
	f.namespace == from_ns
	some t in as_array(object.get(grant, ["spec", "to"], []))
	object.get(t, "group", "") == ""
	t.kind == to_kind
	object.get(t, "name", to_name) == to_name
}

# virtual_service_destinations(vs) lists the destination hosts of an Istio
# VirtualService's http, tcp and tls routes, each as {"host", "path"}.
virtual_service_destinations(vs) := [{"host": host, "path": sprintf("spec.%s[%d].route[%d].destination.host", [proto, i, j])} |
	some proto in ["http", "tcp", "tls"]
	some i, r in as_array(object.get(vs, ["spec", proto], []))
	some j, d in as_array(object.get(r, "route", []))
	host := d.destination.host
]

# host_names_service is true when an Istio destination host names the Service:
# its short name from the VirtualService's own namespace, or name.namespace
# with an optional .svc or .svc.<cluster domain> suffix.
host_names_service(host, vs_ns, service) if {
	host == service.metadata.name
	vs_ns == k8s.namespace(service)
}

host_names_service(host, _, service) if {
	prefix := concat(".", [service.metadata.name, k8s.namespace(service)])
	some suffix in {"", ".svc"}
	host == concat("", [prefix, suffix])
}

host_names_service(host, _, service) if {
	startswith(host, concat(".", [service.metadata.name, k8s.namespace(service), "svc", ""]))
}

# virtual_service_gateways(vs) lists the Istio gateways a VirtualService is
# bound to as {"namespace", "name"}: "mesh" (the sidecars) is left out, and
# with no gateways the VirtualService applies to the mesh only.
virtual_service_gateways(vs) := [gw |
	some name in as_array(object.get(vs, ["spec", "gateways"], []))
	name != "mesh"
	gw := istio_gateway_ref(name, k8s.namespace(vs))
]

istio_gateway_ref(name, ns) := {"namespace": parts[0], "name": parts[1]} if {
	parts := split(name, "/")
	count(parts) == 2
} else := {"namespace": ns, "name": name}

# ---------------------------------------------------------------------------
# Admission: Pod Security Admission labels, ValidatingAdmissionPolicies and
# webhooks that apply to the pods of a namespace
# ---------------------------------------------------------------------------

psa_enforce_label := "pod-security.kubernetes.io/enforce"

# psa_enforce_path is the path of the enforce label in a Namespace.
psa_enforce_path := sprintf("metadata.labels[%q]", [psa_enforce_label])

# psa_levels ranks the Pod Security Standards levels.
psa_levels := {"privileged": 0, "baseline": 1, "restricted": 2}

# namespace_labels(ns) are the labels of a Namespace object, with the
# kubernetes.io/metadata.name label the API server sets on every namespace
# (a manifest seldom writes it), so that selectors on it match.
namespace_labels(ns) := object.union(as_object(object.get(ns, ["metadata", "labels"], {})), {"kubernetes.io/metadata.name": ns.metadata.name})

# intercepts_pods(rules) is true when admission rules (of a webhook or of a
# policy's matchConstraints.resourceRules) cover the creation of Pods.
intercepts_pods(rules) if {
	some rule in as_array(rules)
	rule_covers(rule, "", "pods", "CREATE")
}

# rule_covers(rule, group, resource, operation) is true when one admission
# rule covers an operation on a resource of an API group, wildcards
# included; operation "" asks for any operation.
rule_covers(rule, group, resource, operation) if {
	some g in as_array(object.get(rule, "apiGroups", []))
	g in {group, "*"}
	some r in as_array(object.get(rule, "resources", []))
	r in {resource, "*", "*/*"}
	operation_covered(as_array(object.get(rule, "operations", [])), operation)
}

operation_covered(ops, "") if count(ops) > 0

operation_covered(ops, op) if {
	some o in ops
	o in {op, "*"}
}

# webhooks_for_pods(ns) lists the validating webhooks that intercept the
# creation of pods in a Namespace object, each as {"config": the
# ValidatingWebhookConfiguration, "index": the webhook's index}. A missing
# namespaceSelector selects every namespace.
webhooks_for_pods(ns) := [{"config": cfg, "index": i} |
	some cfg in k8s.cluster("ValidatingWebhookConfiguration")
	some i, w in as_array(object.get(cfg, "webhooks", []))
	intercepts_pods(object.get(w, "rules", []))
	selects(as_object(object.get(w, "namespaceSelector", {})), namespace_labels(ns))
]

# pod_policies(ns) lists the ValidatingAdmissionPolicies that deny pods in a
# Namespace object, each as {"policy", "binding"}: a binding with the Deny
# validation action names the policy, the policy's resourceRules cover pod
# creation, and both their namespaceSelectors (missing: every namespace)
# select the namespace.
pod_policies(ns) := [{"policy": policy, "binding": binding} |
	some binding in k8s.cluster("ValidatingAdmissionPolicyBinding")
	"Deny" in as_array(object.get(binding, ["spec", "validationActions"], []))
	some policy in k8s.cluster("ValidatingAdmissionPolicy")
	policy.metadata.name == binding.spec.policyName
	intercepts_pods(object.get(policy, ["spec", "matchConstraints", "resourceRules"], []))
	selects(as_object(object.get(policy, ["spec", "matchConstraints", "namespaceSelector"], {})), namespace_labels(ns))
	selects(as_object(object.get(binding, ["spec", "matchResources", "namespaceSelector"], {})), namespace_labels(ns))
]

# policy_checks(policy, words) is true when a validation expression of a
# ValidatingAdmissionPolicy mentions one of the words (the fields a check
# reads, such as "privileged"): the policy is taken to enforce that check.
policy_checks(policy, words) if {
	some v in as_array(object.get(policy, ["spec", "validations"], []))
	some word in words
	contains(object.get(v, "expression", ""), word)
}

# enforced_level is the Pod Security Standards level the input Namespace
# enforces: its enforce label, "privileged" (nothing forbidden) when absent.
enforced_level := object.get(input, ["metadata", "labels", psa_enforce_label], "privileged")

# admission_gap(level, words, what) is a finding for an input Namespace in
# which pods that do what the check forbids are admitted: the namespace is
# not exempt (input podSecurityExemptNamespaces), it does not enforce level
# (or a stricter one) with Pod Security Admission, and no
# ValidatingAdmissionPolicy that denies pods in it has a validation that
# mentions one of words. Validating webhooks that intercept pods there are
# named as related objects: what they check cannot be read from their
# configuration.
admission_gap(level, words, what) := {
	"message": concat("", [level_problem(level, what), webhook_note]),
	"failedPaths": [path | path := psa_enforce_path; psa_enforce_label in object.keys(as_object(object.get(input, ["metadata", "labels"], {})))],
	"fixPaths": [{"path": psa_enforce_path, "value": level}],
	"related": [k8s.ref(cfg) | some cfg in {w.config | some w in input_webhooks}],
} if {
	input.kind == "Namespace"
	not input.metadata.name in data.inputs.podSecurityExemptNamespaces
	not enforces(level)
	not policy_covers(words)
}

# enforces(level) is true when the input Namespace enforces level or a stricter one.
enforces(level) if psa_levels[enforced_level] >= psa_levels[level]

policy_covers(words) if {
	some e in pod_policies(input)
	policy_checks(e.policy, words)
}

input_webhooks := webhooks_for_pods(input)

level_problem(level, what) := sprintf("Namespace %s sets no %s label and no ValidatingAdmissionPolicy checks it, so %s are admitted; the %s level forbids them", [input.metadata.name, psa_enforce_label, what, level]) if {
	enforced_level == "privileged"
	not psa_enforce_label in object.keys(as_object(object.get(input, ["metadata", "labels"], {})))
} else := sprintf("Namespace %s enforces the %s Pod Security Standard, which admits %s; the %s level forbids them", [input.metadata.name, enforced_level, what, level]) if {
	psa_levels[enforced_level]
} else := sprintf("Namespace %s: %s is %q, which is not a Pod Security Standards level (privileged, baseline or restricted); the %s level forbids %s", [input.metadata.name, psa_enforce_label, enforced_level, level, what])

webhook_note := sprintf(" (validating webhook %s intercepts pods in it and may deny them; if it does, record an exception)", [concat(", ", [sprintf("%s/%s", [w.config.metadata.name, w.config.webhooks[w.index].name]) | some w in input_webhooks])]) if {
	count(input_webhooks) > 0
} else := ""

# field_path appends a map key to a dotted path: prefix.key, or prefix["key"]
# when the key is not an identifier (label keys such as app.kubernetes.io/name).
field_path(prefix, key) := concat(".", [prefix, key]) if {
	regex.match(`^[A-Za-z_][A-Za-z0-9_]*$`, key)
} else := sprintf("%s[%q]", [prefix, key])

# review_paths points a workload finding at the pod labels that Services and
# policies select on, or at the pod metadata when there are none.
review_paths := [labels_path] if {
	count(labels) > 0
} else := [concat(".", k8s.pod_metadata_paths[input.kind])]
