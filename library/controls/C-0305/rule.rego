package kubescape.controls.c0305

deny contains {
	"message": sprintf("Deployment %s uses the Recreate strategy: every rollout stops all its pods before starting new ones", [input.metadata.name]),
	"failedPaths": ["spec.strategy.type"],
	"fixPaths": [{"path": "spec.strategy.type", "value": "RollingUpdate"}],
} if {
	input.spec.strategy.type == "Recreate"
	input.kind == "Deployment"
}

deny contains {
	"message": sprintf("%s %s uses the OnDelete update strategy: changes reach its pods only when someone deletes them", [input.kind, input.metadata.name]),
	"failedPaths": ["spec.updateStrategy.type"],
	"fixPaths": [{"path": "spec.updateStrategy.type", "value": "RollingUpdate"}],
} if {
	input.spec.updateStrategy.type == "OnDelete"
	input.kind in {"StatefulSet", "DaemonSet"}
}
