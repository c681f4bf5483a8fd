package kubescape.controls.c0190

import data.kubescape.lib.k8s
import data.kubescape.lib.workloads

deny contains {
	"message": sprintf("%s %s gets the token of ServiceAccount %s by default: neither its pod spec nor the ServiceAccount sets automountServiceAccountToken", [input.kind, input.metadata.name, workloads.service_account_name]),
	"fixPaths": [{"path": concat("", [k8s.pod_path, ".automountServiceAccountToken"]), "value": "false"}],
	"related": [k8s.ref(sa) | sa := workloads.service_account],
} if {
	k8s.is_workload
	not decided
}

deny contains {
	"message": sprintf("ServiceAccount %s does not set automountServiceAccountToken: the pods that run as it get its token unless they decide otherwise", [input.metadata.name]),
	"fixPaths": [{"path": "automountServiceAccountToken", "value": "false"}],
} if {
	input.kind == "ServiceAccount"
	not is_boolean(object.get(input, "automountServiceAccountToken", null))
}

# decided is true when the pod spec, else the ServiceAccount the pods run as,
# sets automountServiceAccountToken either way.
decided if is_boolean(k8s.pod_spec.automountServiceAccountToken)

decided if is_boolean(workloads.service_account.automountServiceAccountToken)
