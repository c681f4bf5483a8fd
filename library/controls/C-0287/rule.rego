package kubescape.controls.c0287

deny contains {
	"message": sprintf("Secret %s holds a long-lived token of ServiceAccount %s that never expires: such tokens exist to be used outside the cluster, by people or external systems", [
		input.metadata.name, account,
	]),
	"failedPaths": ["type"],
	"reviewPaths": [p | some p in [`metadata.annotations["kubernetes.io/service-account.name"]`]; input.metadata.annotations["kubernetes.io/service-account.name"]],
} if {
	input.kind == "Secret"
	input.type == "kubernetes.io/service-account-token"
}

account := name if {
	name := input.metadata.annotations["kubernetes.io/service-account.name"]
	is_string(name)
} else := "(not named)"
