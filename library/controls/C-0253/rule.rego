package kubescape.controls.c0253

import data.kubescape.lib.images
import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %q of %s %s runs image %q from %s, a deprecated registry that receives no new images%s", [
		k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, c.container.image, prefix, replaced_by(deprecated[prefix]),
	]),
	"failedPaths": [path],
	"fixPaths": [{"path": path, "value": v} | v := fixed(ref, prefix)],
} if {
	some c in k8s.containers
	candidate(c.container.image)
	ref := images.parse(c.container.image)
	prefix := longest(ref.name)
	path := concat("", [c.path, ".image"])
}

# The deprecated prefixes in the form of a parsed reference's name, with their replacements.
deprecated := {p: replacement |
	some entry, replacement in data.inputs.deprecatedImageRegistries
	p := images.normalize_prefix(entry)
	p != ""
}

# An image that starts with none of the entries as written is ruled out with
# one builtin call, without being parsed. That holds when every entry is a
# lowercase registry host with a dot (and maybe a port and a path) that is
# its own normal form, as the defaults are; an entry on Docker Hub (whose
# images are often written without their host), an alias of it
# (registry.hub.docker.com) or an entry in another form turns the shortcut
# off, and every image is parsed.
entries := object.keys(data.inputs.deprecatedImageRegistries)

candidate(image) if strings.any_prefix_match(lower(image), entries)

candidate(_) if not plain_entries

plain_entries if {
	joined := concat("\n", entries)
	every e in entries {
		images.normalize_prefix(e) == e
		not startswith(e, "docker.io")
	}
	regex.match(`^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::[0-9]+)?(?:/[a-z0-9._-]+)*(?:\n|$))+$`, joined)
}

# longest(name) is the longest deprecated prefix that name is, or lies under.
longest(name) := max_by_length([p | some p, _ in deprecated; under(name, p)])

under(name, p) if name == p

under(name, p) if startswith(name, concat("", [p, "/"]))

max_by_length(ps) := [p | some p in ps; count(p) == max([count(q) | some q in ps])][0]

# fixed(ref, prefix) is the image under the replacement registry, tag and digest kept.
fixed(ref, prefix) := concat("", [deprecated[prefix], substring(ref.name, count(prefix), -1), suffix(":", ref.tag), suffix("@", ref.digest)]) if {
	deprecated[prefix] != ""
}

suffix(_, "") := ""

suffix(sep, s) := concat("", [sep, s]) if s != ""

replaced_by("") := ""

replaced_by(r) := sprintf(" (use %s)", [r]) if r != ""
