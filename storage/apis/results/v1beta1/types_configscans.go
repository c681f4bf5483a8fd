package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ControlStatus is the verdict of a control on a resource.
// +enum
type ControlStatus string

// The control statuses.
const (
	// ControlStatusPassed means the resource complies with the control.
	ControlStatusPassed ControlStatus = "passed"
	// ControlStatusFailed means the resource breaks the control.
	ControlStatusFailed ControlStatus = "failed"
	// ControlStatusSkipped means the control was not evaluated (it needs
	// data the scan did not have).
	ControlStatusSkipped ControlStatus = "skipped"
	// ControlStatusExcepted means the resource breaks the control but an
	// exception accepts it.
	ControlStatusExcepted ControlStatus = "excepted"
)

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// WorkloadConfigurationScan is the result of the configuration controls on
// one Kubernetes resource: each control's verdict with the paths of the
// fields that failed and how to fix them. Written by the operator after
// each configuration scan; one per scanned resource, in the resource's
// namespace (cluster-scoped resources go to the operator's namespace).
type WorkloadConfigurationScan struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. Defaulting sets the kubescape.io/workload-*
	// labels from spec.resource.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the scanned resource and the control results.
	Spec WorkloadConfigurationScanSpec `json:"spec"`
}

// WorkloadConfigurationScanSpec is the control results of one resource.
type WorkloadConfigurationScanSpec struct {
	// Resource is the scanned resource. It cannot change on update.
	Resource WorkloadReference `json:"resource"`
	// ScanTime is when the scan ran.
	ScanTime metav1.Time `json:"scanTime"`
	// Scanner is the program that scanned, e.g. kubescape-operator v1.2.3.
	// +optional
	Scanner *ToolInfo `json:"scanner,omitempty"`
	// Frameworks are the frameworks whose controls were run, e.g. nsa, mitre.
	// +optional
	// +listType=set
	Frameworks []string `json:"frameworks,omitempty"`
	// Controls are the results of the controls, one per control.
	// +optional
	// +listType=map
	// +listMapKey=controlID
	// +patchStrategy=merge
	// +patchMergeKey=controlID
	Controls []ControlResult `json:"controls,omitempty" patchStrategy:"merge" patchMergeKey:"controlID"`
}

// ControlResult is the verdict of one control on the resource.
type ControlResult struct {
	// ControlID is the ID of the control, e.g. C-0057.
	ControlID string `json:"controlID"`
	// Name is the name of the control, e.g. Privileged container.
	Name string `json:"name"`
	// Severity is the severity of the control.
	Severity Severity `json:"severity"`
	// Status is passed, failed, skipped or excepted.
	Status ControlStatus `json:"status"`
	// Message explains the verdict.
	// +optional
	Message string `json:"message,omitempty"`
	// FailedPaths are the paths of the fields that break the control,
	// e.g. spec.template.spec.containers[0].securityContext.privileged.
	// +optional
	// +listType=atomic
	FailedPaths []string `json:"failedPaths,omitempty"`
	// ReviewPaths are the paths of the fields a person should review.
	// +optional
	// +listType=atomic
	ReviewPaths []string `json:"reviewPaths,omitempty"`
	// FixPaths are the fields to set, and the values, that fix the finding.
	// +optional
	// +listType=atomic
	FixPaths []FixPath `json:"fixPaths,omitempty"`
	// ExceptionReason is why the result is excepted (status excepted): the
	// name and reason of the exception that matched.
	// +optional
	ExceptionReason string `json:"exceptionReason,omitempty"`
}

// FixPath is a field to set, and its value, to fix a finding.
type FixPath struct {
	// Path is the path of the field.
	Path string `json:"path"`
	// Value is the value to set it to, as text.
	Value string `json:"value"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// WorkloadConfigurationScanList is a list of WorkloadConfigurationScans.
type WorkloadConfigurationScanList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the WorkloadConfigurationScans.
	Items []WorkloadConfigurationScan `json:"items"`
}

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// WorkloadConfigurationScanSummary is the short form of a
// WorkloadConfigurationScan: the count of failed controls per severity and
// each control's status, without paths. Written by the operator beside the
// full scan (same name); the server adds up the summaries of a namespace
// into its ConfigurationScanSummary.
type WorkloadConfigurationScanSummary struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. Defaulting sets the kubescape.io/workload-*
	// labels from spec.resource.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the counts and statuses.
	Spec WorkloadConfigurationScanSummarySpec `json:"spec"`
}

// WorkloadConfigurationScanSummarySpec is the summary of one resource's scan.
type WorkloadConfigurationScanSummarySpec struct {
	// Resource is the scanned resource. It cannot change on update.
	Resource WorkloadReference `json:"resource"`
	// ScanTime is when the scan ran.
	ScanTime metav1.Time `json:"scanTime"`
	// Severities counts the failed controls per severity.
	Severities SeverityCounts `json:"severities"`
	// Controls are the statuses of the controls.
	// +optional
	// +listType=map
	// +listMapKey=controlID
	// +patchStrategy=merge
	// +patchMergeKey=controlID
	Controls []ControlSummary `json:"controls,omitempty" patchStrategy:"merge" patchMergeKey:"controlID"`
}

// SeverityCounts is a count of failed controls per severity.
type SeverityCounts struct {
	// Critical is the number of failed critical controls.
	// +optional
	Critical int64 `json:"critical,omitempty"`
	// High is the number of failed high-severity controls.
	// +optional
	High int64 `json:"high,omitempty"`
	// Medium is the number of failed medium-severity controls.
	// +optional
	Medium int64 `json:"medium,omitempty"`
	// Low is the number of failed low-severity controls.
	// +optional
	Low int64 `json:"low,omitempty"`
}

// ControlSummary is the status of one control.
type ControlSummary struct {
	// ControlID is the ID of the control, e.g. C-0057.
	ControlID string `json:"controlID"`
	// Status is passed, failed, skipped or excepted.
	Status ControlStatus `json:"status"`
	// Severity is the severity of the control.
	Severity Severity `json:"severity"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// WorkloadConfigurationScanSummaryList is a list of WorkloadConfigurationScanSummaries.
type WorkloadConfigurationScanSummaryList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the WorkloadConfigurationScanSummaries.
	Items []WorkloadConfigurationScanSummary `json:"items"`
}

// +genclient
// +genclient:nonNamespaced
// +genclient:noStatus
// +genclient:onlyVerbs=get,list
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ConfigurationScanSummary is the configuration posture of one namespace:
// the failed controls of all its WorkloadConfigurationScanSummaries added
// up per severity. It is computed by the storage server when read and
// cannot be written. The object is cluster-scoped and named after the
// namespace it summarises (so "kubectl get configurationscansummaries"
// lists every namespace, and "kubectl get configurationscansummary
// default" reads one).
type ConfigurationScanSummary struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata; the name is the namespace summarised.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the namespace totals.
	Spec ConfigurationScanSummarySpec `json:"spec"`
}

// ConfigurationScanSummarySpec is the totals of a namespace.
type ConfigurationScanSummarySpec struct {
	// Severities counts the failed controls of the namespace's resources
	// per severity.
	Severities SeverityCounts `json:"severities"`
	// Workloads is the number of scanned resources in the namespace.
	Workloads int64 `json:"workloads"`
	// FailedWorkloads is the number of those with at least one failed control.
	// +optional
	FailedWorkloads int64 `json:"failedWorkloads,omitempty"`
	// LastScanTime is the latest scan time of the namespace's summaries.
	// +optional
	LastScanTime *metav1.Time `json:"lastScanTime,omitempty"`
	// Summaries are the WorkloadConfigurationScanSummaries counted.
	// +optional
	// +listType=map
	// +listMapKey=name
	Summaries []WorkloadSummaryReference `json:"summaries,omitempty"`
}

// WorkloadSummaryReference names a WorkloadConfigurationScanSummary of the
// namespace and the resource it is about.
type WorkloadSummaryReference struct {
	// Name is the name of the WorkloadConfigurationScanSummary.
	Name string `json:"name"`
	// Kind is the kind of the scanned resource.
	Kind string `json:"kind"`
	// ResourceName is the name of the scanned resource.
	ResourceName string `json:"resourceName"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ConfigurationScanSummaryList is a list of ConfigurationScanSummaries.
type ConfigurationScanSummaryList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the ConfigurationScanSummaries.
	Items []ConfigurationScanSummary `json:"items"`
}
