package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ApplicationProfile is what the containers of one workload were seen doing
// by the node agent during its learning window: the programs they ran, the
// files they opened, the system calls and capabilities they used and the
// HTTP endpoints they served. Activity outside the profile raises a
// RuntimeAlert. Written by the node agent; one per workload.
type ApplicationProfile struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. Defaulting sets the kubescape.io/workload-*
	// labels from spec.workload.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is what the containers did.
	Spec ApplicationProfileSpec `json:"spec"`
	// Status is the state of the learning.
	// +optional
	Status ProfileStatus `json:"status,omitempty"`
}

// ApplicationProfileSpec is the learned activity of the containers of a
// workload.
type ApplicationProfileSpec struct {
	// Workload is the workload the profile describes.
	Workload WorkloadReference `json:"workload"`
	// Architectures are the CPU architectures of the nodes the workload ran
	// on while it was recorded (e.g. amd64, arm64).
	// +optional
	// +listType=set
	Architectures []string `json:"architectures,omitempty"`
	// Containers are the profiles of the workload's containers.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchStrategy=merge
	// +patchMergeKey=name
	Containers []ContainerProfile `json:"containers,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// InitContainers are the profiles of the workload's init containers.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchStrategy=merge
	// +patchMergeKey=name
	InitContainers []ContainerProfile `json:"initContainers,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// EphemeralContainers are the profiles of the ephemeral (debug)
	// containers that were attached to the workload's pods.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchStrategy=merge
	// +patchMergeKey=name
	EphemeralContainers []ContainerProfile `json:"ephemeralContainers,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
}

// ContainerProfile is the learned activity of one container.
type ContainerProfile struct {
	// Name is the name of the container in the pod template.
	Name string `json:"name"`
	// ImageID is the image the container ran, as the container runtime
	// reported it (normally a reference with a sha256 digest).
	// +optional
	ImageID string `json:"imageID,omitempty"`
	// ImageTag is the image as the pod spec names it, e.g. nginx:1.27.
	// +optional
	ImageTag string `json:"imageTag,omitempty"`
	// Capabilities are the Linux capabilities the container's processes
	// used, e.g. CAP_NET_BIND_SERVICE.
	// +optional
	// +listType=set
	Capabilities []string `json:"capabilities,omitempty"`
	// Execs are the programs the container ran.
	// +optional
	// +listType=atomic
	Execs []ExecCall `json:"execs,omitempty"`
	// Opens are the files the container opened.
	// +optional
	// +listType=atomic
	Opens []OpenCall `json:"opens,omitempty"`
	// Syscalls are the names of the system calls the container made.
	// +optional
	// +listType=set
	Syscalls []string `json:"syscalls,omitempty"`
	// Endpoints are the HTTP endpoints the container served or called.
	// +optional
	// +listType=atomic
	Endpoints []HTTPEndpoint `json:"endpoints,omitempty"`
	// SeccompProfile names the SeccompProfile object (in the same
	// namespace) generated from this profile, and its container entry.
	// +optional
	SeccompProfile *SeccompProfileReference `json:"seccompProfile,omitempty"`
}

// ExecCall is a program a container ran.
type ExecCall struct {
	// Path is the absolute path of the executable.
	Path string `json:"path"`
	// Args are the arguments, the program name first, as the node agent
	// recorded them (the agent redacts values that look like secrets).
	// +optional
	// +listType=atomic
	Args []string `json:"args,omitempty"`
}

// OpenCall is a file a container opened.
type OpenCall struct {
	// Path is the absolute path of the file. The agent may collapse paths
	// that vary (e.g. under /proc/<pid>) into a pattern with "⋯".
	Path string `json:"path"`
	// Flags are the open(2) flags seen for the path, e.g. O_RDONLY, O_CLOEXEC.
	// +optional
	// +listType=set
	Flags []string `json:"flags,omitempty"`
}

// HTTPEndpoint is an HTTP endpoint a container served (inbound) or called
// (outbound).
type HTTPEndpoint struct {
	// Endpoint is host:port followed by the path, e.g. :8080/healthz.
	Endpoint string `json:"endpoint"`
	// Direction is inbound or outbound.
	Direction HTTPDirection `json:"direction"`
	// Methods are the HTTP methods seen, e.g. GET.
	// +optional
	// +listType=set
	Methods []string `json:"methods,omitempty"`
	// Internal is true when the peer was inside the cluster.
	// +optional
	Internal bool `json:"internal,omitempty"`
}

// HTTPDirection tells whether a container served or called an endpoint.
// +enum
type HTTPDirection string

// The directions of an HTTP endpoint.
const (
	// HTTPDirectionInbound is an endpoint the container served.
	HTTPDirectionInbound HTTPDirection = "inbound"
	// HTTPDirectionOutbound is an endpoint the container called.
	HTTPDirectionOutbound HTTPDirection = "outbound"
)

// SeccompProfileReference names a container entry of a SeccompProfile.
type SeccompProfileReference struct {
	// Name is the name of the SeccompProfile object, in the same namespace.
	Name string `json:"name"`
	// Container is the name of the container entry in that object.
	// +optional
	Container string `json:"container,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ApplicationProfileList is a list of ApplicationProfiles.
type ApplicationProfileList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the ApplicationProfiles.
	Items []ApplicationProfile `json:"items"`
}

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NetworkNeighborhood is the network peers the containers of one workload
// talked to during the learning window: who connected to them (ingress) and
// whom they connected to (egress), with ports and DNS names. It is the input
// of the GeneratedNetworkPolicy, and traffic outside it raises a
// RuntimeAlert. Written by the node agent; one per workload.
type NetworkNeighborhood struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. Defaulting sets the kubescape.io/workload-*
	// labels from spec.workload.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the learned peers.
	Spec NetworkNeighborhoodSpec `json:"spec"`
	// Status is the state of the learning.
	// +optional
	Status ProfileStatus `json:"status,omitempty"`
}

// NetworkNeighborhoodSpec is the learned network peers of a workload.
type NetworkNeighborhoodSpec struct {
	// Workload is the workload the neighbourhood describes.
	Workload WorkloadReference `json:"workload"`
	// Selector selects the pods of the workload (its pod template labels);
	// it becomes the podSelector of the generated NetworkPolicy.
	// +optional
	Selector metav1.LabelSelector `json:"selector,omitempty"`
	// Containers are the peers of the workload's containers.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchStrategy=merge
	// +patchMergeKey=name
	Containers []NetworkNeighborhoodContainer `json:"containers,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// InitContainers are the peers of the workload's init containers.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchStrategy=merge
	// +patchMergeKey=name
	InitContainers []NetworkNeighborhoodContainer `json:"initContainers,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// EphemeralContainers are the peers of the workload's ephemeral containers.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchStrategy=merge
	// +patchMergeKey=name
	EphemeralContainers []NetworkNeighborhoodContainer `json:"ephemeralContainers,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
}

// NetworkNeighborhoodContainer is the learned peers of one container.
type NetworkNeighborhoodContainer struct {
	// Name is the name of the container in the pod template.
	Name string `json:"name"`
	// Ingress are the peers that connected to the container.
	// +optional
	// +listType=map
	// +listMapKey=identifier
	// +patchStrategy=merge
	// +patchMergeKey=identifier
	Ingress []NetworkNeighbor `json:"ingress,omitempty" patchStrategy:"merge" patchMergeKey:"identifier"`
	// Egress are the peers the container connected to.
	// +optional
	// +listType=map
	// +listMapKey=identifier
	// +patchStrategy=merge
	// +patchMergeKey=identifier
	Egress []NetworkNeighbor `json:"egress,omitempty" patchStrategy:"merge" patchMergeKey:"identifier"`
}

// CommunicationType tells whether a peer is inside or outside the cluster.
// +enum
type CommunicationType string

// The types of network peer.
const (
	// CommunicationTypeInternal is a peer inside the cluster (a pod or a
	// service), described by pod and namespace selectors.
	CommunicationTypeInternal CommunicationType = "internal"
	// CommunicationTypeExternal is a peer outside the cluster, described
	// by its IP address and DNS names.
	CommunicationTypeExternal CommunicationType = "external"
)

// NetworkNeighbor is one peer of a container.
type NetworkNeighbor struct {
	// Identifier is a stable key of the peer within the list (the agent
	// derives it from the selectors or the address), so that updates merge.
	Identifier string `json:"identifier"`
	// Type is internal (in the cluster) or external.
	Type CommunicationType `json:"type"`
	// DNS is the DNS name the container looked up to reach the peer, if any.
	// +optional
	DNS string `json:"dns,omitempty"`
	// DNSNames are all the DNS names seen resolving to the peer's address.
	// +optional
	// +listType=set
	DNSNames []string `json:"dnsNames,omitempty"`
	// Ports are the ports of the traffic.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchStrategy=merge
	// +patchMergeKey=name
	Ports []NetworkPort `json:"ports,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// PodSelector selects the peer pods (internal peers).
	// +optional
	PodSelector *metav1.LabelSelector `json:"podSelector,omitempty"`
	// NamespaceSelector selects the namespaces of the peer pods (internal
	// peers in another namespace).
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
	// IPAddress is the IP address of the peer (external peers).
	// +optional
	IPAddress string `json:"ipAddress,omitempty"`
}

// Protocol is a transport protocol.
// +enum
type Protocol string

// The transport protocols of a port.
const (
	// ProtocolTCP is TCP.
	ProtocolTCP Protocol = "TCP"
	// ProtocolUDP is UDP.
	ProtocolUDP Protocol = "UDP"
	// ProtocolSCTP is SCTP.
	ProtocolSCTP Protocol = "SCTP"
)

// NetworkPort is a port of the traffic with a peer.
type NetworkPort struct {
	// Name identifies the port in the list, conventionally
	// <protocol>-<port>, e.g. TCP-443.
	Name string `json:"name"`
	// Protocol is TCP, UDP or SCTP; defaults to TCP.
	// +optional
	Protocol Protocol `json:"protocol,omitempty"`
	// Port is the port number, 1-65535; absent means every port.
	// +optional
	Port *int32 `json:"port,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NetworkNeighborhoodList is a list of NetworkNeighborhoods.
type NetworkNeighborhoodList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the NetworkNeighborhoods.
	Items []NetworkNeighborhood `json:"items"`
}

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// SeccompProfile is a seccomp profile per container of a workload, built
// from the system calls of its ApplicationProfile: the calls the container
// made are allowed, the rest get the default action. The node agent writes
// the profiles to the nodes and records where in the status, so that a pod
// can use them as a Localhost seccomp profile.
type SeccompProfile struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. Defaulting sets the kubescape.io/workload-*
	// labels from spec.workload.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the profiles.
	Spec SeccompProfileSpec `json:"spec"`
	// Status is where the profiles were written on the nodes.
	// +optional
	Status SeccompProfileStatus `json:"status,omitempty"`
}

// SeccompProfileSpec is the seccomp profiles of the containers of a workload.
type SeccompProfileSpec struct {
	// Workload is the workload the profiles are for.
	Workload WorkloadReference `json:"workload"`
	// Containers are the profiles of the workload's containers.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchStrategy=merge
	// +patchMergeKey=name
	Containers []ContainerSeccompProfile `json:"containers,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// InitContainers are the profiles of the workload's init containers.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchStrategy=merge
	// +patchMergeKey=name
	InitContainers []ContainerSeccompProfile `json:"initContainers,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// EphemeralContainers are the profiles of the workload's ephemeral containers.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchStrategy=merge
	// +patchMergeKey=name
	EphemeralContainers []ContainerSeccompProfile `json:"ephemeralContainers,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
}

// SeccompAction is what the kernel does when a system call matches a rule
// (the SCMP_ACT_* actions of the OCI runtime specification).
// +enum
type SeccompAction string

// The seccomp actions.
const (
	// SeccompActionKill kills the thread (the historical meaning of SCMP_ACT_KILL).
	SeccompActionKill SeccompAction = "SCMP_ACT_KILL"
	// SeccompActionKillProcess kills the whole process.
	SeccompActionKillProcess SeccompAction = "SCMP_ACT_KILL_PROCESS"
	// SeccompActionKillThread kills the calling thread.
	SeccompActionKillThread SeccompAction = "SCMP_ACT_KILL_THREAD"
	// SeccompActionTrap sends SIGSYS.
	SeccompActionTrap SeccompAction = "SCMP_ACT_TRAP"
	// SeccompActionErrno fails the call with errnoRet (EPERM by default).
	SeccompActionErrno SeccompAction = "SCMP_ACT_ERRNO"
	// SeccompActionTrace notifies a ptrace tracer.
	SeccompActionTrace SeccompAction = "SCMP_ACT_TRACE"
	// SeccompActionAllow allows the call.
	SeccompActionAllow SeccompAction = "SCMP_ACT_ALLOW"
	// SeccompActionLog allows the call and logs it.
	SeccompActionLog SeccompAction = "SCMP_ACT_LOG"
	// SeccompActionNotify hands the call to a user-space supervisor.
	SeccompActionNotify SeccompAction = "SCMP_ACT_NOTIFY"
)

// SeccompOperator compares a system call argument (the SCMP_CMP_*
// operators of the OCI runtime specification).
// +enum
type SeccompOperator string

// The seccomp argument comparisons.
const (
	// SeccompOpNotEqual matches when the argument differs from value.
	SeccompOpNotEqual SeccompOperator = "SCMP_CMP_NE"
	// SeccompOpLessThan matches when the argument is less than value.
	SeccompOpLessThan SeccompOperator = "SCMP_CMP_LT"
	// SeccompOpLessEqual matches when the argument is at most value.
	SeccompOpLessEqual SeccompOperator = "SCMP_CMP_LE"
	// SeccompOpEqualTo matches when the argument equals value.
	SeccompOpEqualTo SeccompOperator = "SCMP_CMP_EQ"
	// SeccompOpGreaterEqual matches when the argument is at least value.
	SeccompOpGreaterEqual SeccompOperator = "SCMP_CMP_GE"
	// SeccompOpGreaterThan matches when the argument is greater than value.
	SeccompOpGreaterThan SeccompOperator = "SCMP_CMP_GT"
	// SeccompOpMaskedEqual matches when (argument & value) == valueTwo.
	SeccompOpMaskedEqual SeccompOperator = "SCMP_CMP_MASKED_EQ"
)

// ContainerSeccompProfile is the seccomp profile of one container, in the
// shape of an OCI runtime seccomp profile.
type ContainerSeccompProfile struct {
	// Name is the name of the container in the pod template.
	Name string `json:"name"`
	// DefaultAction is applied to the system calls no rule matches,
	// typically SCMP_ACT_ERRNO or SCMP_ACT_LOG.
	DefaultAction SeccompAction `json:"defaultAction"`
	// DefaultErrnoRet is the errno returned by the default action when it
	// is SCMP_ACT_ERRNO; EPERM when absent.
	// +optional
	DefaultErrnoRet *int32 `json:"defaultErrnoRet,omitempty"`
	// Architectures are the seccomp architectures the profile applies to,
	// e.g. SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64.
	// +optional
	// +listType=set
	Architectures []string `json:"architectures,omitempty"`
	// Syscalls are the rules, matched in order.
	// +optional
	// +listType=atomic
	Syscalls []SeccompSyscallRule `json:"syscalls,omitempty"`
}

// SeccompSyscallRule applies an action to a group of system calls.
type SeccompSyscallRule struct {
	// Names are the names of the system calls, e.g. read, openat.
	// +listType=set
	Names []string `json:"names"`
	// Action is applied when a call matches.
	Action SeccompAction `json:"action"`
	// ErrnoRet is the errno returned when action is SCMP_ACT_ERRNO.
	// +optional
	ErrnoRet *int32 `json:"errnoRet,omitempty"`
	// Args restrict the rule to calls whose arguments match them all.
	// +optional
	// +listType=atomic
	Args []SeccompArg `json:"args,omitempty"`
}

// SeccompArg compares one argument of a system call.
type SeccompArg struct {
	// Index is the position of the argument, 0-5.
	Index int32 `json:"index"`
	// Value is the value compared with (the mask for SCMP_CMP_MASKED_EQ).
	Value int64 `json:"value"`
	// ValueTwo is the value the masked argument must equal, for SCMP_CMP_MASKED_EQ.
	// +optional
	ValueTwo int64 `json:"valueTwo,omitempty"`
	// Op is the comparison.
	Op SeccompOperator `json:"op"`
}

// SeccompProfileStatus is where the node agent wrote the profiles.
type SeccompProfileStatus struct {
	// Containers are the written profiles, one per container entry of the spec.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +patchStrategy=merge
	// +patchMergeKey=name
	Containers []SeccompProfileContainerStatus `json:"containers,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
}

// SeccompProfileContainerStatus is where the profile of one container was written.
type SeccompProfileContainerStatus struct {
	// Name is the name of the container entry of the spec.
	Name string `json:"name"`
	// LocalhostProfile is the path of the profile file relative to the
	// kubelet's seccomp directory, the value a pod's
	// securityContext.seccompProfile.localhostProfile takes to use it.
	LocalhostProfile string `json:"localhostProfile"`
	// Nodes are the nodes the file was written to.
	// +optional
	// +listType=set
	Nodes []string `json:"nodes,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// SeccompProfileList is a list of SeccompProfiles.
type SeccompProfileList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the SeccompProfiles.
	Items []SeccompProfile `json:"items"`
}
