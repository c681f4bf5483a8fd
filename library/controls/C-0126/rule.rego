package kubescape.controls.c0126

import data.kubescape.lib.controlplane

deny contains controlplane.enable_plugin_finding(s, "NamespaceLifecycle", sprintf("%s does not run the NamespaceLifecycle admission plugin: objects can be created in namespaces that are being deleted or do not exist, and the system namespaces can be deleted", [controlplane.where(s)])) if {
	some s in controlplane.apiserver
	not controlplane.admission_enabled(s, "NamespaceLifecycle")
}
