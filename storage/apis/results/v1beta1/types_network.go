package v1beta1

import (
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// GeneratedNetworkPolicy is a NetworkPolicy that allows exactly the traffic
// a workload was seen having (its NetworkNeighborhood), ready to review and
// apply, with the known servers and DNS names its IP blocks stand for.
// Written by the storage server or the operator from the neighbourhood; one
// per workload.
type GeneratedNetworkPolicy struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. Defaulting sets the kubescape.io/workload-*
	// labels from spec.workload.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the policy and what its peers stand for.
	Spec GeneratedNetworkPolicySpec `json:"spec"`
}

// GeneratedNetworkPolicySpec is a generated NetworkPolicy.
type GeneratedNetworkPolicySpec struct {
	// Workload is the workload the policy is for.
	Workload WorkloadReference `json:"workload"`
	// NetworkPolicy is the generated policy, a complete networking.k8s.io/v1
	// NetworkPolicy (apiVersion, kind, metadata and spec) that can be
	// extracted and applied as it is.
	NetworkPolicy networkingv1.NetworkPolicy `json:"networkPolicy"`
	// PolicyRefs tell what the IP blocks of the policy stand for (a known
	// server, a DNS name).
	// +optional
	// +listType=atomic
	PolicyRefs []PolicyRef `json:"policyRefs,omitempty"`
}

// PolicyRef tells what an IP block of a generated policy stands for.
type PolicyRef struct {
	// IPBlock is the CIDR of the policy's peer, e.g. 140.82.112.0/20.
	IPBlock string `json:"ipBlock"`
	// OriginalIP is the address the workload was seen talking to, inside ipBlock.
	// +optional
	OriginalIP string `json:"originalIP,omitempty"`
	// DNS is the DNS name the workload resolved to reach it.
	// +optional
	DNS string `json:"dns,omitempty"`
	// Name is the name of the known server the block belongs to, e.g. github.
	// +optional
	Name string `json:"name,omitempty"`
	// Server is the name of the KnownServer object it came from.
	// +optional
	Server string `json:"server,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// GeneratedNetworkPolicyList is a list of GeneratedNetworkPolicies.
type GeneratedNetworkPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the GeneratedNetworkPolicies.
	Items []GeneratedNetworkPolicy `json:"items"`
}

// +genclient
// +genclient:nonNamespaced
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// KnownServer is a list of address ranges of well-known services (a cloud
// provider's API, a package registry, a SaaS), so that generated network
// policies allow the service's whole range and name it, instead of the one
// address the workload happened to reach. Cluster-scoped; written by the
// cluster administrator or shipped with the operator.
type KnownServer struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the address ranges.
	Spec KnownServerSpec `json:"spec"`
}

// KnownServerSpec is the address ranges of known servers.
type KnownServerSpec struct {
	// Entries are the address ranges, one per CIDR.
	// +optional
	// +listType=map
	// +listMapKey=ipBlock
	// +patchStrategy=merge
	// +patchMergeKey=ipBlock
	Entries []KnownServerEntry `json:"entries,omitempty" patchStrategy:"merge" patchMergeKey:"ipBlock"`
}

// KnownServerEntry is one address range of a known server.
type KnownServerEntry struct {
	// IPBlock is the CIDR of the range, e.g. 140.82.112.0/20.
	IPBlock string `json:"ipBlock"`
	// Name is the name of the service, e.g. github.
	Name string `json:"name"`
	// Server is the host name of the service, e.g. github.com.
	// +optional
	Server string `json:"server,omitempty"`
	// DNSNames are DNS names that resolve into the range.
	// +optional
	// +listType=set
	DNSNames []string `json:"dnsNames,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// KnownServerList is a list of KnownServers.
type KnownServerList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the KnownServers.
	Items []KnownServer `json:"items"`
}
