package kubescape.controls.c0157

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.etcd
	finding := check(s)
}

# check finds --peer-client-cert-auth set to another value than true, or absent
# (false by default).
check(s) := {
	"message": sprintf("%s sets --peer-client-cert-auth=%s: etcd accepts peers without a certificate signed by its CA, so any host that reaches the peer port can join or feed the cluster", [controlplane.where(s), f.value]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, "true"),
} if {
	f := s.flags["--peer-client-cert-auth"]
	not f.value in controlplane.true_values
} else := {
	"message": sprintf("%s does not set --peer-client-cert-auth, which is false by default: etcd accepts peers without a certificate signed by its CA, so any host that reaches the peer port can join or feed the cluster", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, "--peer-client-cert-auth=true"),
} if {
	not s.flags["--peer-client-cert-auth"]
}
