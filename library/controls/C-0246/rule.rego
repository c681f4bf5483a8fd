package kubescape.controls.c0246

import data.kubescape.lib.rbac

deny contains {
	"message": sprintf("CertificateSigningRequest %s asks the signer %s for a certificate for %q in the group system:masters, which bypasses RBAC and cannot be revoked", [
		input.metadata.name, object.get(input.spec, "signerName", "(none)"), request.Subject.CommonName,
	]),
	"failedPaths": ["spec.request"],
	"reviewPaths": [p | some p in ["spec.username"]; input.spec.username],
} if {
	input.kind == "CertificateSigningRequest"
	not turned_down
	request := crypto.x509.parse_certificate_request(input.spec.request)
	"system:masters" in request.Subject.Organization
}

deny contains {
	"message": sprintf("%s %s names the group system:masters, whose members bypass RBAC: the binding grants them nothing and shows the group in use", [input.kind, input.metadata.name]),
	"failedPaths": [sprintf("subjects[%d]", [i])],
} if {
	input.kind in {"RoleBinding", "ClusterRoleBinding"}
	some i, subject in input.subjects
	subject.kind == "Group"
	subject.name == "system:masters"
	not rbac.builtin_subject(input, subject)
}

# turned_down is true for a request that was denied or failed: no
# certificate was issued.
turned_down if {
	some condition in input.status.conditions
	condition.type in {"Denied", "Failed"}
	condition.status != "False"
}
