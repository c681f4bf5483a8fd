package kubescape.controls.c0212

deny contains {
	"message": sprintf("%s %s is in the default namespace", [input.kind, input.metadata.name]),
	"failedPaths": ["metadata.namespace"],
} if {
	input.metadata.namespace == "default"
	not builtin
}

# The objects the control plane creates and keeps in the default namespace.
builtin_names := {
	"Service": "kubernetes",
	"Endpoints": "kubernetes",
	"EndpointSlice": "kubernetes",
	"ServiceAccount": "default",
	"ConfigMap": "kube-root-ca.crt",
}

builtin if builtin_names[input.kind] == input.metadata.name

# Before Kubernetes 1.24 the token controller created a Secret for every
# ServiceAccount, the default one included.
builtin if {
	input.kind == "Secret"
	input.type == "kubernetes.io/service-account-token"
	input.metadata.annotations["kubernetes.io/service-account.name"] == "default"
}
