package kubescape.controls.c0081

import data.kubescape.lib.k8s
import data.kubescape.lib.workloads

# Versions affected by CVE-2022-24348.
ranges := [
	{"introduced": "", "fixed": "2.1.9"},
	{"introduced": "2.2.0", "fixed": "2.2.4"},
]

argocd := workloads.images_of("argocd", {"argoproj/argocd"})

deny contains {
	"message": sprintf("%s %q of %s %s runs Argo CD %s, which is vulnerable to CVE-2022-24348 (Helm values files read from outside the repository); fixed in 2.1.9, 2.2.4 and 2.3.0", [k8s.container_label[i.c.kind], i.c.container.name, input.kind, input.metadata.name, i.ref.tag]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": workloads.with_tag(i.c.container.image, tag)} | tag := workloads.fixed_tag(i.ref, v, r)],
} if {
	some i in argocd
	v := workloads.version(i.ref.tag)
	r := workloads.affected(v, ranges)
	path := concat("", [i.c.path, ".image"])
}

deny contains {
	"message": sprintf("%s %q of %s %s runs Argo CD image %q, whose version cannot be read from its tag: check that it is 2.1.9, 2.2.4, 2.3.0 or later (CVE-2022-24348)", [k8s.container_label[i.c.kind], i.c.container.name, input.kind, input.metadata.name, i.c.container.image]),
	"reviewPaths": [concat("", [i.c.path, ".image"])],
} if {
	some i in argocd
	not workloads.version(i.ref.tag)
}
