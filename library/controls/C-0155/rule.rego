package kubescape.controls.c0155

import data.kubescape.lib.controlplane

deny contains {
	"message": sprintf("%s sets --auto-tls=%s: etcd serves clients with a self-signed certificate that no client can verify", [controlplane.where(s), f.value]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, "false"),
} if {
	some s in controlplane.etcd
	f := s.flags["--auto-tls"]
	not f.value in controlplane.false_values
}
