package kubescape.controls.c0042

import data.kubescape.lib.k8s

ssh_ports := {p | some p in data.inputs.sshPorts}

# A container port that SSH listens on.
deny contains {
	"message": sprintf("%s %q of %s %s declares SSH port %d%s", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, p.containerPort, port_name(p)]),
	"failedPaths": [concat("", [c.path, ".ports[", format_int(j, 10), "].containerPort"])],
} if {
	some c in k8s.containers
	some j, p in c.container.ports
	ssh_port(p.containerPort, object.get(p, "name", ""))
	tcp(p)
}

# A command or argument that starts an SSH daemon; the substring test
# rules out most arguments before the pattern runs.
deny contains {
	"message": sprintf("%s %q of %s %s starts an SSH server: %s[%d] is %q", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, field, i, arg]),
	"failedPaths": [concat("", [c.path, ".", field, "[", format_int(i, 10), "]"])],
} if {
	some c in k8s.containers
	some field in ["command", "args"]
	some i, arg in c.container[field]
	some daemon in ["sshd", "dropbear"]
	contains(arg, daemon)
	regex.match(daemon_pattern, arg)
}

# A Service port that forwards to an SSH port.
deny contains {
	"message": sprintf("Service %s forwards port %v to SSH port %v", [input.metadata.name, p.port, target]),
	"failedPaths": [sprintf("spec.ports[%d].%s", [i, field])],
} if {
	input.kind == "Service"
	some i, p in input.spec.ports
	tcp(p)
	field := target_field(p)
	target := p[field]
	ssh_port(target, object.get(p, "name", ""))
}

# The daemon's executable as a word of the argument: "sshd", "/usr/sbin/sshd -D",
# "exec dropbear -F" or "... && /usr/sbin/sshd".
daemon_pattern := `(^|[\s/;&|(])(sshd|dropbear)(\s|$|[;&|)])`

ssh_port(p, _) if p in ssh_ports

ssh_port(_, name) if lower(name) == "ssh"

# A named targetPort that names the SSH port.
ssh_port(p, _) if {
	is_string(p)
	lower(p) == "ssh"
}

tcp(p) if upper(object.get(p, "protocol", "TCP")) != "UDP"

target_field(p) := "targetPort" if {
	_ = p.targetPort
} else := "port"

port_name(p) := sprintf(" (%s)", [p.name]) if {
	p.name != ""
} else := ""
