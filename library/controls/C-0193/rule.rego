package kubescape.controls.c0193

import data.kubescape.lib.network

deny contains finding if {
	finding := network.admission_gap("baseline", ["privileged"], "privileged containers")
}
