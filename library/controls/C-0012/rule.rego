package kubescape.controls.c0012

import data.kubescape.lib.k8s

# Env vars with a literal value whose name marks a credential.
deny contains {
	"message": sprintf("%s %q of %s %s sets env var %q, whose name marks a credential, to a literal value", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, env.name]),
	"failedPaths": [sprintf("%s.env[%d].value", [c.path, i])],
} if {
	some c in k8s.containers
	some i, env in c.container.env
	may_hold_credential(env.value)
	sensitive_name(env.name)
}

# Env vars whose literal value has the shape of a credential, whatever their name.
deny contains {
	"message": sprintf("%s %q of %s %s sets env var %q to a literal value that looks like %s", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, env.name, shape]),
	"failedPaths": [sprintf("%s.env[%d].value", [c.path, i])],
} if {
	some c in k8s.containers
	some i, env in c.container.env
	may_hold_credential(env.value)
	regex.match(any_shape_pattern, env.value)
	not sensitive_name(env.name)
	some shape in credential_shapes(env.value)
}

# ConfigMap keys whose name marks a credential.
deny contains {
	"message": sprintf("ConfigMap %s holds key %q, whose name marks a credential", [input.metadata.name, key]),
	"failedPaths": [key_path(field, key)],
} if {
	input.kind == "ConfigMap"
	some field in ["data", "binaryData"]
	some key, value in input[field]
	may_hold_credential(value)
	sensitive_name(key)
}

# ConfigMap values that have the shape of a credential, whatever the key.
deny contains {
	"message": sprintf("ConfigMap %s holds key %q, whose value looks like %s", [input.metadata.name, key, shape]),
	"failedPaths": [key_path("data", key)],
} if {
	input.kind == "ConfigMap"
	some key, value in input.data
	may_hold_credential(value)
	regex.match(any_shape_pattern, value)
	not sensitive_name(key)
	some shape in credential_shapes(value)
}

# sensitive_name is true when the name contains one of sensitiveKeyNames,
# ignoring case: one regular expression, built once per evaluation from the
# names lowercased, trimmed and quoted, matched against the name lowercased.
sensitive_name(name) if regex.match(sensitive_pattern, lower(name))

# Fast path: when every name is a plain word (letters, digits, "_", "-"), as
# the defaults are, the names need neither trimming nor quoting, and the
# pattern is their list joined with "|".
sensitive_pattern := replace(joined, "\u0000", "|") if {
	names := data.inputs.sensitiveKeyNames
	joined := lower(concat("\u0000", names))
	regex.match(`^[a-z0-9_-]+(\x00[a-z0-9_-]+)*$`, joined)
	count(split(joined, "\u0000")) == count(names)
} else := concat("|", [quoted |
	some needle in sensitive_needles
	quoted := regex.replace(needle, `[\\.+*?()|\[\]{}^$]`, `\$0`)
]) if {
	# Undefined when no name is configured, so that nothing is sensitive.
	count(sensitive_needles) > 0
}

sensitive_needles := {needle |
	some s in data.inputs.sensitiveKeyNames
	needle := lower(trim_space(s))
	needle != ""
}

# may_hold_credential is false for values that cannot be a credential.
may_hold_credential(value) if {
	is_string(value)
	trim_space(value) != ""
	not lower(value) in {"true", "false"}
	not variable_reference(value)
	not value in data.inputs.sensitiveValuesAllowed
}

# A $(VAR) reference to another env var, expanded by the kubelet.
variable_reference(value) if {
	startswith(value, "$(")
	regex.match(`^\$\([A-Za-z_][A-Za-z0-9_.-]*\)$`, value)
}

credential_shapes(value) := {shape |
	some shape, pattern in shape_patterns
	regex.match(pattern, value)
}

# any_shape_pattern matches a value that has at least one of the shapes, so
# that most values are ruled out with one match.
any_shape_pattern := concat("|", [concat("", ["(?:", pattern, ")"]) | some pattern in shape_patterns])

shape_patterns := {
	"a PEM private key": `-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----`,
	"an AWS access key ID": `(^|[^A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}([^A-Z0-9]|$)`,
	"a GitHub token": `(^|[^A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{50,})`,
	"a Slack token": `(^|[^A-Za-z0-9])xox[abposr]-[0-9A-Za-z-]{10,}`,
}

# key_path names a data key as a path: data.KEY, or data["key.name"] when the key is not an identifier.
key_path(field, key) := sprintf("%s.%s", [field, key]) if {
	regex.match(`^[A-Za-z_][A-Za-z0-9_]*$`, key)
} else := sprintf("%s[%q]", [field, key])
