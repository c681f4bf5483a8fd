package kubescape.controls.c0289

import data.kubescape.lib.controlplane

deny contains controlplane.enable_plugin_finding(s, "ImagePolicyWebhook", sprintf("%s does not run the ImagePolicyWebhook admission plugin: no image policy backend is asked before Pods start, so images of unknown provenance run unchecked", [controlplane.where(s)])) if {
	some s in controlplane.apiserver
	not controlplane.admission_enabled(s, "ImagePolicyWebhook")
}
