package kubescape.controls.c0189

import data.kubescape.lib.k8s
import data.kubescape.lib.rbac

deny contains {
	"message": sprintf("ServiceAccount %s/default sets automountServiceAccountToken to true: every pod of the namespace that names no service account carries its token", [k8s.namespace(input)]),
	"failedPaths": ["automountServiceAccountToken"],
	"fixPaths": [{"path": "automountServiceAccountToken", "value": "false"}],
} if {
	input.kind == "ServiceAccount"
	input.metadata.name == "default"
	input.automountServiceAccountToken == true
}

deny contains {
	"message": sprintf("ServiceAccount %s/default does not set automountServiceAccountToken to false: every pod of the namespace that names no service account carries its token", [k8s.namespace(input)]),
	"fixPaths": [{"path": "automountServiceAccountToken", "value": "false"}],
} if {
	input.kind == "ServiceAccount"
	input.metadata.name == "default"
	not is_boolean(object.get(input, "automountServiceAccountToken", null))
}

deny contains {
	"message": sprintf("%s %s grants %s %s to %s", [input.kind, input.metadata.name, input.roleRef.kind, input.roleRef.name, holders]),
	"failedPaths": [sprintf("subjects[%d]", [i])],
} if {
	input.kind in {"RoleBinding", "ClusterRoleBinding"}
	some i, subject in input.subjects
	holders := default_accounts(subject)
	not rbac.builtin_subject(input, subject)
}

deny contains {
	"message": sprintf("Namespace %s: its default ServiceAccount is not among the scanned objects, so the API server creates it with token automounting on", [input.metadata.name]),
	"reviewPaths": ["metadata.name"],
} if {
	input.kind == "Namespace"
	not declares_default
}

declares_default if {
	some sa in kubescape.inventory(input.metadata.name, "ServiceAccount")
	sa.metadata.name == "default"
}

# default_accounts(subject) names the default service accounts a binding
# subject stands for; undefined for other subjects.
default_accounts(subject) := sprintf("the default ServiceAccount of namespace %s", [ns]) if {
	subject.kind == "ServiceAccount"
	subject.name == "default"
	ns := object.get(subject, "namespace", k8s.namespace(input))
} else := sprintf("the default ServiceAccount of namespace %s (as User %s)", [parts[2], subject.name]) if {
	subject.kind == "User"
	startswith(subject.name, "system:serviceaccount:")
	parts := split(subject.name, ":")
	count(parts) == 4
	parts[3] == "default"
} else := "every service account of the cluster, default ones included (Group system:serviceaccounts)" if {
	subject.kind == "Group"
	subject.name == "system:serviceaccounts"
} else := sprintf("every service account of namespace %s, the default one included (Group %s)", [substring(subject.name, 23, -1), subject.name]) if {
	subject.kind == "Group"
	startswith(subject.name, "system:serviceaccounts:")
}
