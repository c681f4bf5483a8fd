package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the name of the API group.
const GroupName = "results.kubescape.io"

// SchemeGroupVersion is the group and version of the types of this package.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1beta1"}

var (
	// SchemeBuilder collects the functions that add this version's types,
	// defaulting functions and field label conversions to a scheme.
	SchemeBuilder      runtime.SchemeBuilder
	localSchemeBuilder = &SchemeBuilder
	// AddToScheme adds this version to a scheme.
	AddToScheme = localSchemeBuilder.AddToScheme
)

func init() {
	// The generated defaulters (zz_generated.defaults.go) register
	// themselves through RegisterDefaults.
	localSchemeBuilder.Register(addKnownTypes, addDefaultingFuncs, AddFieldLabelConversionFuncs)
}

// Resource takes an unqualified resource name and returns it qualified with
// the API group.
func Resource(resource string) schema.GroupResource {
	return SchemeGroupVersion.WithResource(resource).GroupResource()
}

// Kind takes an unqualified kind and returns it qualified with the API group.
func Kind(kind string) schema.GroupKind {
	return SchemeGroupVersion.WithKind(kind).GroupKind()
}

// KnownTypes returns a new empty object of every kind and list kind of the
// API group, in a fixed order. The install package registers the same list
// under the internal version.
func KnownTypes() []runtime.Object {
	return []runtime.Object{
		&ApplicationProfile{}, &ApplicationProfileList{},
		&NetworkNeighborhood{}, &NetworkNeighborhoodList{},
		&SBOM{}, &SBOMList{},
		&FilteredSBOM{}, &FilteredSBOMList{},
		&VulnerabilityManifest{}, &VulnerabilityManifestList{},
		&VulnerabilityManifestSummary{}, &VulnerabilityManifestSummaryList{},
		&OpenVulnerabilityExchangeContainer{}, &OpenVulnerabilityExchangeContainerList{},
		&WorkloadConfigurationScan{}, &WorkloadConfigurationScanList{},
		&WorkloadConfigurationScanSummary{}, &WorkloadConfigurationScanSummaryList{},
		&ConfigurationScanSummary{}, &ConfigurationScanSummaryList{},
		&GeneratedNetworkPolicy{}, &GeneratedNetworkPolicyList{},
		&KnownServer{}, &KnownServerList{},
		&SeccompProfile{}, &SeccompProfileList{},
		&RuntimeAlert{}, &RuntimeAlertList{},
	}
}

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion, KnownTypes()...)
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}

func addDefaultingFuncs(scheme *runtime.Scheme) error {
	return RegisterDefaults(scheme)
}
