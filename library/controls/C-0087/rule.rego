package kubescape.controls.c0087

import data.kubescape.lib.workloads

# Versions affected by CVE-2022-23648.
ranges := [
	{"introduced": "", "fixed": "1.4.13"},
	{"introduced": "1.5.0", "fixed": "1.5.10"},
	{"introduced": "1.6.0", "fixed": "1.6.1"},
]

path := "status.nodeInfo.containerRuntimeVersion"

runtime := input.status.nodeInfo.containerRuntimeVersion

deny contains {
	"message": sprintf("Node %s runs containerd %s, which is vulnerable to CVE-2022-23648 (a crafted image can read any file of the node); fixed in 1.4.13, 1.5.10 and 1.6.1", [input.metadata.name, version]),
	"failedPaths": [path],
} if {
	startswith(runtime, "containerd://")
	version := substring(runtime, 13, -1)
	workloads.affected(workloads.version(version), ranges)
}

deny contains {
	"message": sprintf("Node %s runs containerd %q, whose version cannot be read: check that it is 1.4.13, 1.5.10, 1.6.1 or later (CVE-2022-23648)", [input.metadata.name, substring(runtime, 13, -1)]),
	"reviewPaths": [path],
} if {
	startswith(runtime, "containerd://")
	not workloads.version(substring(runtime, 13, -1))
}
