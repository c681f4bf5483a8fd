package kubescape.controls.c0152

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.scheduler
	finding := check(s)
}

# check finds a --bind-address that is not a loopback address, or none
# (0.0.0.0 by default).
check(s) := {
	"message": sprintf("%s sets --bind-address=%s: its secure port (10259), with health, metrics and debug endpoints, is reachable from the network", [controlplane.where(s), f.value]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, "127.0.0.1"),
} if {
	f := s.flags["--bind-address"]
	not controlplane.loopback(f.value)
} else := {
	"message": sprintf("%s does not set --bind-address, so it listens on every address (0.0.0.0): its secure port (10259), with health, metrics and debug endpoints, is reachable from the network", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, "--bind-address=127.0.0.1"),
} if {
	not s.flags["--bind-address"]
}
