package kubescape.controls.c0198

import data.kubescape.lib.network

deny contains finding if {
	finding := network.admission_gap("restricted", ["runAsNonRoot", "runAsUser"], "containers running as root")
}
