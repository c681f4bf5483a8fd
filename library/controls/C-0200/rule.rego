package kubescape.controls.c0200

import data.kubescape.lib.network

deny contains finding if {
	finding := network.admission_gap("baseline", ["capabilities"], "containers that add capabilities")
}
