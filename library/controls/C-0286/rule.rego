package kubescape.controls.c0286

deny contains {
	"message": sprintf("CertificateSigningRequest %s asks the signer %s for a client certificate for the user %q%s: certificates cannot be revoked before they expire", [
		input.metadata.name, input.spec.signerName, request.Subject.CommonName, groups_label(request.Subject.Organization),
	]),
	"failedPaths": ["spec.request"],
	"reviewPaths": [p | some p in ["spec.username"]; input.spec.username],
} if {
	input.kind == "CertificateSigningRequest"
	input.spec.signerName in {"kubernetes.io/kube-apiserver-client", "kubernetes.io/legacy-unknown"}
	not turned_down
	request := crypto.x509.parse_certificate_request(input.spec.request)
	not startswith(request.Subject.CommonName, "system:")
}

groups_label(orgs) := sprintf(" in the groups %s", [concat(", ", orgs)]) if count(orgs) > 0

groups_label(orgs) := "" if count(orgs) == 0

groups_label(null) := ""

# turned_down is true for a request that was denied or failed: no
# certificate was issued.
turned_down if {
	some condition in input.status.conditions
	condition.type in {"Denied", "Failed"}
	condition.status != "False"
}
