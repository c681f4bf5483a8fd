package kubescape.controls.c0283

import data.kubescape.lib.controlplane

deny contains controlplane.enable_plugin_finding(s, "DenyServiceExternalIPs", sprintf("%s does not run the DenyServiceExternalIPs admission plugin: any user who may create Services can set externalIPs and intercept traffic meant for other addresses (CVE-2020-8554)", [controlplane.where(s)])) if {
	some s in controlplane.apiserver
	not controlplane.admission_enabled(s, "DenyServiceExternalIPs")
}
