package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The types shared by several kinds. The kinds themselves are in
// types_profiles.go (what the node agent learns), types_images.go (SBOMs,
// vulnerabilities, VEX), types_configscans.go (configuration scans),
// types_network.go (generated network policies, known servers) and
// types_alerts.go (runtime alerts).

// Labels that defaulting sets on objects that describe one workload (and
// one container of it), so that label selectors find them. A label that is
// already set is left as it is; a value that is not a valid label value (a
// name longer than 63 characters) is shortened and ends with a hash of the
// full value.
const (
	// LabelWorkloadKind is the kind of the workload, e.g. Deployment.
	LabelWorkloadKind = "kubescape.io/workload-kind"
	// LabelWorkloadName is the name of the workload.
	LabelWorkloadName = "kubescape.io/workload-name"
	// LabelWorkloadNamespace is the namespace of the workload.
	LabelWorkloadNamespace = "kubescape.io/workload-namespace"
	// LabelContainer is the name of the container, on objects about one container.
	LabelContainer = "kubescape.io/container"
)

// WorkloadReference identifies the Kubernetes object an object of this API
// is about: a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob,
// ReplicaSet, Pod, ...) or, for configuration scans, any scanned resource.
type WorkloadReference struct {
	// APIVersion is the group/version of the object, e.g. apps/v1 or v1.
	APIVersion string `json:"apiVersion"`
	// Kind is the kind of the object, e.g. Deployment.
	Kind string `json:"kind"`
	// Namespace is the namespace of the object; empty for a cluster-scoped
	// object. Defaulting sets it to the namespace of the referring object
	// when that object is namespaced.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Name is the name of the object.
	Name string `json:"name"`
	// UID is the UID of the object when it was observed, to tell apart two
	// objects that had the same name at different times.
	// +optional
	UID types.UID `json:"uid,omitempty"`
}

// ToolInfo names the program, and its version, that produced an object.
type ToolInfo struct {
	// Name is the name of the program, e.g. syft.
	Name string `json:"name"`
	// Version is the version of the program, e.g. 1.57.0.
	// +optional
	Version string `json:"version,omitempty"`
}

// Severity is how serious a finding is.
// +enum
type Severity string

// The severities of runtime alerts and configuration controls.
const (
	// SeverityLow is a finding of low severity.
	SeverityLow Severity = "low"
	// SeverityMedium is a finding of medium severity.
	SeverityMedium Severity = "medium"
	// SeverityHigh is a finding of high severity.
	SeverityHigh Severity = "high"
	// SeverityCritical is a finding of critical severity.
	SeverityCritical Severity = "critical"
)

// ProfilePhase is where the learning of a profile stands.
// +enum
type ProfilePhase string

// The phases of a learned profile.
const (
	// ProfilePhaseLearning means the node agent is recording what the
	// workload does; the profile is not yet used to raise alerts.
	ProfilePhaseLearning ProfilePhase = "Learning"
	// ProfilePhaseReady means the learning window has ended and the profile
	// is used to raise alerts; the agent may still add what it sees.
	ProfilePhaseReady ProfilePhase = "Ready"
	// ProfilePhaseCompleted means the profile is final: the agent no longer
	// changes it.
	ProfilePhaseCompleted ProfilePhase = "Completed"
)

// ProfileCompletion tells whether a profile saw the containers from their
// start.
// +enum
type ProfileCompletion string

// The completions of a learned profile.
const (
	// ProfileCompletionPartial means the agent started recording after some
	// containers had started (for example the agent was installed or
	// restarted later), so what they did at start-up may be missing.
	ProfileCompletionPartial ProfileCompletion = "partial"
	// ProfileCompletionComplete means every container was recorded from its
	// start.
	ProfileCompletionComplete ProfileCompletion = "complete"
)

// ProfileStatus is the learning state of a profile that the node agent
// builds by watching a workload (ApplicationProfile, NetworkNeighborhood).
type ProfileStatus struct {
	// Phase is where the learning stands: Learning, Ready or Completed.
	// +optional
	Phase ProfilePhase `json:"phase,omitempty"`
	// Completion is partial when the agent started recording after the
	// containers had started, complete otherwise.
	// +optional
	Completion ProfileCompletion `json:"completion,omitempty"`
	// LearningStart is when the agent started recording the workload.
	// +optional
	LearningStart *metav1.Time `json:"learningStart,omitempty"`
	// LearningEnd is when the learning window ended (the phase left Learning).
	// +optional
	LearningEnd *metav1.Time `json:"learningEnd,omitempty"`
}
