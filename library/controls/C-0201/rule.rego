package kubescape.controls.c0201

import data.kubescape.lib.network

deny contains finding if {
	finding := network.admission_gap("restricted", ["capabilities"], "containers that keep the default capabilities")
}
