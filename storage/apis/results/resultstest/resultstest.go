// Package resultstest provides a valid object of every kind of the
// results.kubescape.io API, with every optional part filled in, for the
// tests of the API (validation, defaulting, serialization), the registry
// and the storage. Every call returns a new object the caller may change.
// The objects are valid as created (no resourceVersion) and already
// carry what defaulting would add (labels, counts), so a round trip through
// the server's codecs leaves them unchanged.
package resultstest

import (
	"strings"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

// T0 and T1 are the times of the examples, T0 before T1.
var (
	T0 = metav1.NewTime(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
	T1 = metav1.NewTime(time.Date(2025, 3, 1, 11, 0, 0, 0, time.UTC))
)

// Digest and Digest2 are image digests.
const (
	Digest  = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	Digest2 = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
)

func meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "shop"}
}

// Workload returns the workload of the examples: Deployment shop/cart.
func Workload() v1beta1.WorkloadReference {
	return v1beta1.WorkloadReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "cart", UID: "8a3f"}
}

// ApplicationProfile returns a profile of a Deployment with a container and an init container, learning ended.
func ApplicationProfile() *v1beta1.ApplicationProfile {
	o := &v1beta1.ApplicationProfile{
		ObjectMeta: meta("deployment-cart"),
		Spec: v1beta1.ApplicationProfileSpec{
			Workload:      Workload(),
			Architectures: []string{"amd64"},
			Containers: []v1beta1.ContainerProfile{{
				Name:         "cart",
				ImageID:      "docker.io/shop/cart@" + Digest,
				ImageTag:     "shop/cart:1.4",
				Capabilities: []string{"CAP_NET_BIND_SERVICE"},
				Execs:        []v1beta1.ExecCall{{Path: "/usr/bin/cart", Args: []string{"cart", "--port=80"}}},
				Opens:        []v1beta1.OpenCall{{Path: "/etc/cart.yaml", Flags: []string{"O_RDONLY", "O_CLOEXEC"}}},
				Syscalls:     []string{"read", "write", "openat"},
				Endpoints:    []v1beta1.HTTPEndpoint{{Endpoint: ":80/cart", Direction: v1beta1.HTTPDirectionInbound, Methods: []string{"GET"}, Internal: true}},
				SeccompProfile: &v1beta1.SeccompProfileReference{
					Name: "deployment-cart", Container: "cart",
				},
			}},
			InitContainers: []v1beta1.ContainerProfile{{Name: "migrate", Syscalls: []string{"read"}}},
		},
		Status: v1beta1.ProfileStatus{
			Phase:         v1beta1.ProfilePhaseReady,
			Completion:    v1beta1.ProfileCompletionComplete,
			LearningStart: &T0,
			LearningEnd:   &T1,
		},
	}
	v1beta1.SetObjectDefaults_ApplicationProfile(o)
	return o
}

// NetworkNeighborhood returns a neighbourhood with an internal ingress peer and an external egress peer.
func NetworkNeighborhood() *v1beta1.NetworkNeighborhood {
	o := &v1beta1.NetworkNeighborhood{
		ObjectMeta: meta("deployment-cart"),
		Spec: v1beta1.NetworkNeighborhoodSpec{
			Workload: Workload(),
			Selector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "cart"}},
			Containers: []v1beta1.NetworkNeighborhoodContainer{{
				Name: "cart",
				Ingress: []v1beta1.NetworkNeighbor{{
					Identifier:  "frontend",
					Type:        v1beta1.CommunicationTypeInternal,
					Ports:       []v1beta1.NetworkPort{{Name: "TCP-80", Protocol: v1beta1.ProtocolTCP, Port: ptrTo[int32](80)}},
					PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "frontend"}},
				}},
				Egress: []v1beta1.NetworkNeighbor{{
					Identifier: "payments-api",
					Type:       v1beta1.CommunicationTypeExternal,
					DNS:        "api.payments.example.",
					DNSNames:   []string{"api.payments.example."},
					Ports:      []v1beta1.NetworkPort{{Name: "TCP-443", Protocol: v1beta1.ProtocolTCP, Port: ptrTo[int32](443)}},
					IPAddress:  "203.0.113.10",
				}},
			}},
		},
		Status: v1beta1.ProfileStatus{Phase: v1beta1.ProfilePhaseLearning, Completion: v1beta1.ProfileCompletionPartial, LearningStart: &T0},
	}
	v1beta1.SetObjectDefaults_NetworkNeighborhood(o)
	return o
}

// SeccompProfile returns a profile with one container, written to one node.
func SeccompProfile() *v1beta1.SeccompProfile {
	o := &v1beta1.SeccompProfile{
		ObjectMeta: meta("deployment-cart"),
		Spec: v1beta1.SeccompProfileSpec{
			Workload: Workload(),
			Containers: []v1beta1.ContainerSeccompProfile{{
				Name:            "cart",
				DefaultAction:   v1beta1.SeccompActionErrno,
				DefaultErrnoRet: ptrTo[int32](1),
				Architectures:   []string{"SCMP_ARCH_X86_64"},
				Syscalls: []v1beta1.SeccompSyscallRule{
					{Names: []string{"read", "write"}, Action: v1beta1.SeccompActionAllow},
					{Names: []string{"personality"}, Action: v1beta1.SeccompActionAllow, Args: []v1beta1.SeccompArg{{Index: 0, Value: 8, Op: v1beta1.SeccompOpEqualTo}}},
				},
			}},
		},
		Status: v1beta1.SeccompProfileStatus{Containers: []v1beta1.SeccompProfileContainerStatus{{
			Name: "cart", LocalhostProfile: "kubescape/shop/deployment-cart-cart.json", Nodes: []string{"node-1"},
		}}},
	}
	v1beta1.SetObjectDefaults_SeccompProfile(o)
	return o
}

// SBOM returns a Syft SBOM of an image.
func SBOM() *v1beta1.SBOM {
	return &v1beta1.SBOM{
		ObjectMeta: meta("cart-0123456789ab"),
		Spec: v1beta1.SBOMSpec{
			ImageID:      "docker.io/shop/cart@" + Digest,
			ImageDigest:  Digest,
			ImageTag:     "shop/cart:1.4",
			Tool:         v1beta1.ToolInfo{Name: "syft", Version: "1.57.0"},
			Format:       v1beta1.SBOMFormatSyftJSON,
			PackageCount: 2,
			Document:     runtime.RawExtension{Raw: []byte(`{"artifacts":[{"name":"openssl"},{"name":"zlib"}]}`)},
		},
	}
}

// FilteredSBOM returns an SPDX SBOM filtered to what one container uses.
func FilteredSBOM() *v1beta1.FilteredSBOM {
	o := &v1beta1.FilteredSBOM{
		ObjectMeta: meta("deployment-cart-cart"),
		Spec: v1beta1.FilteredSBOMSpec{
			Workload:          Workload(),
			Container:         "cart",
			ImageID:           "docker.io/shop/cart@" + Digest,
			ImageDigest:       Digest,
			SBOMName:          "cart-0123456789ab",
			Tool:              v1beta1.ToolInfo{Name: "syft", Version: "1.57.0"},
			Format:            v1beta1.SBOMFormatSPDXJSON,
			RelevantFileCount: 12,
			PackageCount:      1,
			Document:          runtime.RawExtension{Raw: []byte(`{"spdxVersion":"SPDX-2.3","packages":[]}`)},
		},
	}
	v1beta1.SetObjectDefaults_FilteredSBOM(o)
	return o
}

// VulnerabilityManifest returns a manifest with relevancy and one fixed match.
func VulnerabilityManifest() *v1beta1.VulnerabilityManifest {
	w := Workload()
	o := &v1beta1.VulnerabilityManifest{
		ObjectMeta: meta("deployment-cart-cart"),
		Spec: v1beta1.VulnerabilityManifestSpec{
			Image:         "shop/cart:1.4",
			ImageDigest:   Digest,
			Tool:          v1beta1.VulnerabilityScanner{Name: "grype", Version: "0.121.2", DatabaseBuilt: &T0, DatabaseSchema: "v6.0.2"},
			WithRelevancy: true,
			Workload:      &w,
			Container:     "cart",
			SBOMName:      "deployment-cart-cart",
			ScanTime:      T1,
			Matches: []v1beta1.VulnerabilityMatch{{
				Vulnerability: v1beta1.Vulnerability{
					ID:          "CVE-2024-5535",
					Severity:    v1beta1.VulnerabilitySeverityMedium,
					DataSource:  "https://security-tracker.debian.org/tracker/CVE-2024-5535",
					Description: "SSL_select_next_proto buffer overread",
					Fix:         v1beta1.VulnerabilityFix{State: v1beta1.FixStateFixed, Versions: []string{"3.0.14-1"}},
					CVSS:        []v1beta1.CVSSScore{{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H", BaseScore: "9.1", Source: "nvd@nist.gov"}},
					References:  []string{"https://www.openssl.org/news/secadv/20240627.txt"},
					RelatedIDs:  []string{"DSA-5724-1"},
				},
				Package: v1beta1.MatchedPackage{Name: "openssl", Version: "3.0.11-1", Type: "deb", PURL: "pkg:deb/debian/openssl@3.0.11-1", Locations: []string{"/var/lib/dpkg/status"}},
			}},
		},
	}
	v1beta1.SetObjectDefaults_VulnerabilityManifest(o)
	return o
}

// VulnerabilityManifestSummary returns counts for the whole image and for what the container uses.
func VulnerabilityManifestSummary() *v1beta1.VulnerabilityManifestSummary {
	o := &v1beta1.VulnerabilityManifestSummary{
		ObjectMeta: meta("deployment-cart-cart"),
		Spec: v1beta1.VulnerabilityManifestSummarySpec{
			Workload:    Workload(),
			Container:   "cart",
			Image:       "shop/cart:1.4",
			ImageDigest: Digest,
			Severities: v1beta1.SeveritySummary{
				All:      v1beta1.VulnerabilityCounts{Critical: 1, High: 4, Medium: 9, Low: 2, Negligible: 7, Unknown: 1},
				Relevant: &v1beta1.VulnerabilityCounts{High: 1, Medium: 1},
			},
			Manifests: v1beta1.VulnerabilityManifestReferences{All: "cart-0123456789ab", Relevant: "deployment-cart-cart"},
		},
	}
	v1beta1.SetObjectDefaults_VulnerabilityManifestSummary(o)
	return o
}

// OpenVulnerabilityExchangeContainer returns an OpenVEX document with a not_affected and an affected statement.
func OpenVulnerabilityExchangeContainer() *v1beta1.OpenVulnerabilityExchangeContainer {
	o := &v1beta1.OpenVulnerabilityExchangeContainer{
		ObjectMeta: meta("cart-0123456789ab"),
		Spec: v1beta1.VEXDocument{
			Context:   v1beta1.DefaultVEXContext,
			ID:        "https://kubescape.io/vex/cart-0123456789ab",
			Author:    "kubescape operator",
			Role:      "Document Creator",
			Timestamp: T0,
			Version:   2,
			Tooling:   "kubescape",
			Statements: []v1beta1.VEXStatement{
				{
					Vulnerability: v1beta1.VEXVulnerability{Name: "CVE-2024-5535", Aliases: []string{"DSA-5724-1"}},
					Products: []v1beta1.VEXProduct{{
						ID:            "pkg:oci/cart@" + Digest,
						Subcomponents: []v1beta1.VEXSubcomponent{{ID: "pkg:deb/debian/openssl@3.0.11-1"}},
					}},
					Status:        v1beta1.VEXStatusNotAffected,
					Justification: v1beta1.VEXVulnerableCodeNotInExecutePath,
				},
				{
					Vulnerability:   v1beta1.VEXVulnerability{Name: "CVE-2024-0001"},
					Products:        []v1beta1.VEXProduct{{ID: "pkg:oci/cart@" + Digest}},
					Status:          v1beta1.VEXStatusAffected,
					ActionStatement: "Upgrade zlib to 1.3.1",
				},
			},
		},
	}
	v1beta1.SetObjectDefaults_OpenVulnerabilityExchangeContainer(o)
	return o
}

// WorkloadConfigurationScan returns a scan with a failed, an excepted and a passed control.
func WorkloadConfigurationScan() *v1beta1.WorkloadConfigurationScan {
	o := &v1beta1.WorkloadConfigurationScan{
		ObjectMeta: meta("apps-v1-deployment-shop-cart"),
		Spec: v1beta1.WorkloadConfigurationScanSpec{
			Resource:   Workload(),
			ScanTime:   T0,
			Scanner:    &v1beta1.ToolInfo{Name: "kubescape-operator", Version: "1.0.0"},
			Frameworks: []string{"nsa", "mitre"},
			Controls: []v1beta1.ControlResult{
				{
					ControlID:   "C-0057",
					Name:        "Privileged container",
					Severity:    v1beta1.SeverityHigh,
					Status:      v1beta1.ControlStatusFailed,
					Message:     "container cart is privileged",
					FailedPaths: []string{"spec.template.spec.containers[0].securityContext.privileged"},
					FixPaths:    []v1beta1.FixPath{{Path: "spec.template.spec.containers[0].securityContext.privileged", Value: "false"}},
				},
				{ControlID: "C-0017", Name: "Immutable container filesystem", Severity: v1beta1.SeverityLow, Status: v1beta1.ControlStatusExcepted, ExceptionReason: "exception shop-legacy: writes its cache"},
				{ControlID: "C-0030", Name: "Ingress and Egress blocked", Severity: v1beta1.SeverityMedium, Status: v1beta1.ControlStatusPassed},
			},
		},
	}
	v1beta1.SetObjectDefaults_WorkloadConfigurationScan(o)
	return o
}

// WorkloadConfigurationScanSummary returns the summary of WorkloadConfigurationScan.
func WorkloadConfigurationScanSummary() *v1beta1.WorkloadConfigurationScanSummary {
	o := &v1beta1.WorkloadConfigurationScanSummary{
		ObjectMeta: meta("apps-v1-deployment-shop-cart"),
		Spec: v1beta1.WorkloadConfigurationScanSummarySpec{
			Resource:   Workload(),
			ScanTime:   T0,
			Severities: v1beta1.SeverityCounts{High: 1},
			Controls: []v1beta1.ControlSummary{
				{ControlID: "C-0057", Status: v1beta1.ControlStatusFailed, Severity: v1beta1.SeverityHigh},
				{ControlID: "C-0030", Status: v1beta1.ControlStatusPassed, Severity: v1beta1.SeverityMedium},
			},
		},
	}
	v1beta1.SetObjectDefaults_WorkloadConfigurationScanSummary(o)
	return o
}

// ConfigurationScanSummary returns the totals of namespace shop.
func ConfigurationScanSummary() *v1beta1.ConfigurationScanSummary {
	return &v1beta1.ConfigurationScanSummary{
		ObjectMeta: metav1.ObjectMeta{Name: "shop"},
		Spec: v1beta1.ConfigurationScanSummarySpec{
			Severities:      v1beta1.SeverityCounts{High: 1, Low: 3},
			Workloads:       2,
			FailedWorkloads: 1,
			LastScanTime:    &T0,
			Summaries: []v1beta1.WorkloadSummaryReference{
				{Name: "apps-v1-deployment-shop-cart", Kind: "Deployment", ResourceName: "cart"},
				{Name: "apps-v1-deployment-shop-web", Kind: "Deployment", ResourceName: "web"},
			},
		},
	}
}

// GeneratedNetworkPolicy returns a policy with an ingress pod peer and an egress IP block.
func GeneratedNetworkPolicy() *v1beta1.GeneratedNetworkPolicy {
	tcp := networkingv1.NetworkPolicyPort{Port: ptrTo(intstr.FromInt32(443))}
	o := &v1beta1.GeneratedNetworkPolicy{
		ObjectMeta: meta("deployment-cart"),
		Spec: v1beta1.GeneratedNetworkPolicySpec{
			Workload: Workload(),
			NetworkPolicy: networkingv1.NetworkPolicy{
				TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
				ObjectMeta: metav1.ObjectMeta{Name: "cart", Namespace: "shop", Annotations: map[string]string{"generated-by": "kubescape"}},
				Spec: networkingv1.NetworkPolicySpec{
					PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "cart"}},
					PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
					Ingress: []networkingv1.NetworkPolicyIngressRule{{
						From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "frontend"}}}},
					}},
					Egress: []networkingv1.NetworkPolicyEgressRule{{
						Ports: []networkingv1.NetworkPolicyPort{tcp},
						To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "203.0.113.0/24", Except: []string{"203.0.113.128/25"}}}},
					}},
				},
			},
			PolicyRefs: []v1beta1.PolicyRef{{IPBlock: "203.0.113.0/24", OriginalIP: "203.0.113.10", DNS: "api.payments.example.", Name: "payments", Server: "payments-provider"}},
		},
	}
	v1beta1.SetObjectDefaults_GeneratedNetworkPolicy(o)
	return o
}

// KnownServer returns the address ranges of a code hosting service.
func KnownServer() *v1beta1.KnownServer {
	return &v1beta1.KnownServer{
		ObjectMeta: metav1.ObjectMeta{Name: "github"},
		Spec: v1beta1.KnownServerSpec{Entries: []v1beta1.KnownServerEntry{
			{IPBlock: "140.82.112.0/20", Name: "github", Server: "github.com", DNSNames: []string{"github.com", "*.github.com", "api.github.com."}},
			{IPBlock: "2a0a:a440::/29", Name: "github", Server: "github.com"},
		}},
	}
}

// RuntimeAlert returns an acknowledged alert of an unexpected shell, seen three times.
func RuntimeAlert() *v1beta1.RuntimeAlert {
	w := Workload()
	o := &v1beta1.RuntimeAlert{
		ObjectMeta: meta("r0001-cart-7d9f-1"),
		Spec: v1beta1.RuntimeAlertSpec{
			RuleID:        "R0001",
			RuleName:      "Unexpected process launched",
			Severity:      v1beta1.SeverityHigh,
			Message:       "/bin/sh was run in container cart, which its profile does not include",
			Time:          T0,
			LastTime:      &T1,
			Count:         3,
			Workload:      &w,
			PodName:       "cart-7d9f-xk2lp",
			ContainerName: "cart",
			ContainerID:   "containerd://" + strings.Repeat("ab", 32),
			NodeName:      "node-1",
			Process:       &v1beta1.ProcessInfo{PID: 4242, PPID: 1, Comm: "sh", ExePath: "/bin/sh", Args: []string{"sh", "-c", "id"}, UID: ptrTo[int64](0)},
			Details:       map[string]string{"path": "/bin/sh"},
		},
		Status: v1beta1.RuntimeAlertStatus{Acknowledged: true, AcknowledgedBy: "alice", AcknowledgedAt: &T1},
	}
	v1beta1.SetObjectDefaults_RuntimeAlert(o)
	return o
}

// All returns one example of every kind, in the order of v1beta1.KnownTypes.
func All() []runtime.Object {
	return []runtime.Object{
		ApplicationProfile(), NetworkNeighborhood(), SBOM(), FilteredSBOM(),
		VulnerabilityManifest(), VulnerabilityManifestSummary(), OpenVulnerabilityExchangeContainer(),
		WorkloadConfigurationScan(), WorkloadConfigurationScanSummary(), ConfigurationScanSummary(),
		GeneratedNetworkPolicy(), KnownServer(), SeccompProfile(), RuntimeAlert(),
	}
}

func ptrTo[T any](v T) *T { return &v }
