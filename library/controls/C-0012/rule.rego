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
	not sensitive_name(key)
	some shape in credential_shapes(value)
}

sensitive_name(name) if {
	some s in data.inputs.sensitiveKeyNames
	needle := lower(trim_space(s))
	needle != ""
	contains(lower(name), needle)
}

# may_hold_credential is false for values that cannot be a credential.
may_hold_credential(value) if {
	is_string(value)
	trim_space(value) != ""
	not lower(value) in {"true", "false"}
	not regex.match(`^\$\([A-Za-z_][A-Za-z0-9_.-]*\)$`, value)
	not value in data.inputs.sensitiveValuesAllowed
}

credential_shapes(value) := {shape |
	some shape, pattern in shape_patterns
	regex.match(pattern, value)
}

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
