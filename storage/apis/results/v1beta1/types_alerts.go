package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// RuntimeAlert is something a container did that a runtime rule flags: a
// program or a network connection outside its ApplicationProfile or
// NetworkNeighborhood, a known attack technique. Written by the node agent;
// the same alert repeating on the same container is counted in one object.
// Read by 'kubectl kubescape alerts' (also with --follow, a watch). The
// server keeps alerts for a limited age and number.
type RuntimeAlert struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. Defaulting sets the kubescape.io/workload-*
	// and kubescape.io/container labels from spec.workload and
	// spec.containerName.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is what happened.
	Spec RuntimeAlertSpec `json:"spec"`
	// Status is whether someone has looked at the alert.
	// +optional
	Status RuntimeAlertStatus `json:"status,omitempty"`
}

// RuntimeAlertSpec is what happened and where.
type RuntimeAlertSpec struct {
	// RuleID is the ID of the rule that fired, e.g. R0001.
	RuleID string `json:"ruleID"`
	// RuleName is the name of the rule, e.g. Unexpected process launched.
	RuleName string `json:"ruleName"`
	// Severity is low, medium, high or critical.
	Severity Severity `json:"severity"`
	// Message says what happened, in one sentence.
	Message string `json:"message"`
	// Time is when it happened (the first time, for a repeated alert).
	Time metav1.Time `json:"time"`
	// LastTime is when it last happened, for a repeated alert.
	// +optional
	LastTime *metav1.Time `json:"lastTime,omitempty"`
	// Count is how many times it happened; defaulted to 1.
	// +optional
	Count int64 `json:"count,omitempty"`
	// Workload is the workload of the pod, when the pod has an owner.
	// +optional
	Workload *WorkloadReference `json:"workload,omitempty"`
	// PodName is the name of the pod, in the alert's namespace.
	PodName string `json:"podName"`
	// ContainerName is the name of the container.
	ContainerName string `json:"containerName"`
	// ContainerID is the container runtime's ID of the container, e.g.
	// containerd://<64 hex>.
	// +optional
	ContainerID string `json:"containerID,omitempty"`
	// NodeName is the node the pod ran on.
	NodeName string `json:"nodeName"`
	// Process is the process that did it, when a process did.
	// +optional
	Process *ProcessInfo `json:"process,omitempty"`
	// Details are rule-specific facts, e.g. the path opened or the address
	// connected to.
	// +optional
	Details map[string]string `json:"details,omitempty"`
}

// ProcessInfo describes a process on the node.
type ProcessInfo struct {
	// PID is the process ID, in the container's PID namespace.
	PID int32 `json:"pid"`
	// PPID is the parent's process ID.
	// +optional
	PPID int32 `json:"ppid,omitempty"`
	// Comm is the command name of the process (at most 16 characters).
	// +optional
	Comm string `json:"comm,omitempty"`
	// ExePath is the path of the executable.
	// +optional
	ExePath string `json:"exePath,omitempty"`
	// Args are the arguments, the program name first, as the agent sent them.
	// The agent redacts values that look like secrets before sending; the
	// server stores them as they are.
	// +optional
	// +listType=atomic
	Args []string `json:"args,omitempty"`
	// UID is the user ID the process ran as.
	// +optional
	UID *int64 `json:"uid,omitempty"`
}

// RuntimeAlertStatus records whether someone has handled the alert.
type RuntimeAlertStatus struct {
	// Acknowledged is true once someone has looked at the alert.
	// +optional
	Acknowledged bool `json:"acknowledged,omitempty"`
	// AcknowledgedBy is who acknowledged it.
	// +optional
	AcknowledgedBy string `json:"acknowledgedBy,omitempty"`
	// AcknowledgedAt is when it was acknowledged.
	// +optional
	AcknowledgedAt *metav1.Time `json:"acknowledgedAt,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// RuntimeAlertList is a list of RuntimeAlerts.
type RuntimeAlertList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the RuntimeAlerts.
	Items []RuntimeAlert `json:"items"`
}
