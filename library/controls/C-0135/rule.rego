package kubescape.controls.c0135

import data.kubescape.lib.controlplane

deny contains {
	"message": sprintf("%s sets --service-account-lookup=%s: a service account token stays valid after its ServiceAccount or Secret is deleted", [controlplane.where(s), f.value]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, "true"),
} if {
	some s in controlplane.apiserver
	f := s.flags["--service-account-lookup"]
	not f.value in controlplane.true_values
}
