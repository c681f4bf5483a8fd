package kubescape.controls.c0294

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %s names its service account %q with the deprecated serviceAccount field instead of serviceAccountName", [input.kind, input.metadata.name, account]),
	"failedPaths": [concat("", [k8s.pod_path, ".serviceAccount"])],
	"fixPaths": [{"path": concat("", [k8s.pod_path, ".serviceAccountName"]), "value": account}],
} if {
	account := k8s.pod_spec.serviceAccount
	account != ""
	object.get(k8s.pod_spec, "serviceAccountName", "") == ""
}

deny contains {
	"message": sprintf("%s %s sets the deprecated serviceAccount to %q and serviceAccountName to %q: the pods run as %q and the deprecated field is ignored", [input.kind, input.metadata.name, account, name, name]),
	"failedPaths": [concat("", [k8s.pod_path, ".serviceAccount"])],
} if {
	account := k8s.pod_spec.serviceAccount
	account != ""
	name := k8s.pod_spec.serviceAccountName
	name != ""
	name != account
}
