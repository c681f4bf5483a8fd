package kubescape.controls.c0059

import data.kubescape.lib.images
import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("ConfigMap %s of ingress-nginx sets allow-snippet-annotations to true: anyone who can write an Ingress can inject nginx configuration and read the controller's service account token (CVE-2021-25742)", [input.metadata.name]),
	"failedPaths": [`data["allow-snippet-annotations"]`],
	"fixPaths": [{"path": `data["allow-snippet-annotations"]`, "value": "false"}],
} if {
	input.kind == "ConfigMap"
	ingress_nginx_configmap
	input.data["allow-snippet-annotations"] in {"1", "t", "T", "TRUE", "true", "True"}
}

ingress_nginx_configmap if input.metadata.name in {"ingress-nginx-controller", "nginx-configuration", "nginx-ingress-controller"}

ingress_nginx_configmap if input.metadata.labels["app.kubernetes.io/name"] == "ingress-nginx"

deny contains {
	"message": sprintf("%s %q of Deployment %s runs ingress-nginx controller %s, older than v1.0.5, which is vulnerable to CVE-2021-25742 (snippet annotations can read the controller's service account token)", [k8s.container_label[c.kind], c.container.name, input.metadata.name, ref.tag]),
	"failedPaths": [concat("", [c.path, ".image"])],
} if {
	input.kind == "Deployment"
	some c in k8s.containers
	images.ingress_nginx[c.path]
	ref := images.parse(c.container.image)
	v := images.version(ref.tag)
	images.older(v, [1, 0, 5])
}
