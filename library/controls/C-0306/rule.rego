package kubescape.controls.c0306

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %q of %s %s runs image %q, which is not pinned to a digest: the content behind the tag can change", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, c.container.image]),
	"failedPaths": [concat("", [c.path, ".image"])],
} if {
	some c in k8s.containers
	not contains(c.container.image, "@")
}

deny contains {
	"message": sprintf("%s %q of %s %s runs image %q, whose digest %q is not well formed", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, c.container.image, digest]),
	"failedPaths": [concat("", [c.path, ".image"])],
} if {
	some c in k8s.containers
	contains(c.container.image, "@")
	digest := substring(c.container.image, indexof(c.container.image, "@") + 1, -1)
	not well_formed(digest)
}

# The digest grammar of the OCI image specification, with the encodings of
# the registered algorithms enforced.
well_formed(d) if regex.match(`^sha256:[a-f0-9]{64}$`, d)

well_formed(d) if regex.match(`^sha512:[a-f0-9]{128}$`, d)

well_formed(d) if {
	not startswith(d, "sha256:")
	not startswith(d, "sha512:")
	regex.match(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$`, d)
}
