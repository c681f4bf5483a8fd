package kubescape.controls.c0044

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %q of %s %s publishes port %v on the node with hostPort %v", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, object.get(port, "containerPort", "?"), port.hostPort]),
	"failedPaths": [concat("", [c.path, ".ports[", format_int(j, 10), "].hostPort"])],
} if {
	some c in k8s.containers
	some j, port in c.container.ports
	port.hostPort != 0
}
