package kubescape.controls.c0122

import data.kubescape.lib.controlplane

deny contains {
	"message": sprintf("%s enables the AlwaysAdmit admission plugin in %s=%s: it admits every request unchecked", [controlplane.where(s), f.name, f.value]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.remove_value(f, "AlwaysAdmit"),
} if {
	some s in controlplane.apiserver
	some f in s.occurrences
	f.name in {"--enable-admission-plugins", "--admission-control"}
	"AlwaysAdmit" in controlplane.list_of(f)
	controlplane.admission_enabled(s, "AlwaysAdmit")
}
