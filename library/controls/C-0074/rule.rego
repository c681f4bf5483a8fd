package kubescape.controls.c0074

import data.kubescape.lib.pods

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

# exposes(dir, socket) is true when the host path is the socket or a directory above it.
exposes("/", _)

exposes(host, socket) if {
	some s in aliases(normalize(socket))
	host == s
}

exposes(host, socket) if {
	some s in aliases(normalize(socket))
	startswith(s, concat("", [host, "/"]))
}

deny contains {
	"message": sprintf("%s %s mounts hostPath volume %q at node path %s, which exposes the container runtime socket %s", [
		input.kind, input.metadata.name, hv.volume.name, hv.volume.hostPath.path,
		concat(", ", sort(sockets)),
	]),
	"failedPaths": [sprintf("%s.hostPath.path", [hv.path])],
} if {
	some hv in pods.host_path_volumes
	host := normalize(hv.volume.hostPath.path)
	sockets := {socket |
		some socket in data.inputs.containerRuntimeSockets
		exposes(host, socket)
	}
	count(sockets) > 0
}
