package kubescape.controls.c0277

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.apiserver
	some finding in findings(s)
}

# findings are the --tls-cipher-suites occurrences that list a suite
# outside strongTlsCipherSuites, or, without the flag, the missing flag,
# unless TLS 1.3 is the minimum version.
findings(s) := {{
	"message": sprintf("%s allows TLS cipher suites outside strongTlsCipherSuites: %s", [controlplane.where(s), concat(", ", sort(weak))]),
	"failedPaths": f.paths,
	"fixPaths": fix(f, weak),
} |
	some f in controlplane.occurrences_of(s, "--tls-cipher-suites")
	weak := controlplane.list_of(f) - strong
	count(weak) > 0
} if {
	s.flags["--tls-cipher-suites"]
} else := {{
	"message": sprintf("%s does not set --tls-cipher-suites: Go's default suites apply, CBC suites with SHA-1 included", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, concat("", ["--tls-cipher-suites=", concat(",", data.inputs.strongTlsCipherSuites)])),
}} if {
	not s.flags["--tls-min-version"].value == "VersionTLS13"
}

strong := {suite | some suite in data.inputs.strongTlsCipherSuites}

# fix keeps the strong suites of the occurrence, in their order, or all of
# strongTlsCipherSuites when it lists none.
fix(f, weak) := controlplane.set_value(f, concat(",", kept)) if {
	kept := [v | some part in split(f.value, ","); v := trim_space(part); v != ""; not v in weak]
	count(kept) > 0
} else := controlplane.set_value(f, concat(",", data.inputs.strongTlsCipherSuites))
