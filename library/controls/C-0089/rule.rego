package kubescape.controls.c0089

import data.kubescape.lib.controlplane

deny contains {
	"message": sprintf("%s runs version %s, affected by CVE-2022-3172: an aggregated API server can redirect the API server's requests, with client credentials, to any address", [controlplane.where(s), version]),
	"failedPaths": [concat("", [s.path, ".image"])],
} if {
	some s in controlplane.apiserver
	[[_, version, minor, patch]] := regex.find_all_string_submatch_n(`:v?(1\.([0-9]+)\.([0-9]+))(?:[-+_.][^/:]*)?$`, split(s.image, "@")[0], 1)
	affected(to_number(minor), to_number(patch))
}

# First fixed patch of each affected minor; every release before 1.22 is affected.
fixed := {22: 14, 23: 11, 24: 5, 25: 1}

affected(minor, _) if minor < 22

affected(minor, patch) if patch < fixed[minor]
