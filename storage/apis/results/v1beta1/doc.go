// Package v1beta1 is version v1beta1 of the results.kubescape.io API group:
// the objects in which Kubescape's components keep what they found
// (SBOMs, vulnerability manifests, configuration scans, learned application
// profiles and network neighbourhoods, seccomp profiles, runtime alerts),
// served by the storage aggregated API server.
//
// The API group has this one version and no separate internal types: the
// install package registers these same Go types as the internal version too.
//
// +k8s:deepcopy-gen=package
// +k8s:openapi-gen=true
// +k8s:defaulter-gen=TypeMeta
// +k8s:openapi-model-package=io.kubescape.results.v1beta1
// +groupName=results.kubescape.io
package v1beta1
