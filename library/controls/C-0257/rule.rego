package kubescape.controls.c0257

import data.kubescape.lib.k8s

deny contains {
	"message": sprintf("%s %s mounts PersistentVolumeClaim %s as volume %q", [input.kind, input.metadata.name, name, v.name]),
	"reviewPaths": [sprintf("%s.volumes[%d].persistentVolumeClaim.claimName", [k8s.pod_path, i])],
	"related": [{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": k8s.namespace(input), "name": name}],
} if {
	some i, v in k8s.pod_spec.volumes
	name := v.persistentVolumeClaim.claimName
}

deny contains {
	"message": sprintf("%s %s mounts a persistent volume claimed for each pod (generic ephemeral volume %q)", [input.kind, input.metadata.name, v.name]),
	"reviewPaths": [sprintf("%s.volumes[%d].ephemeral.volumeClaimTemplate", [k8s.pod_path, i])],
} if {
	some i, v in k8s.pod_spec.volumes
	v.ephemeral.volumeClaimTemplate
}

deny contains {
	"message": sprintf("StatefulSet %s claims a persistent volume for each replica (volumeClaimTemplate %s)", [input.metadata.name, t.metadata.name]),
	"reviewPaths": [sprintf("spec.volumeClaimTemplates[%d]", [i])],
} if {
	input.kind == "StatefulSet"
	some i, t in input.spec.volumeClaimTemplates
}
