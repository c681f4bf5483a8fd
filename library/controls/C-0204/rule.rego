package kubescape.controls.c0204

import data.kubescape.lib.network

deny contains finding if {
	finding := network.admission_gap("baseline", ["hostPort"], "containers that bind host ports")
}
