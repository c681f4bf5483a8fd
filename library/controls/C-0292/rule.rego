package kubescape.controls.c0292

import data.kubescape.lib.images
import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %q of %s %s runs the ingress-nginx controller (%s), which reached end of life in March 2026 and gets no more security fixes", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, c.container.image]),
	"reviewPaths": [concat("", [c.path, ".image"])],
} if {
	input.kind in {"Deployment", "DaemonSet", "StatefulSet"}
	some c in k8s.containers
	images.ingress_nginx[c.path]
}
