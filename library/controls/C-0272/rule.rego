package kubescape.controls.c0272

import data.kubescape.lib.k8s
import data.kubescape.lib.rbac

deny contains object.union(rbac.token_finding_paths, {
	"message": sprintf("%s %s runs as ServiceAccount %s/%s with its token mounted, and %s %s makes that account an administrator %s: %s %s %s", [
		input.kind, input.metadata.name, k8s.namespace(input), rbac.workload_sa_name,
		wr.binding.kind, wr.binding.metadata.name, rbac.scope_label(wr.binding),
		wr.role.kind, wr.role.metadata.name, reason,
	]),
	"related": array.concat(
		[k8s.ref(wr.binding), k8s.ref(wr.role)],
		[src | some src in rbac.admin_sources(wr.entries); src != k8s.ref(wr.role)],
	),
}) if {
	rbac.token_mounted
	some wr in rbac.workload_roles
	reason := rbac.admin_reason(wr.binding, wr.entries)
}
