package kubescape.controls.c0034

import data.kubescape.lib.k8s

automount_path := sprintf("%s.automountServiceAccountToken", [k8s.pod_path])

fix_workload := [{"path": automount_path, "value": "false"}]

deny contains {
	"message": sprintf("%s %s sets automountServiceAccountToken to true in its pod spec: every container gets the token of service account %s", [input.kind, input.metadata.name, sa_name]),
	"failedPaths": [automount_path],
	"fixPaths": fix_workload,
	"related": [k8s.ref(sa) | some sa in [service_account]],
} if {
	k8s.pod_spec.automountServiceAccountToken == true
}

deny contains {
	"message": sprintf("%s %s mounts the token of service account %s into every container: neither its pod spec nor the ServiceAccount sets automountServiceAccountToken to false", [input.kind, input.metadata.name, sa_name]),
	"fixPaths": fix_workload,
	"related": [k8s.ref(sa)],
} if {
	k8s.is_workload
	not has_pod_setting
	sa := service_account
	not sa.automountServiceAccountToken == false
}

deny contains {
	"message": sprintf("%s %s mounts the token of service account %s into every container: its pod spec does not set automountServiceAccountToken to false, and the ServiceAccount is not among the scanned objects", [input.kind, input.metadata.name, sa_name]),
	"fixPaths": fix_workload,
} if {
	k8s.is_workload
	not has_pod_setting
	not service_account
}

deny contains {
	"message": sprintf("ServiceAccount %s sets automountServiceAccountToken to true: pods that run as it get its token unless they opt out", [input.metadata.name]),
	"failedPaths": ["automountServiceAccountToken"],
	"fixPaths": [{"path": "automountServiceAccountToken", "value": "false"}],
} if {
	input.kind == "ServiceAccount"
	input.automountServiceAccountToken == true
}

deny contains {
	"message": sprintf("ServiceAccount %s does not set automountServiceAccountToken to false: pods that run as it get its token unless they opt out", [input.metadata.name]),
	"fixPaths": [{"path": "automountServiceAccountToken", "value": "false"}],
} if {
	input.kind == "ServiceAccount"
	not is_boolean(object.get(input, "automountServiceAccountToken", null))
}

# has_pod_setting is true when the pod spec decides for itself.
has_pod_setting if is_boolean(k8s.pod_spec.automountServiceAccountToken)

# sa_name is the service account the pods run as.
sa_name := name if {
	name := k8s.pod_spec.serviceAccountName
	name != ""
} else := name if {
	name := k8s.pod_spec.serviceAccount
	name != ""
} else := "default"

# service_account is the ServiceAccount the pods run as, from the scanned
# objects in the workload's namespace; undefined when it is not among them.
service_account := found[0] if {
	found := [sa | some sa in k8s.namespaced("ServiceAccount"); sa.metadata.name == sa_name]
	count(found) > 0
}
