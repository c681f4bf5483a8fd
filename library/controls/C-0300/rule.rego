package kubescape.controls.c0300

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("HorizontalPodAutoscaler %s scales %s %s, which does not exist in namespace %s", [input.metadata.name, target.kind, target.name, k8s.namespace(input)]),
	"failedPaths": ["spec.scaleTargetRef.name"],
} if {
	input.kind == "HorizontalPodAutoscaler"
	target := input.spec.scaleTargetRef
	target.kind in scalable
	count([o | some o in k8s.namespaced(target.kind); o.metadata.name == target.name]) == 0
}

# The built-in kinds an autoscaler scales, whose objects the scan reads.
scalable := {"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"}
