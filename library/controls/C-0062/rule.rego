package kubescape.controls.c0062

import data.kubescape.lib.k8s

# The substring test rules out almost every argument before the pattern runs.
deny contains {
	"message": sprintf("%s %q of %s %s runs sudo in its %s: %q", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, field, arg]),
	"failedPaths": [concat("", [c.path, ".", field, "[", format_int(i, 10), "]"])],
} if {
	some c in k8s.containers
	some field in ["command", "args"]
	some i, arg in c.container[field]
	contains(arg, "sudo")
	regex.match(sudo_pattern, arg)
}

# sudo as a word that is run: the whole argument, a path ending in /sudo, or
# a command of a shell line.
sudo_pattern := `(^|[\s/;&|(])sudo(\s|$)`
