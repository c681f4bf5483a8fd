package kubescape.controls.c0088

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.apiserver
	finding := check(s)
}

# check finds --authorization-mode without RBAC, or absent (AlwaysAllow)
# when no --authorization-config replaces it.
check(s) := {
	"message": sprintf("%s sets --authorization-mode=%s without RBAC: Roles and RoleBindings have no effect, so nothing limits what users and service accounts may do", [controlplane.where(s), f.value]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, with_rbac(f)),
} if {
	f := s.flags["--authorization-mode"]
	not "RBAC" in controlplane.values(s, "--authorization-mode")
} else := {
	"message": sprintf("%s does not set --authorization-mode, which defaults to AlwaysAllow without RBAC: Roles and RoleBindings have no effect, so nothing limits what users and service accounts may do", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, "--authorization-mode=Node,RBAC"),
} if {
	not s.flags["--authorization-mode"]
	not s.flags["--authorization-config"]
}

with_rbac(f) := concat(",", array.concat([v | some v in split(f.value, ","); v != ""], ["RBAC"]))
