package kubescape.controls.c0203

import data.kubescape.lib.network

deny contains finding if {
	finding := network.admission_gap("baseline", ["hostPath"], "pods with hostPath volumes")
}
