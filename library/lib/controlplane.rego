# Helpers for the control-plane rules: which containers of a Pod run the API
# server, the controller manager, the scheduler or etcd, and the flags each
# of them is started with.
#
# A container runs a component when its command starts the component's
# binary, with or without a directory (kube-apiserver, /usr/local/bin/etcd,
# "/hyperkube kube-apiserver", "exec kube-scheduler ..." inside a shell
# line; see binary_word), or when the Pod carries the label
# component=<binary> (as kubeadm and RKE2 static Pods do) and the container
# is the main one: named after the component, running an image named after
# it, or the only container of the Pod. The Pod's name and namespace play
# no part: a Pod named kube-apiserver-x that runs something else is no API
# server, and a hosted control plane that runs kube-apiserver in a tenant
# namespace is one.
#
# Every rule starts with `some s in controlplane.apiserver` (or
# controller_manager, scheduler, etcd). These sets are worked out once per
# object; for an ordinary Pod they are empty after one regex test per
# command and args list (candidates), and the rule stops there.
package kubescape.lib.controlplane

import data.kubescape.lib.k8s

# The components, by the name of their binary (and of their component label).
component_names := {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"}

mention_pattern := `kube-apiserver|kube-controller-manager|kube-scheduler|etcd`

# apiserver, controller_manager, scheduler and etcd hold one server record
# per container that runs the component (see server below). An etcd started
# with --config-file ignores its flags and ETCD_* env vars: its settings are
# in that file on the node, so it is left out of etcd.
apiserver := running("kube-apiserver")

controller_manager := running("kube-controller-manager")

scheduler := running("kube-scheduler")

etcd := {s |
	some s in running("etcd")
	not s.flags["--config-file"]
}

# candidates holds the components the Pod may run: the one its component
# label names, and those that its command or args mention anywhere. Only
# for these are the containers split into words.
candidates contains name if {
	name := k8s.pod_metadata.labels.component
	name in component_names
}

candidates contains name if {
	some c in k8s.containers
	some field in ["command", "args"]
	line := concat(" ", c.container[field])
	regex.match(mention_pattern, line)
	some name in component_names
	contains(line, name)
}

running(name) := {server(c, name) | some c in k8s.containers; runs(c, name)} if {
	name in candidates
} else := set()

runs(c, name) if binary_word(words(c), name) >= 0

runs(c, name) if {
	k8s.pod_metadata.labels.component == name
	c.kind == "containers"
	main_container(c.container, name)
}

main_container(container, name) if container.name == name

main_container(container, name) if image_name(container.image) == name

main_container(_, _) if count(k8s.pod_spec.containers) == 1

# binary_word is the index of the first word that runs the binary, or -1.
# Such a word names the binary, with or without a directory, and sits where
# a program is started: in the command, first or after a word that is no
# flag (exec, /hyperkube, dumb-init) or after the -c of a shell or a "--";
# or first in args when there is no command. A value such as the
# "kube-apiserver" of "--tag kube-apiserver" is no binary.
binary_word(ws, name) := min(found) if {
	found := {j | some j, w in ws; names_binary(w.text, name); starts_program(ws, j, w)}
	count(found) > 0
} else := -1

names_binary(text, name) if {
	not startswith(text, "-")
	parts := split(text, "/")
	parts[count(parts) - 1] == name
}

starts_program(_, 0, _)

starts_program(ws, j, w) if {
	w.field == "command"
	previous := ws[j - 1].text
	launcher(previous)
}

launcher(previous) if not startswith(previous, "-")

launcher(previous) if previous in {"-c", "--"}

# image_name is the last path segment of an image reference, without tag or
# digest: registry.k8s.io/kube-apiserver:v1.31.2 -> kube-apiserver.
image_name(image) := name if {
	parts := split(split(image, "@")[0], "/")
	name := split(parts[count(parts) - 1], ":")[0]
}

# words are the words of a container's command then args, in order, each
# with the path of the element holding it and whether it is that whole
# element. An element is one word, except a shell line such as
# "exec kube-apiserver --secure-port=6443 ...", which is split on
# whitespace; an element that starts with "-" is a flag even if it holds
# spaces (--feature-gates=A=true, B=false).
words(c) := [{"text": t, "field": field, "path": concat("", [c.path, ".", field, "[", format_int(i, 10), "]"]), "whole": t == e} |
	some field in ["command", "args"]
	some i, e in object.get(c.container, field, [])
	is_string(e)
	some t in split_words(e)
	t != ""
]

split_words(e) := [e] if {
	startswith(e, "-")
} else := regex.split(`\s+`, e)

# server is the record of a container that runs a component:
#   component    the binary name
#   name         the container's name, for messages
#   image        its image
#   path         the container's path, e.g. spec.containers[0]
#   occurrences  every flag occurrence, in the order the program reads them
#                (see occurrence below; for etcd, ETCD_* env vars come first,
#                since flags override them)
#   flags        the occurrence in force for each flag name: the last one
#   field        "args" when the container has args, else "command": where
#                flags are added
#   review       the path of that field, named when a flag is missing
#   add          the path at which a new flag is appended to that field, or
#                "" when the field is a shell line, where no element can be added
server(c, name) := {
	"component": name,
	"name": c.container.name,
	"image": object.get(c.container, "image", ""),
	"path": c.path,
	"occurrences": occs,
	"flags": in_force(occs),
	"field": field,
	"review": concat("", [c.path, ".", field]),
	"add": add_path(c, field),
} if {
	ws := words(c)
	occs := array.concat(env_flags(c, name), command_flags(ws, name))
	field := flags_field(c.container)
}

flags_field(container) := "args" if {
	count(object.get(container, "args", [])) > 0
} else := "command"

add_path(c, field) := concat("", [c.path, ".", field, "[", format_int(count(elems), 10), "]"]) if {
	elems := object.get(c.container, field, [])
	every e in elems {
		is_string(e)
		not regex.match(`\s`, e)
	}
} else := ""

# command_flags lists the flags after the binary (all the words, when no
# word names the binary: a labeled container running its image's
# entrypoint). Flags are normalized to a leading "--": etcd also accepts a
# single dash.
command_flags(ws, name) := [f |
	start := binary_word(ws, name)
	some j, w in ws
	j > start
	startswith(w.text, "-")
	f := occurrence(ws, j, w)
]

# occurrence is one flag occurrence:
#   name        --flag
#   value       its value: after "=", else the next word for a flag that
#               takes one, else "true" (a boolean flag given alone)
#   form        "joined" (--flag=value), "separate" (--flag value),
#               "bare" (--flag) or "env" (an ETCD_* env var)
#   paths       the elements holding it (two for the separate form)
#   value_path  the element holding the value
#   fixable     true when that element holds nothing else, so that a fix
#               can rewrite it
occurrence(_, _, w) := {
	"name": name,
	"value": substring(w.text, count(raw) + 1, -1),
	"form": "joined",
	"paths": [w.path],
	"value_path": w.path,
	"fixable": w.whole,
} if {
	contains(w.text, "=")
	raw := split(w.text, "=")[0]
	name := normalize(raw)
}

occurrence(ws, j, w) := {
	"name": name,
	"value": next.text,
	"form": "separate",
	"paths": [w.path, next.path],
	"value_path": next.path,
	"fixable": next.whole,
} if {
	not contains(w.text, "=")
	name := normalize(w.text)
	not name in boolean_flags
	next := ws[j + 1]
	not startswith(next.text, "-")
}

occurrence(ws, j, w) := {
	"name": name,
	"value": "true",
	"form": "bare",
	"paths": [w.path],
	"value_path": w.path,
	"fixable": w.whole,
} if {
	not contains(w.text, "=")
	name := normalize(w.text)
	bare(ws, j, name)
}

bare(_, _, name) if name in boolean_flags

bare(ws, j, _) if not ws[j + 1]

bare(ws, j, _) if startswith(ws[j + 1].text, "-")

normalize(raw) := concat("", ["--", trim_left(raw, "-")])

# Boolean flags take no separate value: "--profiling false" sets profiling
# to true and leaves a stray "false" behind.
boolean_flags := {
	"--allow-privileged", "--anonymous-auth", "--auto-tls", "--client-cert-auth",
	"--contention-profiling", "--enable-aggregator-routing", "--enable-bootstrap-token-auth",
	"--enable-garbage-collector", "--enable-pprof", "--enable-v2", "--leader-elect",
	"--peer-auto-tls", "--peer-client-cert-auth", "--profiling",
	"--service-account-extend-token-expiration", "--service-account-lookup",
	"--strict-reconfig-check", "--use-service-account-credentials",
}

# env_flags reads etcd's ETCD_* env vars: ETCD_CLIENT_CERT_AUTH=true is
# --client-cert-auth=true. Only literal values count.
env_flags(c, "etcd") := [{
	"name": concat("", ["--", lower(replace(substring(e.name, 5, -1), "_", "-"))]),
	"value": e.value,
	"form": "env",
	"paths": [p],
	"value_path": p,
	"fixable": true,
} |
	some i, e in object.get(c.container, "env", [])
	startswith(e.name, "ETCD_")
	is_string(e.value)
	p := concat("", [c.path, ".env[", format_int(i, 10), "].value"])
]

env_flags(_, name) := [] if name != "etcd"

# in_force maps each flag name to its last occurrence: for a flag given
# twice, the last value wins. object.union_n merges from left to right, and
# every occurrence has the same keys, so a later one replaces an earlier one
# whole.
in_force(occs) := object.union_n([{f.name: f} | some f in occs])

# Spellings of booleans that Go's strconv.ParseBool, and so pflag and etcd,
# accept.
false_values := {"0", "f", "F", "false", "FALSE", "False"}

true_values := {"1", "t", "T", "true", "TRUE", "True"}

# values is the set of the comma-separated values of a list flag over all
# its occurrences: list flags (--authorization-mode,
# --enable-admission-plugins, --tls-cipher-suites) add up when repeated.
values(s, name) := {v |
	some f in s.occurrences
	f.name == name
	some v in list_of(f)
}

# list_of is the set of the comma-separated values of one occurrence.
list_of(f) := {v |
	some part in split(f.value, ",")
	v := trim_space(part)
	v != ""
}

# occurrences_of lists the occurrences of a flag.
occurrences_of(s, name) := [f | some f in s.occurrences; f.name == name]

# set_value is the fix that gives a flag occurrence another value, or none
# when the occurrence shares its element with other words (a shell line), or
# when an empty value would have to stand alone in an element.
set_value(f, value) := [{"path": f.value_path, "value": concat("", [f.name, "=", value])}] if {
	f.fixable
	f.form in {"joined", "bare"}
} else := [{"path": f.value_path, "value": value}] if {
	f.fixable
	f.form in {"separate", "env"}
	value != ""
} else := []

# remove_value is the fix that takes one value out of a list flag occurrence.
remove_value(f, value) := set_value(f, concat(",", [v | some part in split(f.value, ","); v := trim_space(part); v != value]))

# add_flag is the fix that appends a flag to the container, or none when the
# flags are in a shell line.
add_flag(s, text) := [{"path": s.add, "value": text}] if {
	s.add != ""
} else := []

# where names a component container for messages.
where(s) := sprintf("%s in container %q of Pod %s/%s", [s.component, s.name, k8s.namespace(input), input.metadata.name])

# unset is true when a flag is absent or given an empty value.
unset(s, name) if not s.flags[name]

unset(s, name) if s.flags[name].value == ""

# set_flag is the occurrence in force of a flag that has a value.
set_flag(s, name) := f if {
	f := s.flags[name]
	f.value != ""
}

# missing_finding is the finding of a flag that must be set and is not:
# present with an empty value (failed at it), or absent (review the command).
missing_finding(s, name, message) := {"message": message, "failedPaths": s.flags[name].paths} if {
	s.flags[name].value == ""
} else := {"message": message, "reviewPaths": [s.review]}

# Admission plugins. --enable-admission-plugins adds to the plugins on by
# default and --disable-admission-plugins removes from them; the deprecated
# --admission-control replaces the default set with its own list.
default_admission_plugins := {
	"CertificateApproval", "CertificateSigning", "CertificateSubjectRestriction",
	"ClusterTrustBundleAttest", "DefaultIngressClass", "DefaultStorageClass",
	"DefaultTolerationSeconds", "LimitRanger", "MutatingAdmissionWebhook",
	"NamespaceLifecycle", "PersistentVolumeClaimResize", "PodSecurity", "Priority",
	"ResourceQuota", "RuntimeClass", "ServiceAccount", "StorageObjectInUseProtection",
	"TaintNodesByCondition", "ValidatingAdmissionPolicy", "ValidatingAdmissionWebhook",
}

# admission_enabled is true when the API server runs the admission plugin.
admission_enabled(s, plugin) if {
	not plugin in values(s, "--disable-admission-plugins")
	plugin in values(s, "--enable-admission-plugins")
}

admission_enabled(s, plugin) if {
	not plugin in values(s, "--disable-admission-plugins")
	plugin in values(s, "--admission-control")
}

admission_enabled(s, plugin) if {
	not plugin in values(s, "--disable-admission-plugins")
	plugin in default_admission_plugins
	not s.flags["--admission-control"]
}

# enable_plugin_finding is the finding of an admission plugin that the API
# server must run and does not. In order: the --disable-admission-plugins
# lists that name it are failed and the plugin taken out of them; else the
# last --enable-admission-plugins list (or the deprecated --admission-control
# list, which replaces the default set) is failed and extended; else the
# command is reviewed and the flag added.
enable_plugin_finding(s, plugin, message) := {
	"message": message,
	"failedPaths": [p | some f in disabling; some p in f.paths],
	"fixPaths": [fix | some f in disabling; some fix in remove_value(f, plugin)],
} if {
	disabling := [f | some f in occurrences_of(s, "--disable-admission-plugins"); plugin in list_of(f)]
	count(disabling) > 0
} else := {
	"message": message,
	"failedPaths": f.paths,
	"fixPaths": set_value(f, concat(",", [v | some v in array.concat(split(f.value, ","), [plugin]); v != ""])),
} if {
	f := plugin_list(s)
} else := {
	"message": message,
	"reviewPaths": [s.review],
	"fixPaths": add_flag(s, concat("", ["--enable-admission-plugins=", plugin])),
}

plugin_list(s) := f if {
	f := s.flags["--enable-admission-plugins"]
} else := f if {
	f := s.flags["--admission-control"]
}

# loopback is true for an address only reachable from the host itself.
loopback(address) if address in {"localhost", "::1", "[::1]"}

loopback(address) if regex.match(`^127\.[0-9]+\.[0-9]+\.[0-9]+$`, address)

# at_least is true when a flag value is a whole number no smaller than least.
at_least(value, least) if {
	regex.match(`^[0-9]+$`, value)
	to_number(value) >= least
}
