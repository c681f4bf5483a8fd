package kubescape.controls.c0197

import data.kubescape.lib.network

deny contains finding if {
	finding := network.admission_gap("restricted", ["allowPrivilegeEscalation"], "containers that allow privilege escalation")
}
