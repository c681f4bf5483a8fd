package kubescape.controls.c0058

import data.kubescape.lib.images
import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %q of %s %s mounts volume %q with %s, the pattern CVE-2021-25741 abuses to reach the host filesystem on unpatched kubelets", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, mount.name, field]),
	"failedPaths": [sprintf("%s.volumeMounts[%d].%s", [c.path, i, field])],
} if {
	some c in k8s.containers
	some i, mount in c.container.volumeMounts
	some field in ["subPath", "subPathExpr"]
	mount[field] != ""
	not kubelet_written(mount.name)
}

# Volumes whose content only the kubelet writes, mounted read-only: no container can plant a link in them.
kubelet_written(name) if {
	some volume in k8s.pod_spec.volumes
	volume.name == name
	some kind in ["configMap", "secret", "downwardAPI", "projected"]
	volume[kind]
}

deny contains {
	"message": sprintf("Node %s runs kubelet %s, which is vulnerable to CVE-2021-25741 (fixed in 1.19.15, 1.20.11, 1.21.5 and 1.22.2)", [input.metadata.name, input.status.nodeInfo.kubeletVersion]),
	"failedPaths": ["status.nodeInfo.kubeletVersion"],
} if {
	input.kind == "Node"
	v := images.version(input.status.nodeInfo.kubeletVersion)
	vulnerable(v)
}

# The first fixed patch release of each minor version that got the fix.
fixed := {19: 15, 20: 11, 21: 5, 22: 2}

vulnerable(v) if {
	v[0] == 1
	v[1] < 19
}

vulnerable(v) if {
	v[0] == 1
	v[2] < fixed[v[1]]
}
