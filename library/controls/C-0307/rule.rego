package kubescape.controls.c0307

import data.kubescape.lib.k8s
import data.kubescape.lib.network

deny contains {
	"message": sprintf("%s %s runs its pods as ServiceAccount %s, which does not exist in namespace %s", [input.kind, input.metadata.name, account, network.namespace]),
	"failedPaths": [account_path],
} if {
	k8s.is_workload
	account := network.service_account
	account != "default"
	not account_exists(account)
}

account_exists(account) if {
	some sa in network.in_namespace(network.namespace, "ServiceAccount")
	sa.metadata.name == account
}

# account_path is the field that names the ServiceAccount: serviceAccountName,
# else the deprecated serviceAccount.
account_path := concat(".", [k8s.pod_path, "serviceAccountName"]) if {
	object.get(k8s.pod_spec, "serviceAccountName", "") != ""
} else := concat(".", [k8s.pod_path, "serviceAccount"])
