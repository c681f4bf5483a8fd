package kubescape.controls.c0091

import data.kubescape.lib.k8s
import data.kubescape.lib.workloads

# Versions affected by CVE-2022-47633.
ranges := [{"introduced": "1.8.3", "fixed": "1.8.5"}]

kyverno := workloads.images_of("kyverno", {"kyverno/kyverno"})

deny contains {
	"message": sprintf("%s %q of Deployment %s runs Kyverno %s, which is vulnerable to CVE-2022-47633 (image signature verification bypass); fixed in 1.8.5", [k8s.container_label[i.c.kind], i.c.container.name, input.metadata.name, i.ref.tag]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": workloads.with_tag(i.c.container.image, tag)} | tag := workloads.fixed_tag(i.ref, v, r)],
} if {
	some i in kyverno
	v := workloads.version(i.ref.tag)
	r := workloads.affected(v, ranges)
	path := concat("", [i.c.path, ".image"])
}

deny contains {
	"message": sprintf("%s %q of Deployment %s runs Kyverno image %q, whose version cannot be read from its tag: check that it is not 1.8.3 or 1.8.4 (CVE-2022-47633)", [k8s.container_label[i.c.kind], i.c.container.name, input.metadata.name, i.c.container.image]),
	"reviewPaths": [concat("", [i.c.path, ".image"])],
} if {
	some i in kyverno
	not workloads.version(i.ref.tag)
}
