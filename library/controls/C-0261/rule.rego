package kubescape.controls.c0261

import data.kubescape.lib.k8s
import data.kubescape.lib.rbac

deny contains object.union(rbac.token_finding_paths, {
	"message": sprintf("%s %s mounts the token of ServiceAccount %s/%s, to which the scanned bindings give permissions (%s): a process in any of its containers can use them", [
		input.kind, input.metadata.name, k8s.namespace(input), rbac.workload_sa_name,
		concat(", ", sort([sprintf("%s %s", [b.kind, b.metadata.name]) | some b in rbac.workload_bindings])),
	]),
	"related": array.concat(
		array.concat([k8s.ref(sa) | some sa in [rbac.workload_service_account]], [k8s.ref(b) | some b in rbac.workload_bindings]),
		[ref | some ref in {k8s.ref(wr.role) | some wr in rbac.workload_roles}],
	),
}) if {
	rbac.token_mounted
	count(rbac.workload_bindings) > 0
}
