package kubescape.controls.c0077

import data.kubescape.lib.workloads

deny contains {
	"message": sprintf("%s %s: %s sets none of the Kubernetes recommended labels (%s)", [input.kind, input.metadata.name, where[which], label_list]),
	"failedPaths": [p | count(labels) > 0; p := concat("", [path, ".labels"])],
	"fixPaths": [{"path": concat("", [path, fix_suffix]), "value": "YOUR_VALUE"}],
} if {
	# An empty list turns the control off.
	count(data.inputs.k8sRecommendedLabels) > 0
	some [which, labels] in workloads.label_sets
	not workloads.has_any_label(labels, data.inputs.k8sRecommendedLabels)
	path := workloads.label_set_path(which)
}

where := {"metadata": "the object's metadata", "template": "its pod template"}

# Worked out once per evaluation, not per finding.
label_list := concat(", ", data.inputs.k8sRecommendedLabels)

fix_suffix := workloads.label_suffix(data.inputs.k8sRecommendedLabels[0])
