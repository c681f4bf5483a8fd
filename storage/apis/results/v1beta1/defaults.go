package v1beta1

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// The defaulting functions, called by the generated SetObjectDefaults_*
// functions (zz_generated.defaults.go) when the server decodes an object.

// DefaultVEXContext is the OpenVEX context a VEX document gets when it has none.
const DefaultVEXContext = "https://openvex.dev/ns/v0.2.0"

// SetDefaults_ApplicationProfile defaults the workload namespace and labels.
func SetDefaults_ApplicationProfile(obj *ApplicationProfile) { //nolint:revive // defaulter-gen looks for the SetDefaults_ name
	defaultWorkload(&obj.ObjectMeta, &obj.Spec.Workload, "")
}

// SetDefaults_NetworkNeighborhood defaults the workload namespace and labels.
func SetDefaults_NetworkNeighborhood(obj *NetworkNeighborhood) { //nolint:revive // defaulter-gen looks for the SetDefaults_ name
	defaultWorkload(&obj.ObjectMeta, &obj.Spec.Workload, "")
}

// SetDefaults_NetworkPort defaults the protocol to TCP.
func SetDefaults_NetworkPort(obj *NetworkPort) { //nolint:revive // defaulter-gen looks for the SetDefaults_ name
	if obj.Protocol == "" {
		obj.Protocol = ProtocolTCP
	}
}

// SetDefaults_FilteredSBOM defaults the workload namespace and the workload
// and container labels.
func SetDefaults_FilteredSBOM(obj *FilteredSBOM) { //nolint:revive // defaulter-gen looks for the SetDefaults_ name
	defaultWorkload(&obj.ObjectMeta, &obj.Spec.Workload, obj.Spec.Container)
}

// SetDefaults_VulnerabilityManifest defaults, for a manifest with a
// workload, the workload namespace and the workload and container labels.
func SetDefaults_VulnerabilityManifest(obj *VulnerabilityManifest) { //nolint:revive // defaulter-gen looks for the SetDefaults_ name
	if obj.Spec.Workload != nil {
		defaultWorkload(&obj.ObjectMeta, obj.Spec.Workload, obj.Spec.Container)
	}
}

// SetDefaults_VulnerabilityManifestSummary defaults the workload namespace
// and the workload and container labels.
func SetDefaults_VulnerabilityManifestSummary(obj *VulnerabilityManifestSummary) { //nolint:revive // defaulter-gen looks for the SetDefaults_ name
	defaultWorkload(&obj.ObjectMeta, &obj.Spec.Workload, obj.Spec.Container)
}

// SetDefaults_OpenVulnerabilityExchangeContainer defaults the OpenVEX
// context and the document version.
func SetDefaults_OpenVulnerabilityExchangeContainer(obj *OpenVulnerabilityExchangeContainer) { //nolint:revive // defaulter-gen looks for the SetDefaults_ name
	if obj.Spec.Context == "" {
		obj.Spec.Context = DefaultVEXContext
	}
	if obj.Spec.Version == 0 {
		obj.Spec.Version = 1
	}
}

// SetDefaults_WorkloadConfigurationScan defaults the workload labels. The
// resource namespace is not defaulted: a scanned resource may be
// cluster-scoped and its scan stored in the operator's namespace.
func SetDefaults_WorkloadConfigurationScan(obj *WorkloadConfigurationScan) { //nolint:revive // defaulter-gen looks for the SetDefaults_ name
	setWorkloadLabels(&obj.ObjectMeta, &obj.Spec.Resource, "")
}

// SetDefaults_WorkloadConfigurationScanSummary defaults the workload labels,
// as for WorkloadConfigurationScan.
func SetDefaults_WorkloadConfigurationScanSummary(obj *WorkloadConfigurationScanSummary) { //nolint:revive // defaulter-gen looks for the SetDefaults_ name
	setWorkloadLabels(&obj.ObjectMeta, &obj.Spec.Resource, "")
}

// SetDefaults_GeneratedNetworkPolicy defaults the workload namespace and labels.
func SetDefaults_GeneratedNetworkPolicy(obj *GeneratedNetworkPolicy) { //nolint:revive // defaulter-gen looks for the SetDefaults_ name
	defaultWorkload(&obj.ObjectMeta, &obj.Spec.Workload, "")
}

// SetDefaults_SeccompProfile defaults the workload namespace and labels.
func SetDefaults_SeccompProfile(obj *SeccompProfile) { //nolint:revive // defaulter-gen looks for the SetDefaults_ name
	defaultWorkload(&obj.ObjectMeta, &obj.Spec.Workload, "")
}

// SetDefaults_RuntimeAlert defaults the count to 1, and the workload
// namespace and the workload and container labels.
func SetDefaults_RuntimeAlert(obj *RuntimeAlert) { //nolint:revive // defaulter-gen looks for the SetDefaults_ name
	if obj.Spec.Count == 0 {
		obj.Spec.Count = 1
	}
	if obj.Spec.Workload != nil {
		defaultWorkload(&obj.ObjectMeta, obj.Spec.Workload, obj.Spec.ContainerName)
		return
	}
	setLabel(&obj.ObjectMeta, LabelContainer, obj.Spec.ContainerName)
}

// defaultWorkload sets the namespace of a workload that has none to the
// namespace of the object about it (workloads are namespaced), then the labels.
func defaultWorkload(meta *metav1.ObjectMeta, w *WorkloadReference, container string) {
	if w.Namespace == "" {
		w.Namespace = meta.Namespace
	}
	setWorkloadLabels(meta, w, container)
}

func setWorkloadLabels(meta *metav1.ObjectMeta, w *WorkloadReference, container string) {
	setLabel(meta, LabelWorkloadKind, w.Kind)
	setLabel(meta, LabelWorkloadName, w.Name)
	setLabel(meta, LabelWorkloadNamespace, w.Namespace)
	setLabel(meta, LabelContainer, container)
}

// setLabel sets a label that is absent, when there is a value.
func setLabel(meta *metav1.ObjectMeta, key, value string) {
	if value == "" {
		return
	}
	if _, ok := meta.Labels[key]; ok {
		return
	}
	if meta.Labels == nil {
		meta.Labels = map[string]string{}
	}
	meta.Labels[key] = LabelValue(value)
}

// labelHashLen is the number of hex digits of the hash that ends a
// shortened label value.
const labelHashLen = 10

// LabelValue returns s when it is a valid label value, else a valid label
// value made from s: the label-safe characters of its start (at most 52),
// a dash and the first 10 hex digits of the SHA-256 of s. So a 253-character
// workload name still gets a label, and two long names that share their
// start get different ones. Clients selecting by a workload name label
// should pass the name through LabelValue too.
func LabelValue(s string) string {
	if len(validation.IsValidLabelValue(s)) == 0 {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	hash := hex.EncodeToString(sum[:])[:labelHashLen]
	var b strings.Builder
	for _, r := range s {
		if b.Len() == validation.LabelValueMaxLength-labelHashLen-1 {
			break
		}
		if r < 0x80 && (isAlphanumeric(byte(r)) || r == '-' || r == '_' || r == '.') {
			b.WriteRune(r)
		}
	}
	prefix := strings.TrimLeftFunc(b.String(), func(r rune) bool { return !isAlphanumeric(byte(r)) })
	prefix = strings.TrimRightFunc(prefix, func(r rune) bool { return !isAlphanumeric(byte(r)) })
	if prefix == "" {
		return hash
	}
	return prefix + "-" + hash
}

func isAlphanumeric(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
