package kubescape.controls.c0158

import data.kubescape.lib.controlplane

deny contains {
	"message": sprintf("%s sets --peer-auto-tls=%s: etcd members authenticate each other with self-signed certificates that prove nothing", [controlplane.where(s), f.value]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, "false"),
} if {
	some s in controlplane.etcd
	f := s.flags["--peer-auto-tls"]
	not f.value in controlplane.false_values
}
