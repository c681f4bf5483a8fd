package kubescape.controls.c0123

import data.kubescape.lib.controlplane

deny contains controlplane.enable_plugin_finding(s, "AlwaysPullImages", sprintf("%s does not run the AlwaysPullImages admission plugin: a Pod can start any image already cached on its node, even one pulled with another tenant's registry credentials", [controlplane.where(s)])) if {
	some s in controlplane.apiserver
	not controlplane.admission_enabled(s, "AlwaysPullImages")
}
