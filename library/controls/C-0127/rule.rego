package kubescape.controls.c0127

import data.kubescape.lib.controlplane

deny contains controlplane.enable_plugin_finding(s, "NodeRestriction", sprintf("%s does not run the NodeRestriction admission plugin: a kubelet may change the labels of its Node and the Pods of other nodes, and so attract workloads or tamper with them", [controlplane.where(s)])) if {
	some s in controlplane.apiserver
	not controlplane.admission_enabled(s, "NodeRestriction")
}
