package kubescape.controls.c0202

import data.kubescape.lib.network

deny contains finding if {
	finding := network.admission_gap("baseline", ["hostProcess"], "Windows HostProcess containers")
}
