package kubescape.controls.c0192

import data.kubescape.lib.network

deny contains {
	"message": sprintf("Namespace %s has no active admission policy: Pod Security Admission enforces %s, and no ValidatingAdmissionPolicy with the Deny action or validating webhook checks the pods created in it", [input.metadata.name, level_label]),
	"failedPaths": [path | path := network.psa_enforce_path; labelled],
	"fixPaths": [{"path": network.psa_enforce_path, "value": "baseline"}],
} if {
	input.kind == "Namespace"
	not input.metadata.name in data.inputs.podSecurityExemptNamespaces
	not network.enforces("baseline")
	count(network.pod_policies(input)) == 0
	count(network.input_webhooks) == 0
}

labelled if network.psa_enforce_label in object.keys(network.as_object(object.get(input, ["metadata", "labels"], {})))

level_label := sprintf("the level %q, which forbids nothing", [network.enforced_level]) if {
	labelled
} else := "nothing (no enforce label)"
