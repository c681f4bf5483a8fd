package kubescape.controls.c0199

import data.kubescape.lib.network

deny contains finding if {
	finding := network.admission_gap("restricted", ["capabilities"], "containers with the NET_RAW capability")
}
