package kubescape.controls.c0121

import data.kubescape.lib.controlplane

deny contains controlplane.enable_plugin_finding(s, "EventRateLimit", sprintf("%s does not run the EventRateLimit admission plugin: nothing limits the rate of Events, so a flood of them from a misbehaving client or node can overload the API server and etcd", [controlplane.where(s)])) if {
	some s in controlplane.apiserver
	not controlplane.admission_enabled(s, "EventRateLimit")
}
