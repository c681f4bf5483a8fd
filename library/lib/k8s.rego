# Helpers shared by every rule: the one pod-spec accessor through which a
# control reaches the pod spec of any workload kind, and lookups of related
# objects for relational rules.
package kubescape.lib.k8s

# Where the pod spec sits in each workload kind.
pod_spec_paths := {
	"Pod": ["spec"],
	"Deployment": ["spec", "template", "spec"],
	"ReplicaSet": ["spec", "template", "spec"],
	"StatefulSet": ["spec", "template", "spec"],
	"DaemonSet": ["spec", "template", "spec"],
	"Job": ["spec", "template", "spec"],
	"ReplicationController": ["spec", "template", "spec"],
	"CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
}

# pod_spec is the pod spec of the input workload; undefined for other kinds.
pod_spec := object.get(input, pod_spec_paths[input.kind], null)

# pod_path is the dotted path of the pod spec in the input, e.g. "spec.template.spec".
pod_path := concat(".", pod_spec_paths[input.kind])

# Where the metadata of the pods sits in each workload kind.
pod_metadata_paths := {
	"Pod": ["metadata"],
	"Deployment": ["spec", "template", "metadata"],
	"ReplicaSet": ["spec", "template", "metadata"],
	"StatefulSet": ["spec", "template", "metadata"],
	"DaemonSet": ["spec", "template", "metadata"],
	"Job": ["spec", "template", "metadata"],
	"ReplicationController": ["spec", "template", "metadata"],
	"CronJob": ["spec", "jobTemplate", "spec", "template", "metadata"],
}

# pod_metadata is the metadata of the pods the workload creates.
pod_metadata := object.get(input, pod_metadata_paths[input.kind], {})

container_fields := ["initContainers", "containers", "ephemeralContainers"]

# containers holds every container of the workload, init and ephemeral
# containers included, each as {"container": c, "path": "spec.containers[0]", "kind": "containers"}.
containers contains {"container": c, "path": sprintf("%s.%s[%d]", [pod_path, field, i]), "kind": field} if {
	some field in container_fields
	some i, c in pod_spec[field]
}

# container_label names a container field for messages.
container_label := {
	"containers": "container",
	"initContainers": "init container",
	"ephemeralContainers": "ephemeral container",
}

# is_workload is true when the input carries a pod spec.
is_workload if pod_spec != null

# namespace is the namespace of an object, "default" when the object is namespaced and names none.
namespace(obj) := ns if {
	ns := obj.metadata.namespace
	ns != ""
} else := "default"

# ref names an object for the "related" field of a finding.
ref(obj) := {
	"apiVersion": object.get(obj, "apiVersion", ""),
	"kind": object.get(obj, "kind", ""),
	"namespace": object.get(obj, ["metadata", "namespace"], ""),
	"name": object.get(obj, ["metadata", "name"], ""),
}

# namespaced(kind) holds the scanned objects of a kind in the input's
# namespace (kubescape.inventory is implemented by the engine).
namespaced(kind) := kubescape.inventory(namespace(input), kind)

# cluster(kind) holds the scanned cluster-scoped objects of a kind.
cluster(kind) := kubescape.cluster_inventory(kind)

# selects(selector, labels) is true when a label selector (matchLabels and
# matchExpressions) matches the labels. An empty selector matches everything.
selects(selector, labels) if {
	every k, v in object.get(selector, "matchLabels", {}) {
		labels[k] == v
	}
	every expr in object.get(selector, "matchExpressions", []) {
		expression_matches(expr, labels)
	}
}

expression_matches(expr, labels) if {
	expr.operator == "In"
	labels[expr.key] in expr.values
}

expression_matches(expr, labels) if {
	expr.operator == "NotIn"
	not labels[expr.key] in expr.values
}

expression_matches(expr, labels) if {
	expr.operator == "Exists"
	labels[expr.key]
}

expression_matches(expr, labels) if {
	expr.operator == "DoesNotExist"
	not labels[expr.key]
}
