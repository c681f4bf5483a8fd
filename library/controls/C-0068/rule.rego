package kubescape.controls.c0068

import data.kubescape.lib.controlplane

deny contains controlplane.enable_plugin_finding(s, "PodSecurity", sprintf("%s runs neither the PodSecurity nor the PodSecurityPolicy admission plugin: nothing stops privileged or host-namespace Pods", [controlplane.where(s)])) if {
	some s in controlplane.apiserver
	not controlplane.admission_enabled(s, "PodSecurity")
	not controlplane.admission_enabled(s, "PodSecurityPolicy")
}
