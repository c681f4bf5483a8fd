package kubescape.controls.c0259

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %q of %s %s receives a credential in env var %s (%s)", [k8s.container_label[c.kind], c.container.name, input.kind, input.metadata.name, env.name, source(env)]),
	"reviewPaths": [sprintf("%s.env[%d]", [c.path, j])],
	"related": related(env),
} if {
	some c in k8s.containers
	some j, env in c.container.env
	credential_name(env.name)
	not env.valueFrom.fieldRef
	not env.valueFrom.resourceFieldRef
}

deny contains {
	"message": sprintf("%s %s mounts a service account token for audience %q, to be exchanged for that party's credentials", [input.kind, input.metadata.name, src.serviceAccountToken.audience]),
	"reviewPaths": [sprintf("%s.volumes[%d].projected.sources[%d].serviceAccountToken.audience", [k8s.pod_path, i, j])],
} if {
	some i, v in k8s.pod_spec.volumes
	some j, src in v.projected.sources
	src.serviceAccountToken.audience != ""
}

# credential_name is true for a cloud credential variable or a name that
# contains one of sensitiveKeyNames.
credential_name(name) if upper(name) in cloud_credentials

credential_name(name) if regex.match(credential_pattern, lower(name))

# credential_pattern matches a name that contains one of sensitiveKeyNames:
# one regular expression, built once per evaluated object with env vars.
# When every name is a plain word (letters, digits, "_", "-"), as the
# defaults are, it is their list joined with "|", made with a few builtin
# calls; otherwise each name is trimmed and quoted. Undefined when no name
# is configured.
credential_pattern := replace(joined, "\u0000", "|") if {
	names := data.inputs.sensitiveKeyNames
	joined := lower(concat("\u0000", names))
	regex.match(`^[a-z0-9_-]+(\x00[a-z0-9_-]+)*$`, joined)
	count(split(joined, "\u0000")) == count(names)
} else := concat("|", quoted) if {
	quoted := [regex.replace(needle, `[\\.+*?()|\[\]{}^$]`, `\$0`) |
		some n in data.inputs.sensitiveKeyNames
		needle := lower(trim_space(n))
		needle != ""
	]
	count(quoted) > 0
}

cloud_credentials := {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD",
	"GOOGLE_APPLICATION_CREDENTIALS",
}

source(env) := sprintf("from Secret %s", [env.valueFrom.secretKeyRef.name]) if {
	env.valueFrom.secretKeyRef.name
} else := sprintf("from ConfigMap %s", [env.valueFrom.configMapKeyRef.name]) if {
	env.valueFrom.configMapKeyRef.name
} else := "as a literal value"

related(env) := [{"apiVersion": "v1", "kind": "Secret", "namespace": k8s.namespace(input), "name": env.valueFrom.secretKeyRef.name}] if {
	env.valueFrom.secretKeyRef.name
} else := [{"apiVersion": "v1", "kind": "ConfigMap", "namespace": k8s.namespace(input), "name": env.valueFrom.configMapKeyRef.name}] if {
	env.valueFrom.configMapKeyRef.name
} else := []
