package kubescape.controls.c0021

import data.kubescape.lib.images
import data.kubescape.lib.k8s
import data.kubescape.lib.workloads

# A container running a sensitive interface's image, reached by a published Service.
deny contains {
	"message": sprintf("%s %q of %s %s runs %s, a management interface, published outside the cluster by %s Service %s", [
		k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, c.container.image,
		published_as(svc), svc.metadata.name,
	]),
	"failedPaths": [concat("", [c.path, ".image"])],
	"related": [k8s.ref(svc)],
} if {
	count(workloads.exposing_services) > 0
	some c in k8s.containers
	workloads.long_running(c)
	workloads.repository_is(images.parse(c.container.image), interface_images)
	some svc in workloads.exposing_services
	some p in svc.spec.ports
	workloads.reaches(p, c)
}

# A declared container port of a management API, reached by a published Service.
deny contains {
	"message": sprintf("%s %q of %s %s declares port %d, a management API port, published outside the cluster by %s Service %s", [
		k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, cp.containerPort,
		published_as(svc), svc.metadata.name,
	]),
	"failedPaths": [concat("", [c.path, ".ports[", format_int(j, 10), "].containerPort"])],
	"related": [k8s.ref(svc)],
} if {
	count(workloads.exposing_services) > 0
	some c in k8s.containers
	workloads.long_running(c)
	some j, cp in c.container.ports
	cp.containerPort in interface_ports
	some svc in workloads.exposing_services
	some p in svc.spec.ports
	targets(workloads.target_port(p), cp)
}

interface_images := {s | some s in data.inputs.sensitiveInterfaceImages}

interface_ports := {p | some p in data.inputs.sensitiveInterfacePorts}

targets(t, cp) if t == cp.containerPort

targets(t, cp) if {
	is_string(t)
	t == cp.name
}

published_as(svc) := svc.spec.type if {
	svc.spec.type in {"NodePort", "LoadBalancer"}
} else := "externalIPs of"
