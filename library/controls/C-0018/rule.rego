package kubescape.controls.c0018

import data.kubescape.lib.k8s
import data.kubescape.lib.workloads

deny contains {
	"message": sprintf("%s %q of %s %s has no readinessProbe: it receives Service traffic as soon as it starts and while it cannot answer", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"fixPaths": [{"path": concat("", [c.path, ".readinessProbe"]), "value": "YOUR_VALUE"}],
} if {
	some c in k8s.containers
	not c.container.readinessProbe
	workloads.long_running(c)
}
