# Helpers for pod-security rules: the security settings in force for a
# container (its own, else the pod's), hostPath volumes and the mounts that use
# them, and a common way to name a container in messages.
package kubescape.lib.pods

import data.kubescape.lib.k8s

# describe(c) names a container of k8s.containers for messages, e.g.
# `init container "setup" of Deployment web`.
describe(c) := sprintf("%s %q of %s %s", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name])

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
pod_metadata_path := "metadata" if input.kind == "Pod"

pod_metadata_path := concat(".", array.concat(array.slice(spec_path, 0, count(spec_path) - 1), ["metadata"])) if {
	input.kind != "Pod"
	spec_path := k8s.pod_spec_paths[input.kind]
}

# host_path_volumes holds the hostPath volumes of the pod as
# {"volume": v, "path": "spec.volumes[0]"}.
host_path_volumes contains {"volume": v, "path": sprintf("%s.volumes[%d]", [k8s.pod_path, i])} if {
	some i, v in k8s.pod_spec.volumes
	v.hostPath
}

# host_path_mounts holds every mount of a hostPath volume by a container as
# {"container": c (from k8s.containers), "mount": m, "path": "...volumeMounts[0]", "volume": hv (from host_path_volumes)}.
host_path_mounts contains {"container": c, "mount": m, "path": sprintf("%s.volumeMounts[%d]", [c.path, j]), "volume": hv} if {
	some c in k8s.containers
	some j, m in c.container.volumeMounts
	some hv in host_path_volumes
	hv.volume.name == m.name
}
