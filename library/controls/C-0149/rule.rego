package kubescape.controls.c0149

import data.kubescape.lib.controlplane

deny contains {
	"message": sprintf("%s turns the RotateKubeletServerCertificate feature gate off in --feature-gates=%s: kubelet serving certificates are not rotated", [controlplane.where(s), last.flag.value]),
	"failedPaths": last.flag.paths,
	"fixPaths": controlplane.set_value(last.flag, replace(last.flag.value, last.setting, "RotateKubeletServerCertificate=true")),
} if {
	some s in controlplane.controller_manager
	settings := [{"flag": f, "setting": setting, "value": value} |
		some f in controlplane.occurrences_of(s, "--feature-gates")
		some part in split(f.value, ",")
		setting := trim_space(part)
		[gate, value] := split(setting, "=")
		gate == "RotateKubeletServerCertificate"
	]
	last := settings[count(settings) - 1]
	last.value in controlplane.false_values
}
