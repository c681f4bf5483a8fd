package kubescape.controls.c0061

deny contains {
	"message": sprintf("%s %s runs in the default namespace", [input.kind, input.metadata.name]),
	"failedPaths": ["metadata.namespace"],
} if {
	input.metadata.namespace == "default"
}
