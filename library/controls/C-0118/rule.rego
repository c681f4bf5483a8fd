package kubescape.controls.c0118

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.apiserver
	some finding in findings(s)
}

# findings are the --authorization-mode occurrences that list AlwaysAllow,
# or, without the flag and without --authorization-config, the missing
# flag, since AlwaysAllow is the default.
findings(s) := {{
	"message": sprintf("%s lists AlwaysAllow in --authorization-mode=%s: every authenticated request is allowed, whatever RBAC says", [controlplane.where(s), f.value]),
	"failedPaths": f.paths,
	"fixPaths": fix(f),
} |
	some f in controlplane.occurrences_of(s, "--authorization-mode")
	"AlwaysAllow" in controlplane.list_of(f)
} if {
	s.flags["--authorization-mode"]
} else := {{
	"message": sprintf("%s does not set --authorization-mode, which defaults to AlwaysAllow: every authenticated request is allowed", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, "--authorization-mode=Node,RBAC"),
}} if {
	not s.flags["--authorization-config"]
}

# fix drops AlwaysAllow from the list, or replaces a list of AlwaysAllow
# alone with Node,RBAC.
fix(f) := controlplane.remove_value(f, "AlwaysAllow") if {
	count(controlplane.list_of(f) - {"AlwaysAllow"}) > 0
} else := controlplane.set_value(f, "Node,RBAC")
