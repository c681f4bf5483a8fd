package kubescape.controls.c0017

import data.kubescape.lib.k8s
import data.kubescape.lib.pods

# Messages name the container as pods.describe does, in one sprintf.

deny contains {
	"message": sprintf("%s %q of %s %s has a writable root filesystem: readOnlyRootFilesystem is false", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": "true"}],
} if {
	some c in k8s.containers
	c.container.securityContext.readOnlyRootFilesystem == false
	not pods.windows
	path := concat("", [c.path, ".securityContext.readOnlyRootFilesystem"])
}

deny contains {
	"message": sprintf("%s %q of %s %s has a writable root filesystem: readOnlyRootFilesystem is not set", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name]),
	"fixPaths": [{"path": concat("", [c.path, ".securityContext.readOnlyRootFilesystem"]), "value": "true"}],
} if {
	some c in k8s.containers
	not has_read_only_field(c.container)
	not pods.windows
}

has_read_only_field(container) if {
	_ = container.securityContext.readOnlyRootFilesystem
}
