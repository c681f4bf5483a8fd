package kubescape.controls.c0154

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.etcd
	finding := check(s)
}

# check finds --client-cert-auth set to another value than true, or absent
# (false by default).
check(s) := {
	"message": sprintf("%s sets --client-cert-auth=%s: etcd accepts clients without a certificate signed by its CA, so whoever reaches its port reads and writes the whole cluster state", [controlplane.where(s), f.value]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, "true"),
} if {
	f := s.flags["--client-cert-auth"]
	not f.value in controlplane.true_values
} else := {
	"message": sprintf("%s does not set --client-cert-auth, which is false by default: etcd accepts clients without a certificate signed by its CA, so whoever reaches its port reads and writes the whole cluster state", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, "--client-cert-auth=true"),
} if {
	not s.flags["--client-cert-auth"]
}
