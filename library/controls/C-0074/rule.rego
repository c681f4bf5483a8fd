package kubescape.controls.c0074

import data.kubescape.lib.k8s

# normalize drops trailing slashes, keeping "/" for the root.
normalize(p) := "/" if trim_right(p, "/") == ""

normalize(p) := trim_right(p, "/") if trim_right(p, "/") != ""

# aliases are the forms of a socket path, /var/run and /run being one directory.
aliases(s) := {s, concat("", ["/run/", trim_prefix(s, "/var/run/")])} if startswith(s, "/var/run/")

aliases(s) := {s, concat("", ["/var/run/", trim_prefix(s, "/run/")])} if startswith(s, "/run/")

aliases(s) := {s} if {
	not startswith(s, "/var/run/")
	not startswith(s, "/run/")
}

# socket_forms pairs every configured socket with each form of its path,
# computed once per evaluation rather than per volume.
socket_forms contains [socket, form] if {
	some socket in data.inputs.containerRuntimeSockets
	some form in aliases(normalize(socket))
}

# exposed(host) holds the sockets that a host path is, or is a directory above.
exposed("/") := {socket | some socket in data.inputs.containerRuntimeSockets}

exposed(host) := {socket |
	some [socket, form] in socket_forms
	exposes(host, form)
} if host != "/"

exposes(host, form) if host == form

exposes(host, form) if startswith(form, concat("", [host, "/"]))

deny contains {
	"message": sprintf("%s %s mounts hostPath volume %q at node path %s, which exposes the container runtime socket %s", [
		input.kind, input.metadata.name, v.name, v.hostPath.path,
		concat(", ", sort(sockets)),
	]),
	"failedPaths": [concat("", [k8s.pod_path, ".volumes[", format_int(i, 10), "].hostPath.path"])],
} if {
	some i, v in k8s.pod_spec.volumes
	v.hostPath
	sockets := exposed(normalize(v.hostPath.path))
	count(sockets) > 0
}
