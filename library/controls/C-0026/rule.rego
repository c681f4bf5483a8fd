package kubescape.controls.c0026

import data.kubescape.lib.images
import data.kubescape.lib.k8s
import data.kubescape.lib.workloads

# Without allowed registries, every CronJob is listed for review.
deny contains {
	"message": sprintf("CronJob %s runs %s on schedule %q; no allowed registries are configured (imageRepositoryAllowList): confirm that the job and its images are expected", [
		input.metadata.name, concat(", ", sort({c.container.image | some c in k8s.containers})), schedule,
	]),
	"reviewPaths": array.concat(["spec.schedule"], [concat("", [c.path, ".image"]) | some c in k8s.containers]),
} if {
	input.kind == "CronJob"
	count(data.inputs.imageRepositoryAllowList) == 0
}

# With allowed registries, a CronJob that runs an image from elsewhere.
deny contains {
	"message": sprintf("CronJob %s runs %s on schedule %q, from outside the allowed registries: confirm that the job is expected", [
		input.metadata.name, concat(", ", sort({c.container.image | some c in outside})), schedule,
	]),
	"reviewPaths": array.concat(["spec.schedule"], [concat("", [c.path, ".image"]) | some c in outside]),
} if {
	input.kind == "CronJob"
	count(data.inputs.imageRepositoryAllowList) > 0
	count(outside) > 0
}

schedule := object.get(input, ["spec", "schedule"], "")

outside := {c |
	some c in k8s.containers
	not workloads.allowed_image(images.parse(c.container.image))
}
