package kubescape.controls.c0078

import data.kubescape.lib.images
import data.kubescape.lib.k8s

allow_list := data.inputs.imageRepositoryAllowList

# With an allow list, an image outside it fails.
deny contains {
	"message": sprintf("%s %q of %s %s runs image %q from %s, which is not in the allowed registries", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, c.container.image, ref.registry]),
	"failedPaths": [concat("", [c.path, ".image"])],
} if {
	count(allow_list) > 0
	some c in k8s.containers
	ref := images.parse(c.container.image)
	not allowed(ref)
}

# Without one, no image can be judged: every image is reported for review.
deny contains {
	"message": sprintf("%s %q of %s %s runs image %q from %s; no allowed registries are configured (imageRepositoryAllowList), review where it comes from", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, c.container.image, ref.registry]),
	"reviewPaths": [concat("", [c.path, ".image"])],
} if {
	count(allow_list) == 0
	some c in k8s.containers
	ref := images.parse(c.container.image)
}

# The allow list entries normalized once (see images.allowed): an image is
# allowed when its name is an entry or lies under one.
allowed_names := {p |
	some prefix in allow_list
	p := images.normalize_prefix(prefix)
	p != ""
}

allowed_dirs := {concat("", [p, "/"]) | some p in allowed_names}

allowed(ref) if ref.name in allowed_names

allowed(ref) if strings.any_prefix_match(ref.name, allowed_dirs)
