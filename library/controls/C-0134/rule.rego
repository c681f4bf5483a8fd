package kubescape.controls.c0134

import data.kubescape.lib.controlplane

deny contains {
	"message": sprintf("%s sets --request-timeout=%s, %s", [controlplane.where(s), f.value, problem(f.value)]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, "60s"),
} if {
	some s in controlplane.apiserver
	f := s.flags["--request-timeout"]
	problem(f.value)
}

duration_pattern := `^([0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$`

problem(value) := "which is not a Go duration such as 60s or 2m: the API server does not start" if {
	not regex.match(duration_pattern, value)
} else := "which times every request out at once" if {
	time.parse_duration_ns(value) <= 0
} else := sprintf("which is longer than the %s of requestTimeoutMax: slow or hostile clients can hold connections that long and exhaust the server", [data.inputs.requestTimeoutMax]) if {
	time.parse_duration_ns(value) > time.parse_duration_ns(data.inputs.requestTimeoutMax)
}
