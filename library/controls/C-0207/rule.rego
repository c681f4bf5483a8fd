package kubescape.controls.c0207

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %q of %s %s reads key %q of Secret %q into env var %q", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, ref.key, ref.name, env.name]),
	"failedPaths": [concat("", [c.path, ".env[", format_int(i, 10), "].valueFrom.secretKeyRef"])],
} if {
	some c in k8s.containers
	some i, env in c.container.env
	ref := env.valueFrom.secretKeyRef
}

deny contains {
	"message": sprintf("%s %q of %s %s imports every key of Secret %q as env vars", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, from.secretRef.name]),
	"failedPaths": [concat("", [c.path, ".envFrom[", format_int(i, 10), "].secretRef"])],
} if {
	some c in k8s.containers
	some i, from in c.container.envFrom
	from.secretRef
}
