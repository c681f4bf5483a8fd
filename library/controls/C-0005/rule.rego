package kubescape.controls.c0005

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %q of Pod %s runs kube-apiserver with %s %s: it serves plain HTTP without authentication or authorization", [
		k8s.container_label[c.kind], c.container.name, input.metadata.name, flag.name, flag.value,
	]),
	"failedPaths": flag.paths,
	"fixPaths": [{"path": fix.path, "value": "--insecure-port=0"} | some fix in [flag]; fix.whole],
} if {
	some c in apiserver_containers
	some flag in container_flags[c.path]
	flag.name in port_flags
	flag.value != "0"
}

deny contains {
	"message": sprintf("%s %q of Pod %s runs kube-apiserver with %s and without --insecure-port=0: API servers before 1.20 serve the unauthenticated insecure port on that address", [
		k8s.container_label[c.kind], c.container.name, input.metadata.name, flag.name,
	]),
	"failedPaths": flag.paths,
} if {
	some c in apiserver_containers
	some flag in container_flags[c.path]
	flag.name in bind_flags
	not port_disabled[c.path]
}

# The deprecated aliases --port and --address set the same insecure listener.
port_flags := {"--insecure-port", "--port"}

bind_flags := {"--insecure-bind-address", "--address"}

# port_disabled holds the paths of the API server containers that set the
# insecure port to 0.
port_disabled contains c.path if {
	some c in apiserver_containers
	some flag in container_flags[c.path]
	flag.name in port_flags
	flag.value == "0"
}

# container_flags holds the flags of each API server container, by path,
# worked out once per evaluation.
container_flags[c.path] := flags(c) if {
	some c in apiserver_containers
}

# A container runs the API server only if some word of its command or args
# names it: the cheap substring test comes first, so that other containers
# are never split into words.
apiserver_containers contains c if {
	some c in k8s.containers
	some field in ["command", "args"]
	some e in c.container[field]
	contains(e, "kube-apiserver")
	some tok in tokens(c.container)
	runs_apiserver(tok.text)
}

apiserver_containers contains c if {
	input.metadata.labels.component == "kube-apiserver"
	some c in k8s.containers
}

runs_apiserver(text) if {
	parts := split(text, "/")
	parts[count(parts) - 1] == "kube-apiserver"
}

# tokens are the words of a container's command and args in order, each with
# the path of the element that holds it and whether it is the whole element.
tokens(container) := [{"text": t, "path": sprintf("%s[%d]", [field, i]), "whole": t == e} |
	some field in ["command", "args"]
	some i, e in object.get(container, field, [])
	some t in regex.split(`\s+`, e)
	t != ""
]

# flags(c) lists the flags of a container as {"name", "value", "paths",
# "whole", "path"}: --flag=value in one word, or --flag followed by its value.
flags(c) := [flag |
	toks := tokens(c.container)
	some j, tok in toks
	startswith(tok.text, "--")
	flag := parse_flag(toks, j, tok, c.path)
]

parse_flag(_, _, tok, prefix) := {
	"name": name,
	"value": substring(tok.text, count(name) + 1, -1),
	"paths": [sprintf("%s.%s", [prefix, tok.path])],
	"path": sprintf("%s.%s", [prefix, tok.path]),
	"whole": tok.whole,
} if {
	contains(tok.text, "=")
	name := split(tok.text, "=")[0]
}

parse_flag(toks, j, tok, prefix) := {
	"name": tok.text,
	"value": toks[j + 1].text,
	"paths": sort({sprintf("%s.%s", [prefix, p]) | some p in {tok.path, toks[j + 1].path}}),
	"path": sprintf("%s.%s", [prefix, tok.path]),
	"whole": false,
} if {
	not contains(tok.text, "=")
	not startswith(toks[j + 1].text, "--")
}
