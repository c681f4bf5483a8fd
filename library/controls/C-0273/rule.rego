package kubescape.controls.c0273

import data.kubescape.lib.workloads

path := "status.nodeInfo.kubeletVersion"

kubelet := input.status.nodeInfo.kubeletVersion

minimum := data.inputs.minimumKubernetesVersion

deny contains {
	"message": sprintf("Node %s runs kubelet %s, older than %s, the oldest Kubernetes version considered current: it no longer receives security fixes", [input.metadata.name, kubelet, minimum]),
	"failedPaths": [path],
} if {
	v := workloads.version(kubelet)
	workloads.older(v, workloads.version(minimum))
}

deny contains {
	"message": sprintf("Node %s runs kubelet %q, whose version cannot be read: check that it is %s or later", [input.metadata.name, kubelet, minimum]),
	"reviewPaths": [path],
} if {
	is_string(kubelet)
	kubelet != "" # the API server stores a Node without status with an empty version: nothing to read yet
	not workloads.version(kubelet)
}

deny contains {
	"message": sprintf("minimumKubernetesVersion %v is not a version (want MAJOR.MINOR.PATCH, such as 1.35.0): Node %s runs kubelet %s, which cannot be checked", [minimum, input.metadata.name, kubelet]),
	"reviewPaths": [path],
} if {
	workloads.version(kubelet)
	not workloads.version(minimum)
}
