package kubescape.controls.c0017

import data.kubescape.lib.k8s
import data.kubescape.lib.pods

deny contains {
	"message": sprintf("%s has a writable root filesystem: readOnlyRootFilesystem is false", [pods.describe(c)]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": "true"}],
} if {
	not pods.windows
	some c in k8s.containers
	c.container.securityContext.readOnlyRootFilesystem == false
	path := sprintf("%s.securityContext.readOnlyRootFilesystem", [c.path])
}

deny contains {
	"message": sprintf("%s has a writable root filesystem: readOnlyRootFilesystem is not set", [pods.describe(c)]),
	"fixPaths": [{"path": sprintf("%s.securityContext.readOnlyRootFilesystem", [c.path]), "value": "true"}],
} if {
	not pods.windows
	some c in k8s.containers
	not has_read_only_field(c.container)
}

has_read_only_field(container) if {
	_ = container.securityContext.readOnlyRootFilesystem
}
