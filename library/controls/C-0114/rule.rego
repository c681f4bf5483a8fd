package kubescape.controls.c0114

import data.kubescape.lib.controlplane

deny contains {
	"message": sprintf("%s sets --token-auth-file=%s: the static tokens in that file never expire and can only be revoked by restarting the API server", [controlplane.where(s), f.value]),
	"failedPaths": f.paths,
} if {
	some s in controlplane.apiserver
	some f in s.occurrences
	f.name == "--token-auth-file"
}
