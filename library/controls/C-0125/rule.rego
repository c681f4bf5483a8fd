package kubescape.controls.c0125

import data.kubescape.lib.controlplane

deny contains controlplane.enable_plugin_finding(s, "ServiceAccount", sprintf("%s does not run the ServiceAccount admission plugin: Pods are not given a service account and its token automatically, and their service account references are not checked", [controlplane.where(s)])) if {
	some s in controlplane.apiserver
	not controlplane.admission_enabled(s, "ServiceAccount")
}
