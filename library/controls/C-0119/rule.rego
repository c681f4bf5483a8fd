package kubescape.controls.c0119

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.apiserver
	finding := check(s)
}

# check finds --authorization-mode without Node, or absent (AlwaysAllow)
# when no --authorization-config replaces it.
check(s) := {
	"message": sprintf("%s sets --authorization-mode=%s without Node: kubelets are authorized by RBAC alone, which cannot limit a node to the Pods, Secrets and volumes bound to it", [controlplane.where(s), f.value]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, with_node(f)),
} if {
	f := s.flags["--authorization-mode"]
	not "Node" in controlplane.values(s, "--authorization-mode")
} else := {
	"message": sprintf("%s does not set --authorization-mode, which defaults to AlwaysAllow without Node: kubelets are authorized by RBAC alone, which cannot limit a node to the Pods, Secrets and volumes bound to it", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, "--authorization-mode=Node,RBAC"),
} if {
	not s.flags["--authorization-mode"]
	not s.flags["--authorization-config"]
}

# Node goes first: it decides the kubelets' requests before RBAC is asked.
with_node(f) := concat(",", array.concat(["Node"], [v | some v in split(f.value, ","); v != ""]))
