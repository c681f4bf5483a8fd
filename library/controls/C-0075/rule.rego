package kubescape.controls.c0075

import data.kubescape.lib.images
import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %q of %s %s runs image %q, which is not pinned to a version, with imagePullPolicy %s", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, c.container.image, c.container.imagePullPolicy]),
	"failedPaths": [concat("", [c.path, ".imagePullPolicy"])],
	"reviewPaths": [concat("", [c.path, ".image"])],
	"fixPaths": [{"path": concat("", [c.path, ".imagePullPolicy"]), "value": "Always"}],
} if {
	some c in k8s.containers
	c.container.imagePullPolicy in {"IfNotPresent", "Never"}
	ref := images.parse(c.container.image)
	ref.digest == ""
	ref.tag in {"", "latest"}
}
