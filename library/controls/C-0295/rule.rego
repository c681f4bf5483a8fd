package kubescape.controls.c0295

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %q of %s %s defines env var %q %d times: only the last one, env[%d], is in force", [
		k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, name, count(indexes), indexes[count(indexes) - 1],
	]),
	"failedPaths": [concat("", [c.path, ".env[", format_int(i, 10), "].name"]) | some i in indexes],
} if {
	some c in k8s.containers
	names := [e.name | some e in c.container.env]
	count(names) != count({n | some n in names})
	some name in {n | some i, n in names; some j, m in names; i < j; n == m}
	indexes := [i | some i, n in names; n == name]
}
