package kubescape.controls.c0264

import data.kubescape.lib.k8s

# A StorageClass of a provisioner that encrypts only when asked, not asked.
deny contains {
	"message": sprintf("StorageClass %s provisions %s volumes without encryption: parameters.encrypted is not \"true\"", [input.metadata.name, input.provisioner]),
	"failedPaths": [p | p := "parameters.encrypted"; object.get(input, ["parameters", "encrypted"], null) != null],
	"fixPaths": [{"path": "parameters.encrypted", "value": "true"}],
} if {
	input.kind == "StorageClass"
	class(input.provisioner) == "parameter"
	not encrypted(input)
}

deny contains {
	"message": sprintf("StorageClass %s: whether provisioner %s encrypts its volumes at rest cannot be read from the objects", [input.metadata.name, input.provisioner]),
	"reviewPaths": ["provisioner"],
} if {
	input.kind == "StorageClass"
	class(input.provisioner) == "unknown"
}

# A PersistentVolume of such a provisioner whose StorageClass does not encrypt.
deny contains {
	"message": sprintf("PersistentVolume %s is not encrypted: its StorageClass %s does not set parameters.encrypted to \"true\"", [input.metadata.name, sc.metadata.name]),
	"failedPaths": ["spec.storageClassName"],
	"related": [k8s.ref(sc)],
} if {
	input.kind == "PersistentVolume"
	not pv_encrypted
	some sc in storage_class
	class(sc.provisioner) == "parameter"
	not encrypted(sc)
}

deny contains {
	"message": sprintf("PersistentVolume %s: whether its %s volume is encrypted at rest cannot be read from the objects", [input.metadata.name, driver.name]),
	"reviewPaths": [driver.path],
} if {
	input.kind == "PersistentVolume"
	not pv_encrypted
	class(driver.name) != "platform"
	not storage_class_decides
}

# Provisioners whose volumes the platform always encrypts.
platform := {
	"disk.csi.azure.com", "kubernetes.io/azure-disk", "file.csi.azure.com", "kubernetes.io/azure-file",
	"pd.csi.storage.gke.io", "kubernetes.io/gce-pd", "filestore.csi.storage.gke.io",
}

# Provisioners that encrypt when the StorageClass parameter encrypted is "true".
by_parameter := {"ebs.csi.aws.com", "kubernetes.io/aws-ebs", "driver.longhorn.io"}

class(name) := "platform" if {
	name in platform
} else := "parameter" if {
	name in by_parameter
} else := "parameter" if {
	endswith(name, "rbd.csi.ceph.com")
} else := "unknown"

encrypted(sc) if lower(sprintf("%v", [sc.parameters.encrypted])) == "true"

# In-tree volume sources and the provisioner they correspond to; the others
# keep their field name.
in_tree := {
	"awsElasticBlockStore": "kubernetes.io/aws-ebs",
	"gcePersistentDisk": "kubernetes.io/gce-pd",
	"azureDisk": "kubernetes.io/azure-disk",
	"azureFile": "kubernetes.io/azure-file",
}

non_sources := {"accessModes", "capacity", "claimRef", "mountOptions", "nodeAffinity", "persistentVolumeReclaimPolicy", "storageClassName", "volumeMode", "volumeAttributesClassName"}

# driver is the PersistentVolume's CSI driver or in-tree volume source, as
# {"name", "path"}.
driver := {"name": input.spec.csi.driver, "path": "spec.csi.driver"} if {
	input.spec.csi.driver
} else := {"name": object.get(in_tree, field, field), "path": concat(".", ["spec", field])} if {
	fields := [f | some f, _ in input.spec; not f in non_sources; f != "csi"]
	count(fields) > 0
	field := fields[0]
} else := {"name": "unknown", "path": "spec"}

pv_encrypted if lower(sprintf("%v", [input.spec.csi.volumeAttributes.encrypted])) == "true"

pv_encrypted if class(driver.name) == "platform"

storage_class := [sc |
	name := input.spec.storageClassName
	name != ""
	some sc in k8s.cluster("StorageClass")
	sc.metadata.name == name
]

# The StorageClass decides when it is known and of a provisioner whose
# encryption its parameters set.
storage_class_decides if {
	some sc in storage_class
	class(sc.provisioner) == "parameter"
}
