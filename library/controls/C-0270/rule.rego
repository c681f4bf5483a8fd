package kubescape.controls.c0270

import data.kubescape.lib.k8s

# Ephemeral containers cannot set resources, so only init and regular containers are checked.
checked_kinds := {"containers", "initContainers"}

deny contains {
	"message": sprintf("%s %q of %s %s sets no CPU limit", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"fixPaths": [{"path": concat("", [c.path, ".resources.limits.cpu"]), "value": "YOUR_VALUE"}],
} if {
	some c in k8s.containers
	object.get(c.container, ["resources", "limits", "cpu"], "") == ""
	c.kind in checked_kinds
	not pod_level
}

deny contains {
	"message": sprintf("%s %q of %s %s sets a CPU limit of zero", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"failedPaths": [concat("", [c.path, ".resources.limits.cpu"])],
	"fixPaths": [{"path": concat("", [c.path, ".resources.limits.cpu"]), "value": "YOUR_VALUE"}],
} if {
	some c in k8s.containers
	zero(c.container.resources.limits.cpu)
	c.kind in checked_kinds
	not pod_level
}

# Pod-level resources (spec.resources) bound every container of the pod together.
pod_level if is_set(k8s.pod_spec, "limits")

is_set(obj, field) if {
	q := obj.resources[field].cpu
	q != ""
	not zero(q)
}

zero(0)

zero(q) if {
	is_string(q)
	regex.match(`^[+]?(0+(\.0*)?|\.0+)[a-zA-Z]*$`, q)
}
