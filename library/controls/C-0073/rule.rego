package kubescape.controls.c0073

deny contains {
	"message": sprintf("Pod %s has no owner: no controller recreates it when it is deleted, evicted or its node fails", [input.metadata.name]),
	"failedPaths": ["kind"],
} if {
	count(object.get(input.metadata, "ownerReferences", [])) == 0
}
