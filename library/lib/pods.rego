# Helpers for pod-security rules: the security settings in force for a
# container (its own, else the pod's), and where they are.
package kubescape.lib.pods

import data.kubescape.lib.k8s

# windows is true when the pod declares a Windows OS; Linux-only
# securityContext fields cannot be set on such pods.
windows if k8s.pod_spec.os.name == "windows"

# setting(c, field) is the securityContext field in force for a container, as
# {"value", "path"}: the container's own field overrides the pod's. Undefined
# when neither sets it.
setting(c, field) := {"value": v, "path": sprintf("%s.securityContext.%s", [c.path, field])} if {
	v := c.container.securityContext[field]
} else := {"value": v, "path": sprintf("%s.securityContext.%s", [k8s.pod_path, field])} if {
	v := k8s.pod_spec.securityContext[field]
}

# in_force(c, field) is the securityContext field in force for a container as
# [value, own]: own is true when the container sets the field itself (which
# overrides the pod's), false when only the pod does. Undefined when neither
# sets it. No path is built: setting_path(c, own, field) builds it only for a
# finding.
in_force(c, field) := [v, true] if {
	v := c.container.securityContext[field]
} else := [v, false] if {
	v := k8s.pod_spec.securityContext[field]
}

# setting_path(c, own, field) is the dotted path of a field found by in_force.
setting_path(c, true, field) := concat("", [c.path, ".securityContext.", field])

setting_path(_, false, field) := concat("", [k8s.pod_path, ".securityContext.", field])

# pod_metadata_path is the dotted path of the pod template's metadata.
pod_metadata_path := concat(".", k8s.pod_metadata_paths[input.kind])
