package kubescape.controls.c0056

import data.kubescape.lib.k8s
import data.kubescape.lib.workloads

deny contains {
	"message": sprintf("%s %q of %s %s has no livenessProbe: the kubelet restarts it only if its process exits, not if it hangs", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"fixPaths": [{"path": concat("", [c.path, ".livenessProbe"]), "value": "YOUR_VALUE"}],
} if {
	some c in k8s.containers
	not c.container.livenessProbe
	workloads.long_running(c)
}
