package kubescape.controls.c0288

deny contains {
	"message": sprintf("Secret %s is a bootstrap token that authenticates to the API server and never expires: a standing shared credential rather than a token for joining nodes", [input.metadata.name]),
	"failedPaths": [sprintf("%s.usage-bootstrap-authentication", [usage.field])],
} if {
	input.type == "bootstrap.kubernetes.io/token"
	some usage in values("usage-bootstrap-authentication")
	usage.value == "true"
	count(values("expiration")) == 0
}

# values(key) holds the values of a key of the Secret, each as
# {"field": "data" or "stringData", "value": the decoded value}; data values
# that are not valid base64 are left out.
values(key) := {{"field": "stringData", "value": v} | v := input.stringData[key]} | {{"field": "data", "value": base64.decode(v)} |
	v := input.data[key]
	base64.is_valid(v)
}
