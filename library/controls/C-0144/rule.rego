package kubescape.controls.c0144

import data.kubescape.lib.controlplane

deny contains finding if {
	some s in controlplane.controller_manager
	finding := check(s)
}

# check finds a threshold that is not a whole number from 1 to
# terminatedPodGcThreshold, or none.
check(s) := {
	"message": sprintf("%s sets --terminated-pod-gc-threshold=%s, not a whole number from 1 to %v: terminated Pods pile up in etcd", [controlplane.where(s), f.value, data.inputs.terminatedPodGcThreshold]),
	"failedPaths": f.paths,
	"fixPaths": controlplane.set_value(f, format_int(data.inputs.terminatedPodGcThreshold, 10)),
} if {
	f := s.flags["--terminated-pod-gc-threshold"]
	not within(f.value)
} else := {
	"message": sprintf("%s does not set --terminated-pod-gc-threshold: 12500 terminated Pods are kept before any is deleted", [controlplane.where(s)]),
	"reviewPaths": [s.review],
	"fixPaths": controlplane.add_flag(s, sprintf("--terminated-pod-gc-threshold=%d", [data.inputs.terminatedPodGcThreshold])),
} if {
	not s.flags["--terminated-pod-gc-threshold"]
}

within(value) if {
	controlplane.at_least(value, 1)
	to_number(value) <= data.inputs.terminatedPodGcThreshold
}
