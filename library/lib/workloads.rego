# Helpers for single-workload controls: semantic versions (of image tags and
# of node components) and the ranges a vulnerability affects, images of given
# repositories or outside the allowed registries, the containers that live
# as long as the pod, host paths that expose a file of the node, the
# Services that publish a workload's pods, the label sets of a workload, and
# the service account its pods run as.
package kubescape.lib.workloads

import data.kubescape.lib.images
import data.kubescape.lib.k8s

# version(s) parses a semantic version such as "1.8.5", "v2.2.4-rc1" or
# "1.6.1+build.2" into {"core": [major, minor, patch], "pre": [...]},
# where "pre" holds the pre-release identifiers, numeric ones as numbers.
# Undefined when s is not MAJOR.MINOR.PATCH with an optional "v" prefix.
#
# Kubernetes distributions and packagers append their own build labels after
# a hyphen ("v1.28.5-eks-5e0fdde", "v1.28.3-gke.1203001", "1.7.11-k3s2",
# "v1.8.4-amd64"). SemVer would read them as pre-releases, which sort before
# the release, but they are builds of the release they name. So a hyphen
# suffix is a pre-release only when it starts with a pre-release label
# (alpha, beta, rc, pre, preview, dev, snapshot, nightly, canary); any other
# suffix is ignored, like "+" build metadata.
version(s) := {"core": [to_number(m[1]), to_number(m[2]), to_number(m[3])], "pre": prerelease(m[4])} if {
	[m] := regex.find_all_string_submatch_n(version_pattern, s, 1)
}

version_pattern := `^[vV]?([0-9]+)\.([0-9]+)\.([0-9]+)(?:-([0-9A-Za-z.-]*))?(?:\+[0-9A-Za-z.-]*)?$`

prerelease_pattern := `^(?i)(alpha|beta|rc|pre|preview|dev|snapshot|nightly|canary)`

# prerelease(suffix) lists the identifiers of a pre-release suffix, [] for a
# release or a build label.
prerelease(suffix) := [identifier(p) | some p in split(suffix, ".")] if {
	regex.match(prerelease_pattern, suffix)
} else := []

# A numeric identifier compares as a number, any other as a string.
identifier(p) := to_number(p) if regex.match(`^[0-9]+$`, p)

identifier(p) := p if not regex.match(`^[0-9]+$`, p)

# older(a, b) is true when version a has lower SemVer precedence than b: the
# cores compare number by number; with equal cores a pre-release comes before
# the release, and two pre-releases compare identifier by identifier
# (numbers numerically, below any word; words in ASCII order; a shorter list
# first when it is a prefix of the other), which is the order Rego's
# comparison of arrays gives.
older(a, b) if a.core < b.core

older(a, b) if {
	a.core == b.core
	count(a.pre) > 0
	count(b.pre) == 0
}

older(a, b) if {
	a.core == b.core
	count(a.pre) > 0
	count(b.pre) > 0
	a.pre < b.pre
}

# affected(v, ranges) is the range of a vulnerability that holds version v:
# ranges is a list of {"introduced": "x.y.z", "fixed": "x.y.z"}, each holding
# the versions from introduced (included, "" for every earlier version) up to
# fixed (excluded).
affected(v, ranges) := r if {
	some r in ranges
	older(v, version(r.fixed))
	not below_introduced(v, r)
}

below_introduced(v, r) if older(v, version(r.introduced))

# fixed_tag(ref, v, r) is the tag of the fixed release of range r, written
# like the image's own tag ("v" prefix kept), when r's fix is on the same
# major.minor line as v, so that moving to it is a patch upgrade; undefined
# otherwise.
fixed_tag(ref, v, r) := tag if {
	f := version(r.fixed)
	array.slice(f.core, 0, 2) == array.slice(v.core, 0, 2)
	tag := concat("", [tag_prefix(ref.tag), r.fixed])
}

tag_prefix(tag) := substring(tag, 0, 1) if {
	startswith(lower(tag), "v")
} else := ""

# with_tag(image, tag) is the image reference with its tag replaced by tag,
# written as the image was (registry and path untouched); a digest is dropped,
# since it pins the old content.
with_tag(image, tag) := concat("", [untagged(split(image, "@")[0]), ":", tag])

# untagged(name) is an image name without its tag: the part of the last path
# segment from its ":" on is the tag (a ":" before the last "/" is a port).
untagged(name) := substring(name, 0, (count(name) - count(last)) + i) if {
	parts := split(name, "/")
	last := parts[count(parts) - 1]
	i := indexof(last, ":")
	i >= 0
} else := name

# images_of(word, repositories) holds {"c": container entry, "ref": parsed
# image reference} for each container of the input workload whose image
# repository is one of repositories (see repository_is). word is a substring
# every such image contains, tested before the image is parsed, so that the
# other images cost one substring test.
images_of(word, repositories) := {{"c": c, "ref": ref} |
	some c in k8s.containers
	contains(c.container.image, word)
	ref := images.parse(c.container.image)
	repository_is(ref, repositories)
}

# repository_is(ref, suffixes) is true when the repository of a parsed image
# reference is one of suffixes, or ends with "/" and one of them (a mirror
# that keeps the path), matched on whole path segments.
repository_is(ref, suffixes) if ref.repository in suffixes

repository_is(ref, suffixes) if {
	some s in suffixes
	endswith(ref.repository, concat("", ["/", s]))
}

# allowed_image(ref) is true when a parsed image reference lies in the
# imageRepositoryAllowList input (registries and path prefixes, matched on
# whole path segments; see images.normalize_prefix).
allowed_image(ref) if ref.name in allowed_names

allowed_image(ref) if strings.any_prefix_match(ref.name, allowed_dirs)

allowed_names := {p |
	some prefix in data.inputs.imageRepositoryAllowList
	p := images.normalize_prefix(prefix)
	p != ""
}

allowed_dirs := {concat("", [p, "/"]) | some p in allowed_names}

# long_running(c) is true for the containers that run as long as the pod and
# take probes: regular containers and native sidecars (init containers with
# restartPolicy Always). Other init containers run to completion, and
# ephemeral containers cannot have probes.
long_running(c) if c.kind == "containers"

long_running(c) if {
	c.kind == "initContainers"
	c.container.restartPolicy == "Always"
}

# clean_path normalizes a node path: trailing slashes dropped, "/" kept for the root.
clean_path(p) := "/" if {
	trim_right(p, "/") == ""
} else := trim_right(p, "/")

# exposes(host, target) is true when a hostPath volume of node path host
# shows the file or directory target: host is target, or a directory above
# it. /var/run and /run are one directory on current distributions.
exposes(host, target) if {
	some form in path_forms(clean_path(target))
	within(clean_path(host), form)
}

within("/", _)

within(host, form) if host == form

within(host, form) if startswith(form, concat("", [host, "/"]))

path_forms(p) := {p, concat("", ["/run/", trim_prefix(p, "/var/run/")])} if {
	startswith(p, "/var/run/")
} else := {p, concat("", ["/var/run/", trim_prefix(p, "/run/")])} if {
	startswith(p, "/run/")
} else := {p}

# pod_labels are the labels of the pods the input workload creates.
pod_labels := object.get(k8s.pod_metadata, "labels", {})

# exposing_services holds the Services of the workload's namespace that
# publish it outside the cluster (type NodePort or LoadBalancer, or
# externalIPs) and select its pods. A Service without a selector selects no
# pod (its endpoints are managed by hand).
exposing_services contains svc if {
	some svc in k8s.namespaced("Service")
	external(svc)
	selector := svc.spec.selector
	count(selector) > 0
	object.subset(pod_labels, selector)
}

external(svc) if svc.spec.type in {"NodePort", "LoadBalancer"}

external(svc) if count(svc.spec.externalIPs) > 0

# target_port(p) is the port of the pods a Service port forwards to: its
# targetPort, else its port.
target_port(p) := object.get(p, "targetPort", p.port)

# reaches(p, c) is true when Service port p forwards to container c: a port
# number the container declares (or any number when it declares none, since
# undeclared ports are reachable too), or the name of one of its ports.
reaches(p, c) if {
	t := target_port(p)
	is_number(t)
	some cp in c.container.ports
	cp.containerPort == t
}

reaches(p, c) if {
	is_number(target_port(p))
	count(object.get(c.container, "ports", [])) == 0
}

reaches(p, c) if {
	t := target_port(p)
	is_string(t)
	some cp in c.container.ports
	cp.name == t
}

# label_sets are the label maps a labelling control reads, each as [which,
# labels]: "metadata" for the object's own and, for a pod controller,
# "template" for those of its pod template (which its pods get).
label_sets contains ["metadata", object.get(input.metadata, "labels", {})]

label_sets contains ["template", object.get(k8s.pod_metadata, "labels", {})] if input.kind != "Pod"

# label_set_path(which) is the path of the metadata that holds a label set.
label_set_path("metadata") := "metadata"

label_set_path("template") := concat(".", k8s.pod_metadata_paths[input.kind])

# has_any_label(labels, keys) is true when one of the keys is a label with a
# non-empty value (one builtin call picks the keys' labels).
has_any_label(labels, keys) if {
	some v in object.filter(labels, keys)
	v != ""
}

# label_suffix(key) is the path of a label under a metadata path:
# ".labels.app", or `.labels["app.kubernetes.io/name"]` when the key is not
# an identifier.
label_suffix(key) := concat("", [".labels.", key]) if {
	regex.match(`^[A-Za-z_][A-Za-z0-9_]*$`, key)
} else := sprintf(".labels[%q]", [key])

# service_account_name is the service account the pods run as: the pod
# spec's serviceAccountName, else the deprecated serviceAccount, else
# "default".
service_account_name := name if {
	name := k8s.pod_spec.serviceAccountName
	name != ""
} else := name if {
	name := k8s.pod_spec.serviceAccount
	name != ""
} else := "default"

# service_account is the ServiceAccount the pods run as, among the scanned
# objects of the workload's namespace; undefined when it is not among them.
service_account := found[0] if {
	found := [sa | some sa in k8s.namespaced("ServiceAccount"); sa.metadata.name == service_account_name]
	count(found) > 0
}
