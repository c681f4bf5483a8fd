package kubescape.controls.c0053

import data.kubescape.lib.k8s
import data.kubescape.lib.rbac

deny contains {
	"message": sprintf("%s %s gives %s, whose tokens %s, the permissions of %s %s %s (%d rules on resources)", [
		input.kind, input.metadata.name, rbac.subject_label(input, subject), mount_label(subject),
		rbac.input_role.kind, rbac.input_role.metadata.name, rbac.scope_label(input), count(power_entries),
	]),
	"failedPaths": [sprintf("subjects[%d]", [i])],
	"reviewPaths": ["roleRef.name"],
	"related": array.concat(related_roles, [k8s.ref(sa) | some sa in [service_account(subject)]]),
} if {
	some i, subject in input.subjects
	rbac.service_account_subject(subject)
	count(power_entries) > 0
	not rbac.builtin_subject(input, subject)
	not opted_out(subject)
}

# power_entries are the rules in force for the bound role that grant a
# permission on resources other than the self-review APIs.
power_entries := [e | some e in rbac.input_entries; grants_power(e.rule)]

grants_power(rule) if {
	count(object.get(rule, "verbs", [])) > 0
	some resource in object.get(rule, "resources", [])
	not rbac.self_review_resources[resource]
	rbac.in_binding_scope(input, resource)
}

# related_roles names the bound role, then the aggregated roles the rules
# come from.
related_roles := array.concat([role_ref], [ref |
	some ref in {k8s.ref(e.source) | some e in power_entries}
	ref != role_ref
]) if role_ref := k8s.ref(rbac.input_role)

# account(subject) is [namespace, name] of the one service account a subject names.
account(subject) := [rbac.subject_namespace(input, subject), subject.name] if subject.kind == "ServiceAccount"

account(subject) := [parts[2], parts[3]] if {
	subject.kind == "User"
	parts := split(subject.name, ":")
	count(parts) == 4
}

service_account(subject) := found[0] if {
	[ns, name] := account(subject)
	found := [sa | some sa in rbac.namespaced_in(ns, "ServiceAccount"); sa.metadata.name == name]
	count(found) > 0
}

opted_out(subject) if service_account(subject).automountServiceAccountToken == false

mount_label(subject) := "its pods mount unless they opt out" if account(subject)

mount_label(subject) := "their pods mount unless they opt out" if not account(subject)
