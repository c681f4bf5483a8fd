package kubescape.controls.c0044

import data.kubescape.lib.k8s
import data.kubescape.lib.pods

deny contains {
	"message": sprintf("%s publishes port %v on the node with hostPort %v", [pods.describe(c), object.get(port, "containerPort", "?"), port.hostPort]),
	"failedPaths": [sprintf("%s.ports[%d].hostPort", [c.path, j])],
} if {
	some c in k8s.containers
	some j, port in c.container.ports
	port.hostPort != 0
}
