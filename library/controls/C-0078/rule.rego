package kubescape.controls.c0078

import data.kubescape.lib.images
import data.kubescape.lib.k8s

allow_list := data.inputs.imageRepositoryAllowList

# With an allow list, an image outside it fails.
deny contains {
	"message": sprintf("%s %q of %s %s runs image %q from %s, which is not in the allowed registries", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, c.container.image, ref.registry]),
	"failedPaths": [sprintf("%s.image", [c.path])],
} if {
	count(allow_list) > 0
	some c in k8s.containers
	ref := images.parse(c.container.image)
	not allowed(ref)
}

# Without one, no image can be judged: every image is reported for review.
deny contains {
	"message": sprintf("%s %q of %s %s runs image %q from %s; no allowed registries are configured (imageRepositoryAllowList), review where it comes from", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, c.container.image, ref.registry]),
	"reviewPaths": [sprintf("%s.image", [c.path])],
} if {
	count(allow_list) == 0
	some c in k8s.containers
	ref := images.parse(c.container.image)
}

allowed(ref) if {
	some prefix in allow_list
	images.allowed(ref, prefix)
}
