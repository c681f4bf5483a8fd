package registry

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
	"kubescape.io/kubescape/storage/apis/results/validation"
)

const (
	kib = int64(1) << 10
	mib = int64(1) << 20
)

// resources is the group: every kind, its scope, status subresource,
// default size limit, validation and `kubectl get` columns.
func resources() []*resource {
	return []*resource{
		kindOf[v1beta1.ApplicationProfile, *v1beta1.ApplicationProfile, v1beta1.ApplicationProfileList, *v1beta1.ApplicationProfileList](resource{
			plural: "applicationprofiles", singular: "applicationprofile", kind: "ApplicationProfile",
			shortNames: []string{"ap"}, namespaced: true, hasStatus: true, maxSize: 16 * mib,
			columns: []column{
				{name: "Workload", typ: "string", value: func(o runtime.Object) any { return workload(o.(*v1beta1.ApplicationProfile).Spec.Workload) }},
				{name: "Phase", typ: "string", value: func(o runtime.Object) any { return string(o.(*v1beta1.ApplicationProfile).Status.Phase) }},
				{name: "Containers", typ: "integer", value: func(o runtime.Object) any {
					s := o.(*v1beta1.ApplicationProfile).Spec
					return int64(len(s.Containers) + len(s.InitContainers) + len(s.EphemeralContainers))
				}},
			},
		}, validation.ValidateApplicationProfile, validation.ValidateApplicationProfileUpdate, validation.ValidateApplicationProfileStatusUpdate),
		kindOf[v1beta1.NetworkNeighborhood, *v1beta1.NetworkNeighborhood, v1beta1.NetworkNeighborhoodList, *v1beta1.NetworkNeighborhoodList](resource{
			plural: "networkneighborhoods", singular: "networkneighborhood", kind: "NetworkNeighborhood",
			shortNames: []string{"nn"}, namespaced: true, hasStatus: true, maxSize: 8 * mib,
			columns: []column{
				{name: "Workload", typ: "string", value: func(o runtime.Object) any { return workload(o.(*v1beta1.NetworkNeighborhood).Spec.Workload) }},
				{name: "Phase", typ: "string", value: func(o runtime.Object) any { return string(o.(*v1beta1.NetworkNeighborhood).Status.Phase) }},
			},
		}, validation.ValidateNetworkNeighborhood, validation.ValidateNetworkNeighborhoodUpdate, validation.ValidateNetworkNeighborhoodStatusUpdate),
		kindOf[v1beta1.SBOM, *v1beta1.SBOM, v1beta1.SBOMList, *v1beta1.SBOMList](resource{
			plural: "sboms", singular: "sbom", kind: "SBOM", namespaced: true, maxSize: 64 * mib,
			columns: []column{
				{name: "Image", typ: "string", value: func(o runtime.Object) any { return o.(*v1beta1.SBOM).Spec.ImageTag }},
				{name: "Digest", typ: "string", priority: 1, value: func(o runtime.Object) any { return o.(*v1beta1.SBOM).Spec.ImageDigest }},
				{name: "Format", typ: "string", value: func(o runtime.Object) any { return string(o.(*v1beta1.SBOM).Spec.Format) }},
				{name: "Packages", typ: "integer", value: func(o runtime.Object) any { return o.(*v1beta1.SBOM).Spec.PackageCount }},
			},
		}, validation.ValidateSBOM, validation.ValidateSBOMUpdate),
		kindOf[v1beta1.FilteredSBOM, *v1beta1.FilteredSBOM, v1beta1.FilteredSBOMList, *v1beta1.FilteredSBOMList](resource{
			plural: "filteredsboms", singular: "filteredsbom", kind: "FilteredSBOM", namespaced: true, maxSize: 32 * mib,
			columns: []column{
				{name: "Workload", typ: "string", value: func(o runtime.Object) any { return workload(o.(*v1beta1.FilteredSBOM).Spec.Workload) }},
				{name: "Container", typ: "string", value: func(o runtime.Object) any { return o.(*v1beta1.FilteredSBOM).Spec.Container }},
				{name: "Files", typ: "integer", value: func(o runtime.Object) any { return o.(*v1beta1.FilteredSBOM).Spec.RelevantFileCount }},
				{name: "Packages", typ: "integer", value: func(o runtime.Object) any { return o.(*v1beta1.FilteredSBOM).Spec.PackageCount }},
			},
		}, validation.ValidateFilteredSBOM, validation.ValidateFilteredSBOMUpdate),
		kindOf[v1beta1.VulnerabilityManifest, *v1beta1.VulnerabilityManifest, v1beta1.VulnerabilityManifestList, *v1beta1.VulnerabilityManifestList](resource{
			plural: "vulnerabilitymanifests", singular: "vulnerabilitymanifest", kind: "VulnerabilityManifest",
			shortNames: []string{"vm"}, namespaced: true, maxSize: 32 * mib,
			columns: []column{
				{name: "Image", typ: "string", value: func(o runtime.Object) any { return o.(*v1beta1.VulnerabilityManifest).Spec.Image }},
				{name: "Matches", typ: "integer", value: func(o runtime.Object) any { return int64(len(o.(*v1beta1.VulnerabilityManifest).Spec.Matches)) }},
				{name: "Relevancy", typ: "boolean", value: func(o runtime.Object) any { return o.(*v1beta1.VulnerabilityManifest).Spec.WithRelevancy }},
			},
		}, validation.ValidateVulnerabilityManifest, validation.ValidateVulnerabilityManifestUpdate),
		kindOf[v1beta1.VulnerabilityManifestSummary, *v1beta1.VulnerabilityManifestSummary, v1beta1.VulnerabilityManifestSummaryList, *v1beta1.VulnerabilityManifestSummaryList](resource{
			plural: "vulnerabilitymanifestsummaries", singular: "vulnerabilitymanifestsummary", kind: "VulnerabilityManifestSummary",
			shortNames: []string{"vms"}, namespaced: true, maxSize: 1 * mib,
			columns: []column{
				{name: "Workload", typ: "string", value: func(o runtime.Object) any { return workload(o.(*v1beta1.VulnerabilityManifestSummary).Spec.Workload) }},
				{name: "Container", typ: "string", value: func(o runtime.Object) any { return o.(*v1beta1.VulnerabilityManifestSummary).Spec.Container }},
				{name: "Critical", typ: "integer", value: func(o runtime.Object) any {
					return o.(*v1beta1.VulnerabilityManifestSummary).Spec.Severities.All.Critical
				}},
				{name: "High", typ: "integer", value: func(o runtime.Object) any { return o.(*v1beta1.VulnerabilityManifestSummary).Spec.Severities.All.High }},
				{name: "Medium", typ: "integer", value: func(o runtime.Object) any {
					return o.(*v1beta1.VulnerabilityManifestSummary).Spec.Severities.All.Medium
				}},
				{name: "Low", typ: "integer", value: func(o runtime.Object) any { return o.(*v1beta1.VulnerabilityManifestSummary).Spec.Severities.All.Low }},
			},
		}, validation.ValidateVulnerabilityManifestSummary, validation.ValidateVulnerabilityManifestSummaryUpdate),
		kindOf[v1beta1.OpenVulnerabilityExchangeContainer, *v1beta1.OpenVulnerabilityExchangeContainer, v1beta1.OpenVulnerabilityExchangeContainerList, *v1beta1.OpenVulnerabilityExchangeContainerList](resource{
			plural: "openvulnerabilityexchangecontainers", singular: "openvulnerabilityexchangecontainer", kind: "OpenVulnerabilityExchangeContainer",
			shortNames: []string{"vex"}, namespaced: true, maxSize: 16 * mib,
			columns: []column{
				{name: "Author", typ: "string", value: func(o runtime.Object) any { return o.(*v1beta1.OpenVulnerabilityExchangeContainer).Spec.Author }},
				{name: "Statements", typ: "integer", value: func(o runtime.Object) any {
					return int64(len(o.(*v1beta1.OpenVulnerabilityExchangeContainer).Spec.Statements))
				}},
			},
		}, validation.ValidateOpenVulnerabilityExchangeContainer, validation.ValidateOpenVulnerabilityExchangeContainerUpdate),
		kindOf[v1beta1.WorkloadConfigurationScan, *v1beta1.WorkloadConfigurationScan, v1beta1.WorkloadConfigurationScanList, *v1beta1.WorkloadConfigurationScanList](resource{
			plural: "workloadconfigurationscans", singular: "workloadconfigurationscan", kind: "WorkloadConfigurationScan",
			shortNames: []string{"wcs"}, namespaced: true, maxSize: 4 * mib,
			columns: []column{
				{name: "Resource", typ: "string", value: func(o runtime.Object) any { return workload(o.(*v1beta1.WorkloadConfigurationScan).Spec.Resource) }},
				{name: "Failed", typ: "integer", value: func(o runtime.Object) any {
					n := int64(0)
					for _, c := range o.(*v1beta1.WorkloadConfigurationScan).Spec.Controls {
						if c.Status == v1beta1.ControlStatusFailed {
							n++
						}
					}
					return n
				}},
				{name: "Scanned", typ: "string", value: func(o runtime.Object) any { return age(o.(*v1beta1.WorkloadConfigurationScan).Spec.ScanTime) }},
			},
		}, validation.ValidateWorkloadConfigurationScan, validation.ValidateWorkloadConfigurationScanUpdate),
		kindOf[v1beta1.WorkloadConfigurationScanSummary, *v1beta1.WorkloadConfigurationScanSummary, v1beta1.WorkloadConfigurationScanSummaryList, *v1beta1.WorkloadConfigurationScanSummaryList](resource{
			plural: "workloadconfigurationscansummaries", singular: "workloadconfigurationscansummary", kind: "WorkloadConfigurationScanSummary",
			shortNames: []string{"wcss"}, namespaced: true, maxSize: 1 * mib,
			columns: append([]column{
				{name: "Resource", typ: "string", value: func(o runtime.Object) any {
					return workload(o.(*v1beta1.WorkloadConfigurationScanSummary).Spec.Resource)
				}},
			}, severityColumns(func(o runtime.Object) v1beta1.SeverityCounts {
				return o.(*v1beta1.WorkloadConfigurationScanSummary).Spec.Severities
			})...),
		}, validation.ValidateWorkloadConfigurationScanSummary, validation.ValidateWorkloadConfigurationScanSummaryUpdate),
		summaryResource(),
		kindOf[v1beta1.GeneratedNetworkPolicy, *v1beta1.GeneratedNetworkPolicy, v1beta1.GeneratedNetworkPolicyList, *v1beta1.GeneratedNetworkPolicyList](resource{
			plural: "generatednetworkpolicies", singular: "generatednetworkpolicy", kind: "GeneratedNetworkPolicy",
			shortNames: []string{"gnp"}, namespaced: true, maxSize: 2 * mib,
			columns: []column{
				{name: "Workload", typ: "string", value: func(o runtime.Object) any { return workload(o.(*v1beta1.GeneratedNetworkPolicy).Spec.Workload) }},
				{name: "Refs", typ: "integer", value: func(o runtime.Object) any { return int64(len(o.(*v1beta1.GeneratedNetworkPolicy).Spec.PolicyRefs)) }},
			},
		}, validation.ValidateGeneratedNetworkPolicy, validation.ValidateGeneratedNetworkPolicyUpdate),
		kindOf[v1beta1.KnownServer, *v1beta1.KnownServer, v1beta1.KnownServerList, *v1beta1.KnownServerList](resource{
			plural: "knownservers", singular: "knownserver", kind: "KnownServer", maxSize: 4 * mib,
			columns: []column{
				{name: "Entries", typ: "integer", value: func(o runtime.Object) any { return int64(len(o.(*v1beta1.KnownServer).Spec.Entries)) }},
			},
		}, validation.ValidateKnownServer, validation.ValidateKnownServerUpdate),
		kindOf[v1beta1.SeccompProfile, *v1beta1.SeccompProfile, v1beta1.SeccompProfileList, *v1beta1.SeccompProfileList](resource{
			plural: "seccompprofiles", singular: "seccompprofile", kind: "SeccompProfile",
			shortNames: []string{"sp"}, namespaced: true, hasStatus: true, maxSize: 4 * mib,
			columns: []column{
				{name: "Workload", typ: "string", value: func(o runtime.Object) any { return workload(o.(*v1beta1.SeccompProfile).Spec.Workload) }},
				{name: "Containers", typ: "integer", value: func(o runtime.Object) any {
					s := o.(*v1beta1.SeccompProfile).Spec
					return int64(len(s.Containers) + len(s.InitContainers) + len(s.EphemeralContainers))
				}},
			},
		}, validation.ValidateSeccompProfile, validation.ValidateSeccompProfileUpdate, validation.ValidateSeccompProfileStatusUpdate),
		kindOf[v1beta1.RuntimeAlert, *v1beta1.RuntimeAlert, v1beta1.RuntimeAlertList, *v1beta1.RuntimeAlertList](resource{
			plural: "runtimealerts", singular: "runtimealert", kind: "RuntimeAlert",
			shortNames: []string{"ra"}, namespaced: true, hasStatus: true, maxSize: 256 * kib,
			columns: []column{
				{name: "Severity", typ: "string", value: func(o runtime.Object) any { return string(o.(*v1beta1.RuntimeAlert).Spec.Severity) }},
				{name: "Rule", typ: "string", value: func(o runtime.Object) any {
					s := o.(*v1beta1.RuntimeAlert).Spec
					return s.RuleID + " " + s.RuleName
				}},
				{name: "Pod", typ: "string", value: func(o runtime.Object) any { return o.(*v1beta1.RuntimeAlert).Spec.PodName }},
				{name: "Container", typ: "string", value: func(o runtime.Object) any { return o.(*v1beta1.RuntimeAlert).Spec.ContainerName }},
				{name: "Node", typ: "string", priority: 1, value: func(o runtime.Object) any { return o.(*v1beta1.RuntimeAlert).Spec.NodeName }},
				{name: "Count", typ: "integer", priority: 1, value: func(o runtime.Object) any { return max(o.(*v1beta1.RuntimeAlert).Spec.Count, 1) }},
				{name: "Seen", typ: "string", value: func(o runtime.Object) any { return age(metav1.NewTime(alertTime(o.(*v1beta1.RuntimeAlert)))) }},
				{name: "Message", typ: "string", priority: 1, value: func(o runtime.Object) any { return o.(*v1beta1.RuntimeAlert).Spec.Message }},
			},
		}, validation.ValidateRuntimeAlert, validation.ValidateRuntimeAlertUpdate, validation.ValidateRuntimeAlertStatusUpdate),
	}
}

// summaryResource is the computed, read-only ConfigurationScanSummary.
func summaryResource() *resource {
	return &resource{
		plural: "configurationscansummaries", singular: "configurationscansummary", kind: "ConfigurationScanSummary",
		shortNames: []string{"css"}, computed: true,
		columns: append([]column{
			{name: "Workloads", typ: "integer", value: func(o runtime.Object) any { return o.(*v1beta1.ConfigurationScanSummary).Spec.Workloads }},
			{name: "Failed", typ: "integer", value: func(o runtime.Object) any { return o.(*v1beta1.ConfigurationScanSummary).Spec.FailedWorkloads }},
		}, severityColumns(func(o runtime.Object) v1beta1.SeverityCounts {
			return o.(*v1beta1.ConfigurationScanSummary).Spec.Severities
		})...),
		validate: func(runtime.Object) field.ErrorList {
			return field.ErrorList{field.Forbidden(nil, "configurationscansummaries are computed by the server and cannot be written")}
		},
	}
}

func severityColumns(get func(runtime.Object) v1beta1.SeverityCounts) []column {
	return []column{
		{name: "Critical", typ: "integer", value: func(o runtime.Object) any { return get(o).Critical }},
		{name: "High", typ: "integer", value: func(o runtime.Object) any { return get(o).High }},
		{name: "Medium", typ: "integer", value: func(o runtime.Object) any { return get(o).Medium }},
		{name: "Low", typ: "integer", value: func(o runtime.Object) any { return get(o).Low }},
	}
}

// workload renders a reference as kubectl names objects: kind/namespace/name.
func workload(w v1beta1.WorkloadReference) string {
	parts := []string{strings.ToLower(w.Kind)}
	if w.Namespace != "" {
		parts = append(parts, w.Namespace)
	}
	parts = append(parts, w.Name)
	return strings.Join(parts, "/")
}
