# Helpers for container image references: parsing a reference the way the
# container runtime resolves it (implicit docker.io and library/, registry
# host with port, tag, digest), matching registry allow lists, and telling
# ingress-nginx controller images apart from other NGINX images.
package kubescape.lib.images

# parse splits an image reference into its parts:
#   registry    "docker.io", "registry.k8s.io", "localhost:5000"
#   repository  "library/nginx", "ingress-nginx/controller"
#   name        registry/repository, e.g. "docker.io/library/nginx"
#   tag         "" when the reference has none
#   digest      "" when the reference has none, else "sha256:..."
parse(image) := {
	"registry": registry,
	"repository": repository,
	"name": concat("/", [registry, repository]),
	"tag": tag,
	"digest": digest,
} if {
	[named, digest] := split_digest(image)
	[path, tag] := split_tag(named)
	[registry, repository] := split_registry(path)
}

split_digest(image) := [substring(image, 0, i), substring(image, i + 1, -1)] if {
	i := indexof(image, "@")
	i >= 0
} else := [image, ""]

# The tag is after the last ":" of the last path segment; a ":" before the
# first "/" belongs to a registry port.
split_tag(named) := [substring(named, 0, start + i), substring(named, (start + i) + 1, -1)] if {
	start := last_slash(named) + 1
	i := indexof(substring(named, start, -1), ":")
	i >= 0
} else := [named, ""]

last_slash(s) := max(indexof_n(s, "/")) if {
	count(indexof_n(s, "/")) > 0
} else := -1

split_registry(path) := [registry_alias(lower(parts[0])), concat("/", array.slice(parts, 1, count(parts)))] if {
	parts := split(path, "/")
	count(parts) > 1
	is_registry_host(parts[0])
} else := ["docker.io", docker_hub_repository(path)]

# Docker Hub images without a namespace live under library/.
docker_hub_repository(path) := concat("/", ["library", path]) if {
	not contains(path, "/")
} else := path

# A first path component is a registry host when it has a dot or a port, or is localhost.
is_registry_host(s) if contains(s, ".")

is_registry_host(s) if contains(s, ":")

is_registry_host("localhost")

registry_aliases := {
	"index.docker.io": "docker.io",
	"registry-1.docker.io": "docker.io",
	"registry.hub.docker.com": "docker.io",
}

registry_alias(host) := registry_aliases[host] if {
	registry_aliases[host]
} else := host

# allowed(ref, prefix) is true when the parsed reference lies under an allow
# list entry: a registry host optionally followed by a path ("quay.io",
# "registry.example.com/team"), matched on whole path segments; an entry
# without a registry host is a Docker Hub namespace ("bitnami").
allowed(ref, prefix) if {
	p := normalize_prefix(prefix)
	p != ""
	prefix_matches(ref.name, p)
}

prefix_matches(name, p) if name == p

prefix_matches(name, p) if startswith(name, concat("", [p, "/"]))

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
is_ingress_nginx(ref) if {
	some suffix in ingress_nginx_suffixes
	prefix_matches_suffix(ref.repository, suffix)
}

prefix_matches_suffix(repository, suffix) if repository == suffix

prefix_matches_suffix(repository, suffix) if endswith(repository, concat("", ["/", suffix]))

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
