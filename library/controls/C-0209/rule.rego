package kubescape.controls.c0209

import data.kubescape.lib.k8s

deny contains {
	"message": "the cluster has only the built-in namespaces: all its workloads share the same administrative boundaries",
	"reviewPaths": ["metadata.name"],
} if {
	input.kind == "Namespace"
	input.metadata.name == "default"
	every ns in k8s.cluster("Namespace") {
		ns.metadata.name in built_in
	}
}

built_in := {"default", "kube-system", "kube-public", "kube-node-lease"}
