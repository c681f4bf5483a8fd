package kubescape.controls.c0005

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.apiserver
	some finding in findings(s)
}

# findings are the insecure port flags not set to 0, and the insecure bind
# address flags when the port is not disabled.
findings(s) := {{
	"message": sprintf("%s sets %s %s: the API server serves plain HTTP without authentication or authorization", [controlplane.where(s), f.name, f.value]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, "0"),
} |
	some name in port_flags
	f := s.flags[name]
	f.value != "0"
} | {{
	"message": sprintf("%s sets %s without --insecure-port=0: API servers before 1.20 serve the unauthenticated insecure port on that address", [controlplane.where(s), f.name]),
	"failedPaths": f.paths,
} |
	some name in bind_flags
	f := s.flags[name]
	not port_disabled(s)
}

# The deprecated aliases --port and --address set the same insecure listener.
port_flags := {"--insecure-port", "--port"}

bind_flags := {"--insecure-bind-address", "--address"}

port_disabled(s) if {
	some name in port_flags
	s.flags[name].value == "0"
}
