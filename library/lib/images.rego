# Helpers for container image references: parsing a reference the way the
# container runtime resolves it (implicit docker.io and library/, registry
# host with port, tag, digest), matching registry allow lists, and telling
# ingress-nginx controller images apart from other NGINX images.
package kubescape.lib.images

import data.kubescape.lib.k8s

# parse splits an image reference into its parts:
#   registry    "docker.io", "registry.k8s.io", "localhost:5000"
#   repository  "library/nginx", "ingress-nginx/controller"
#   name        registry/repository, e.g. "docker.io/library/nginx"
#   tag         "" when the reference has none
#   digest      "" when the reference has none, else "sha256:..."
#
# One regular expression does the whole split, in the order the runtime
# resolves a reference:
#   - the digest is everything after the first "@";
#   - the tag is after the first ":" of the last path segment (a ":" before
#     the last "/" belongs to a registry port);
#   - the first path component is a registry host when another component
#     follows and it has a dot or a port, or is localhost; otherwise the
#     image is on Docker Hub, where images without a namespace live under
#     library/.
parse(image) := {
	"registry": registry,
	"repository": repository,
	"name": concat("/", [registry, repository]),
	"tag": m[3],
	"digest": m[4],
} if {
	[m] := regex.find_all_string_submatch_n(reference_pattern, image, 1)
	[registry, repository] := registry_repository(m[1], m[2])
}

reference_pattern := `(?s)^(?:([^/@]*[.:][^/@]*|localhost)/)?((?:[^@]*/)?[^/:@]*)(?::([^/@]*))?(?:@(.*))?$`

# The registry host, when the reference names one, is lowercased and its aliases resolved.
registry_repository(host, path) := [registry_alias(lower(host)), path] if {
	host != ""
} else := ["docker.io", path] if {
	contains(path, "/")
} else := ["docker.io", concat("", ["library/", path])]

# ingress_nginx holds the paths of the containers of the input workload that
# run an ingress-nginx controller image. Every such repository contains
# "ingress" (see ingress_nginx_suffixes), which rules out most images before
# they are parsed.
ingress_nginx contains c.path if {
	some c in k8s.containers
	contains(c.container.image, "ingress")
	is_ingress_nginx(parse(c.container.image))
}

# A first path component is a registry host when it has a dot or a port, or is localhost.
is_registry_host(s) if contains(s, ".")

is_registry_host(s) if contains(s, ":")

is_registry_host("localhost")

registry_aliases := {
	"index.docker.io": "docker.io",
	"registry-1.docker.io": "docker.io",
	"registry.hub.docker.com": "docker.io",
}

registry_alias(host) := object.get(registry_aliases, host, host)

# normalize_prefix turns an allow list entry into the form of a parsed
# reference's name: a registry host optionally followed by a path
# ("quay.io", "registry.example.com/team"), or a Docker Hub namespace
# ("bitnami" -> "docker.io/bitnami").
normalize_prefix(prefix) := concat("/", [registry_alias(parts[0]), rest]) if {
	p := trim_right(lower(trim_space(prefix)), "/")
	parts := split(p, "/")
	count(parts) > 1
	is_registry_host(parts[0])
	rest := concat("/", array.slice(parts, 1, count(parts)))
} else := registry_alias(p) if {
	p := trim_right(lower(trim_space(prefix)), "/")
	not contains(p, "/")
	is_registry_host(p)
} else := concat("/", ["docker.io", p]) if {
	p := trim_right(lower(trim_space(prefix)), "/")
	p != ""
} else := ""

# Repositories of the community ingress-nginx controller (kubernetes/ingress-nginx),
# whatever registry or mirror serves them. NGINX Inc's own controller
# (nginx/nginx-ingress) is a different project and is not matched.
ingress_nginx_suffixes := {
	"ingress-nginx/controller",
	"ingress-nginx/controller-chroot",
	"kubernetes-ingress-controller/nginx-ingress-controller",
	"bitnami/nginx-ingress-controller",
}

# is_ingress_nginx(ref) is true when the parsed reference is an ingress-nginx controller image.
is_ingress_nginx(ref) if regex.match(ingress_nginx_pattern, ref.repository)

# The repository is one of ingress_nginx_suffixes, or ends with "/" and one of them.
ingress_nginx_pattern := concat("", ["(?s)(^|/)(", concat("|", [regex.replace(suffix, `[\\.+*?()|\[\]{}^$]`, `\$0`) | some suffix in ingress_nginx_suffixes]), ")$"])

# version(tag) is [major, minor, patch] of a tag such as "v1.0.4" or
# "1.21.5-eks-1"; undefined when the tag is not a version.
version(tag) := [to_number(m[1]), to_number(m[2]), to_number(m[3])] if {
	some m in regex.find_all_string_submatch_n(`^v?([0-9]+)\.([0-9]+)\.([0-9]+)`, tag, 1)
}

# older(v, w) is true when version v sorts before version w.
older(v, w) if v[0] < w[0]

older(v, w) if {
	v[0] == w[0]
	v[1] < w[1]
}

older(v, w) if {
	v[0] == w[0]
	v[1] == w[1]
	v[2] < w[2]
}
