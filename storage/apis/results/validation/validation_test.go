package validation

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

func TestValidateApplicationProfile(t *testing.T) {
	type obj = *v1beta1.ApplicationProfile
	runErrorCases(t, validApplicationProfile, ValidateApplicationProfile, []errorCase[obj]{
		{"namespace required", func(o obj) { o.Namespace = "" }, "metadata.namespace", field.ErrorTypeRequired},
		{"name a DNS subdomain", func(o obj) { o.Name = "Cart_1" }, "metadata.name", field.ErrorTypeInvalid},
		{"workload apiVersion required", func(o obj) { o.Spec.Workload.APIVersion = "" }, "spec.workload.apiVersion", field.ErrorTypeRequired},
		{"workload apiVersion form", func(o obj) { o.Spec.Workload.APIVersion = "apps/v1/x" }, "spec.workload.apiVersion", field.ErrorTypeInvalid},
		{"workload kind required", func(o obj) { o.Spec.Workload.Kind = "" }, "spec.workload.kind", field.ErrorTypeRequired},
		{"workload kind form", func(o obj) { o.Spec.Workload.Kind = "deployment" }, "spec.workload.kind", field.ErrorTypeInvalid},
		{"workload name required", func(o obj) { o.Spec.Workload.Name = "" }, "spec.workload.name", field.ErrorTypeRequired},
		{"workload name form", func(o obj) { o.Spec.Workload.Name = "Cart" }, "spec.workload.name", field.ErrorTypeInvalid},
		{"workload namespace required", func(o obj) { o.Spec.Workload.Namespace = "" }, "spec.workload.namespace", field.ErrorTypeRequired},
		{"workload namespace form", func(o obj) { o.Spec.Workload.Namespace = "a.b" }, "spec.workload.namespace", field.ErrorTypeInvalid},
		{"architectures unique", func(o obj) { o.Spec.Architectures = []string{"amd64", "amd64"} }, "spec.architectures[1]", field.ErrorTypeDuplicate},
		{"container names unique", func(o obj) { o.Spec.Containers = append(o.Spec.Containers, v1beta1.ContainerProfile{Name: "cart"}) }, "spec.containers[1].name", field.ErrorTypeDuplicate},
		{"container name required", func(o obj) { o.Spec.InitContainers[0].Name = "" }, "spec.initContainers[0].name", field.ErrorTypeRequired},
		{"container name a DNS label", func(o obj) { o.Spec.EphemeralContainers = []v1beta1.ContainerProfile{{Name: "Debug"}} }, "spec.ephemeralContainers[0].name", field.ErrorTypeInvalid},
		{"capability form", func(o obj) { o.Spec.Containers[0].Capabilities = []string{"net_admin"} }, "spec.containers[0].capabilities[0]", field.ErrorTypeInvalid},
		{"exec path required", func(o obj) { o.Spec.Containers[0].Execs[0].Path = "" }, "spec.containers[0].execs[0].path", field.ErrorTypeRequired},
		{"exec path absolute", func(o obj) { o.Spec.Containers[0].Execs[0].Path = "bin/sh" }, "spec.containers[0].execs[0].path", field.ErrorTypeInvalid},
		{"open path absolute", func(o obj) { o.Spec.Containers[0].Opens[0].Path = "etc/passwd" }, "spec.containers[0].opens[0].path", field.ErrorTypeInvalid},
		{"open flags unique", func(o obj) { o.Spec.Containers[0].Opens[0].Flags = []string{"O_RDONLY", "O_RDONLY"} }, "spec.containers[0].opens[0].flags[1]", field.ErrorTypeDuplicate},
		{"syscalls not empty", func(o obj) { o.Spec.Containers[0].Syscalls = []string{""} }, "spec.containers[0].syscalls[0]", field.ErrorTypeRequired},
		{"endpoint required", func(o obj) { o.Spec.Containers[0].Endpoints[0].Endpoint = "" }, "spec.containers[0].endpoints[0].endpoint", field.ErrorTypeRequired},
		{"endpoint direction", func(o obj) { o.Spec.Containers[0].Endpoints[0].Direction = "sideways" }, "spec.containers[0].endpoints[0].direction", field.ErrorTypeNotSupported},
		{"seccomp profile name", func(o obj) { o.Spec.Containers[0].SeccompProfile.Name = "" }, "spec.containers[0].seccompProfile.name", field.ErrorTypeRequired},
		{"seccomp profile container", func(o obj) { o.Spec.Containers[0].SeccompProfile.Container = "Cart" }, "spec.containers[0].seccompProfile.container", field.ErrorTypeInvalid},
		{"endpoint methods unique", func(o obj) { o.Spec.Containers[0].Endpoints[0].Methods = []string{"GET", "GET"} }, "spec.containers[0].endpoints[0].methods[1]", field.ErrorTypeDuplicate},
		{"phase", func(o obj) { o.Status.Phase = "Done" }, "status.phase", field.ErrorTypeNotSupported},
		{"completion", func(o obj) { o.Status.Completion = "full" }, "status.completion", field.ErrorTypeNotSupported},
		{"learning end after start", func(o obj) { o.Status.LearningEnd = &t0; o.Status.LearningStart = &t1 }, "status.learningEnd", field.ErrorTypeInvalid},
		{"learning end needs start", func(o obj) { o.Status.LearningStart = nil }, "status.learningStart", field.ErrorTypeRequired},
		{"ready needs learning end", func(o obj) { o.Status.LearningEnd = nil }, "status.learningEnd", field.ErrorTypeRequired},
	})
}

func TestValidateApplicationProfileUpdate(t *testing.T) {
	old := validApplicationProfile()
	old.ResourceVersion = "7"
	if errs := ValidateApplicationProfileUpdate(old.DeepCopy(), old); len(errs) != 0 {
		t.Fatalf("unchanged object fails: %v", errs)
	}
	moved := old.DeepCopy()
	moved.Spec.Workload.Name = "basket"
	expectError(t, ValidateApplicationProfileUpdate(moved, old), "spec.workload", field.ErrorTypeInvalid)

	noRV := old.DeepCopy()
	noRV.ResourceVersion = ""
	expectError(t, ValidateApplicationProfileUpdate(noRV, old), "metadata.resourceVersion", field.ErrorTypeInvalid)

	completed := old.DeepCopy()
	completed.Status.Phase = v1beta1.ProfilePhaseCompleted
	reopened := completed.DeepCopy()
	reopened.Status.Phase = v1beta1.ProfilePhaseLearning
	reopened.Status.LearningEnd = nil
	expectError(t, ValidateApplicationProfileStatusUpdate(reopened, completed), "status.phase", field.ErrorTypeForbidden)
	if errs := ValidateApplicationProfileStatusUpdate(completed, old); len(errs) != 0 {
		t.Errorf("Ready -> Completed fails: %v", errs)
	}
}

func TestValidateNetworkNeighborhood(t *testing.T) {
	type obj = *v1beta1.NetworkNeighborhood
	egress := func(o obj) *v1beta1.NetworkNeighbor { return &o.Spec.Containers[0].Egress[0] }
	ingress := func(o obj) *v1beta1.NetworkNeighbor { return &o.Spec.Containers[0].Ingress[0] }
	runErrorCases(t, validNetworkNeighborhood, ValidateNetworkNeighborhood, []errorCase[obj]{
		{"namespace required", func(o obj) { o.Namespace = "" }, "metadata.namespace", field.ErrorTypeRequired},
		{"workload kind", func(o obj) { o.Spec.Workload.Kind = "" }, "spec.workload.kind", field.ErrorTypeRequired},
		{"selector", func(o obj) { o.Spec.Selector.MatchLabels = map[string]string{"app": "no spaces"} }, "spec.selector.matchLabels", field.ErrorTypeInvalid},
		{"container names unique", func(o obj) { o.Spec.Containers = append(o.Spec.Containers, o.Spec.Containers[0]) }, "spec.containers[1].name", field.ErrorTypeDuplicate},
		{"identifier required", func(o obj) { egress(o).Identifier = "" }, "spec.containers[0].egress[0].identifier", field.ErrorTypeRequired},
		{"identifiers unique", func(o obj) {
			o.Spec.Containers[0].Egress = append(o.Spec.Containers[0].Egress, *egress(o))
		}, "spec.containers[0].egress[1].identifier", field.ErrorTypeDuplicate},
		{"type required", func(o obj) { egress(o).Type = "" }, "spec.containers[0].egress[0].type", field.ErrorTypeRequired},
		{"type enum", func(o obj) { egress(o).Type = "cluster" }, "spec.containers[0].egress[0].type", field.ErrorTypeNotSupported},
		{"port protocol", func(o obj) { egress(o).Ports[0].Protocol = "ICMP" }, "spec.containers[0].egress[0].ports[0].protocol", field.ErrorTypeNotSupported},
		{"port zero", func(o obj) { egress(o).Ports[0].Port = ptrTo[int32](0) }, "spec.containers[0].egress[0].ports[0].port", field.ErrorTypeInvalid},
		{"port too high", func(o obj) { egress(o).Ports[0].Port = ptrTo[int32](65536) }, "spec.containers[0].egress[0].ports[0].port", field.ErrorTypeInvalid},
		{"port name required", func(o obj) { egress(o).Ports[0].Name = "" }, "spec.containers[0].egress[0].ports[0].name", field.ErrorTypeRequired},
		{"port names unique", func(o obj) { egress(o).Ports = append(egress(o).Ports, egress(o).Ports[0]) }, "spec.containers[0].egress[0].ports[1].name", field.ErrorTypeDuplicate},
		{"ip address", func(o obj) { egress(o).IPAddress = "203.0.113.300" }, "spec.containers[0].egress[0].ipAddress", field.ErrorTypeInvalid},
		{"external needs an address", func(o obj) { egress(o).IPAddress = ""; egress(o).DNS = ""; egress(o).DNSNames = nil }, "spec.containers[0].egress[0].ipAddress", field.ErrorTypeRequired},
		{"internal needs a selector", func(o obj) { ingress(o).PodSelector = nil }, "spec.containers[0].ingress[0].podSelector", field.ErrorTypeRequired},
		{"pod selector", func(o obj) {
			ingress(o).PodSelector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Near"}}
		}, "spec.containers[0].ingress[0].podSelector.matchExpressions[0].operator", field.ErrorTypeInvalid},
		{"dns names unique", func(o obj) { egress(o).DNSNames = []string{"a.example", "a.example"} }, "spec.containers[0].egress[0].dnsNames[1]", field.ErrorTypeDuplicate},
		{"phase", func(o obj) { o.Status.Phase = "learning" }, "status.phase", field.ErrorTypeNotSupported},
	})
	old := validNetworkNeighborhood()
	old.ResourceVersion = "1"
	moved := old.DeepCopy()
	moved.Spec.Workload.Kind = "StatefulSet"
	expectError(t, ValidateNetworkNeighborhoodUpdate(moved, old), "spec.workload", field.ErrorTypeInvalid)
	badStatus := old.DeepCopy()
	badStatus.Status.Completion = "half"
	expectError(t, ValidateNetworkNeighborhoodStatusUpdate(badStatus, old), "status.completion", field.ErrorTypeNotSupported)
}

func TestValidateSeccompProfile(t *testing.T) {
	type obj = *v1beta1.SeccompProfile
	c := func(o obj) *v1beta1.ContainerSeccompProfile { return &o.Spec.Containers[0] }
	runErrorCases(t, validSeccompProfile, ValidateSeccompProfile, []errorCase[obj]{
		{"workload", func(o obj) { o.Spec.Workload.Name = "" }, "spec.workload.name", field.ErrorTypeRequired},
		{"container names unique", func(o obj) { o.Spec.Containers = append(o.Spec.Containers, *c(o)) }, "spec.containers[1].name", field.ErrorTypeDuplicate},
		{"default action required", func(o obj) { c(o).DefaultAction = "" }, "spec.containers[0].defaultAction", field.ErrorTypeRequired},
		{"default action enum", func(o obj) { c(o).DefaultAction = "ALLOW" }, "spec.containers[0].defaultAction", field.ErrorTypeNotSupported},
		{"errno only with errno action", func(o obj) { c(o).DefaultAction = v1beta1.SeccompActionLog }, "spec.containers[0].defaultErrnoRet", field.ErrorTypeForbidden},
		{"errno not negative", func(o obj) { c(o).DefaultErrnoRet = ptrTo[int32](-1) }, "spec.containers[0].defaultErrnoRet", field.ErrorTypeInvalid},
		{"architecture", func(o obj) { c(o).Architectures = []string{"x86_64"} }, "spec.containers[0].architectures[0]", field.ErrorTypeNotSupported},
		{"syscall names required", func(o obj) { c(o).Syscalls[0].Names = nil }, "spec.containers[0].syscalls[0].names", field.ErrorTypeRequired},
		{"syscall names unique", func(o obj) { c(o).Syscalls[0].Names = []string{"read", "read"} }, "spec.containers[0].syscalls[0].names[1]", field.ErrorTypeDuplicate},
		{"syscall action", func(o obj) { c(o).Syscalls[1].Action = "SCMP_ACT_MAYBE" }, "spec.containers[0].syscalls[1].action", field.ErrorTypeNotSupported},
		{"arg index", func(o obj) { c(o).Syscalls[1].Args[0].Index = 6 }, "spec.containers[0].syscalls[1].args[0].index", field.ErrorTypeInvalid},
		{"arg op", func(o obj) { c(o).Syscalls[1].Args[0].Op = "==" }, "spec.containers[0].syscalls[1].args[0].op", field.ErrorTypeNotSupported},
		{"status localhost profile required", func(o obj) { o.Status.Containers[0].LocalhostProfile = "" }, "status.containers[0].localhostProfile", field.ErrorTypeRequired},
		{"status localhost profile relative", func(o obj) { o.Status.Containers[0].LocalhostProfile = "/var/lib/kubelet/seccomp/x.json" }, "status.containers[0].localhostProfile", field.ErrorTypeInvalid},
		{"status localhost profile inside", func(o obj) { o.Status.Containers[0].LocalhostProfile = "../x.json" }, "status.containers[0].localhostProfile", field.ErrorTypeInvalid},
		{"status nodes unique", func(o obj) { o.Status.Containers[0].Nodes = []string{"node-1", "node-1"} }, "status.containers[0].nodes[1]", field.ErrorTypeDuplicate},
	})
	old := validSeccompProfile()
	old.ResourceVersion = "1"
	moved := old.DeepCopy()
	moved.Spec.Workload.Name = "other"
	expectError(t, ValidateSeccompProfileUpdate(moved, old), "spec.workload", field.ErrorTypeInvalid)
	badStatus := old.DeepCopy()
	badStatus.Status.Containers = append(badStatus.Status.Containers, badStatus.Status.Containers[0])
	expectError(t, ValidateSeccompProfileStatusUpdate(badStatus, old), "status.containers[1].name", field.ErrorTypeDuplicate)
}

func TestValidateSBOM(t *testing.T) {
	type obj = *v1beta1.SBOM
	runErrorCases(t, validSBOM, ValidateSBOM, []errorCase[obj]{
		{"namespace required", func(o obj) { o.Namespace = "" }, "metadata.namespace", field.ErrorTypeRequired},
		{"image ID required", func(o obj) { o.Spec.ImageID = "" }, "spec.imageID", field.ErrorTypeRequired},
		{"digest required", func(o obj) { o.Spec.ImageDigest = "" }, "spec.imageDigest", field.ErrorTypeRequired},
		{"digest form", func(o obj) { o.Spec.ImageDigest = "sha256:ABC" }, "spec.imageDigest", field.ErrorTypeInvalid},
		{"digest algorithm", func(o obj) { o.Spec.ImageDigest = "md5:" + strings.Repeat("a", 64) }, "spec.imageDigest", field.ErrorTypeInvalid},
		{"tool name", func(o obj) { o.Spec.Tool.Name = "" }, "spec.tool.name", field.ErrorTypeRequired},
		{"format required", func(o obj) { o.Spec.Format = "" }, "spec.format", field.ErrorTypeRequired},
		{"format enum", func(o obj) { o.Spec.Format = "spdx-tag-value" }, "spec.format", field.ErrorTypeNotSupported},
		{"package count", func(o obj) { o.Spec.PackageCount = -1 }, "spec.packageCount", field.ErrorTypeInvalid},
		{"document required", func(o obj) { o.Spec.Document = runtime.RawExtension{} }, "spec.document", field.ErrorTypeRequired},
		{"document null", func(o obj) { o.Spec.Document.Raw = []byte(" null ") }, "spec.document", field.ErrorTypeRequired},
		{"document an object", func(o obj) { o.Spec.Document.Raw = []byte(`["a"]`) }, "spec.document", field.ErrorTypeInvalid},
	})
	old := validSBOM()
	old.ResourceVersion = "3"
	changed := old.DeepCopy()
	changed.Spec.ImageDigest = digest2
	expectError(t, ValidateSBOMUpdate(changed, old), "spec.imageDigest", field.ErrorTypeInvalid)
	recounted := old.DeepCopy()
	recounted.Spec.PackageCount = 3
	if errs := ValidateSBOMUpdate(recounted, old); len(errs) != 0 {
		t.Errorf("a new package count fails: %v", errs)
	}
}

func TestValidateFilteredSBOM(t *testing.T) {
	type obj = *v1beta1.FilteredSBOM
	runErrorCases(t, validFilteredSBOM, ValidateFilteredSBOM, []errorCase[obj]{
		{"workload", func(o obj) { o.Spec.Workload.APIVersion = "" }, "spec.workload.apiVersion", field.ErrorTypeRequired},
		{"container required", func(o obj) { o.Spec.Container = "" }, "spec.container", field.ErrorTypeRequired},
		{"container a DNS label", func(o obj) { o.Spec.Container = "my_container" }, "spec.container", field.ErrorTypeInvalid},
		{"digest", func(o obj) { o.Spec.ImageDigest = "latest" }, "spec.imageDigest", field.ErrorTypeInvalid},
		{"sbom name", func(o obj) { o.Spec.SBOMName = "Bad Name" }, "spec.sbomName", field.ErrorTypeInvalid},
		{"tool name", func(o obj) { o.Spec.Tool.Name = "" }, "spec.tool.name", field.ErrorTypeRequired},
		{"format", func(o obj) { o.Spec.Format = "json" }, "spec.format", field.ErrorTypeNotSupported},
		{"relevant file count", func(o obj) { o.Spec.RelevantFileCount = -3 }, "spec.relevantFileCount", field.ErrorTypeInvalid},
		{"document", func(o obj) { o.Spec.Document.Raw = []byte(`"text"`) }, "spec.document", field.ErrorTypeInvalid},
	})
	old := validFilteredSBOM()
	old.ResourceVersion = "1"
	for _, tc := range []struct {
		field  string
		mutate func(obj)
	}{
		{"spec.workload", func(o obj) { o.Spec.Workload.UID = "other" }},
		{"spec.container", func(o obj) { o.Spec.Container = "sidecar" }},
		{"spec.imageDigest", func(o obj) { o.Spec.ImageDigest = digest2 }},
	} {
		changed := old.DeepCopy()
		tc.mutate(changed)
		expectError(t, ValidateFilteredSBOMUpdate(changed, old), tc.field, field.ErrorTypeInvalid)
	}
}

func TestValidateVulnerabilityManifest(t *testing.T) {
	type obj = *v1beta1.VulnerabilityManifest
	vuln := func(o obj) *v1beta1.Vulnerability { return &o.Spec.Matches[0].Vulnerability }
	runErrorCases(t, validVulnerabilityManifest, ValidateVulnerabilityManifest, []errorCase[obj]{
		{"image required", func(o obj) { o.Spec.Image = " " }, "spec.image", field.ErrorTypeRequired},
		{"digest", func(o obj) { o.Spec.ImageDigest = "sha256:" + strings.Repeat("a", 63) }, "spec.imageDigest", field.ErrorTypeInvalid},
		{"tool name", func(o obj) { o.Spec.Tool.Name = "" }, "spec.tool.name", field.ErrorTypeRequired},
		{"relevancy needs a workload", func(o obj) { o.Spec.Workload = nil }, "spec.workload", field.ErrorTypeRequired},
		{"relevancy needs a container", func(o obj) { o.Spec.Container = "" }, "spec.container", field.ErrorTypeRequired},
		{"workload", func(o obj) { o.Spec.Workload.Namespace = "" }, "spec.workload.namespace", field.ErrorTypeRequired},
		{"scan time", func(o obj) { o.Spec.ScanTime = metav1.Time{} }, "spec.scanTime", field.ErrorTypeRequired},
		{"vulnerability id", func(o obj) { vuln(o).ID = "" }, "spec.matches[0].vulnerability.id", field.ErrorTypeRequired},
		{"severity required", func(o obj) { vuln(o).Severity = "" }, "spec.matches[0].vulnerability.severity", field.ErrorTypeRequired},
		{"severity enum", func(o obj) { vuln(o).Severity = "High" }, "spec.matches[0].vulnerability.severity", field.ErrorTypeNotSupported},
		{"fix state", func(o obj) { vuln(o).Fix.State = "patched" }, "spec.matches[0].vulnerability.fix.state", field.ErrorTypeNotSupported},
		{"fixed needs versions", func(o obj) { vuln(o).Fix.Versions = nil }, "spec.matches[0].vulnerability.fix.versions", field.ErrorTypeRequired},
		{"cvss version", func(o obj) { vuln(o).CVSS[0].Version = "" }, "spec.matches[0].vulnerability.cvss[0].version", field.ErrorTypeRequired},
		{"cvss score range", func(o obj) { vuln(o).CVSS[0].BaseScore = "10.5" }, "spec.matches[0].vulnerability.cvss[0].baseScore", field.ErrorTypeInvalid},
		{"cvss score number", func(o obj) { vuln(o).CVSS[0].BaseScore = "high" }, "spec.matches[0].vulnerability.cvss[0].baseScore", field.ErrorTypeInvalid},
		{"cvss vector", func(o obj) { vuln(o).CVSS[0].Vector = "network/low" }, "spec.matches[0].vulnerability.cvss[0].vector", field.ErrorTypeInvalid},
		{"related ids unique", func(o obj) { vuln(o).RelatedIDs = []string{"GHSA-1", "GHSA-1"} }, "spec.matches[0].vulnerability.relatedIDs[1]", field.ErrorTypeDuplicate},
		{"sbom name", func(o obj) { o.Spec.SBOMName = "-x" }, "spec.sbomName", field.ErrorTypeInvalid},
		{"package name", func(o obj) { o.Spec.Matches[0].Package.Name = "" }, "spec.matches[0].package.name", field.ErrorTypeRequired},
		{"package version", func(o obj) { o.Spec.Matches[0].Package.Version = "" }, "spec.matches[0].package.version", field.ErrorTypeRequired},
		{"purl", func(o obj) { o.Spec.Matches[0].Package.PURL = "deb/openssl" }, "spec.matches[0].package.purl", field.ErrorTypeInvalid},
	})
	// Without relevancy, a manifest is about the image only.
	image := validVulnerabilityManifest()
	image.Spec.WithRelevancy, image.Spec.Workload, image.Spec.Container = false, nil, ""
	if errs := ValidateVulnerabilityManifest(image); len(errs) != 0 {
		t.Errorf("an image manifest fails: %v", errs)
	}
	old := validVulnerabilityManifest()
	old.ResourceVersion = "1"
	changed := old.DeepCopy()
	changed.Spec.ImageDigest = digest2
	expectError(t, ValidateVulnerabilityManifestUpdate(changed, old), "spec.imageDigest", field.ErrorTypeInvalid)
	rescanned := old.DeepCopy()
	rescanned.Spec.Matches = nil
	rescanned.Spec.ScanTime = t1
	if errs := ValidateVulnerabilityManifestUpdate(rescanned, old); len(errs) != 0 {
		t.Errorf("a rescan fails: %v", errs)
	}
}

func TestValidateVulnerabilityManifestSummary(t *testing.T) {
	type obj = *v1beta1.VulnerabilityManifestSummary
	runErrorCases(t, validVulnerabilityManifestSummary, ValidateVulnerabilityManifestSummary, []errorCase[obj]{
		{"workload", func(o obj) { o.Spec.Workload.Kind = "" }, "spec.workload.kind", field.ErrorTypeRequired},
		{"container", func(o obj) { o.Spec.Container = "" }, "spec.container", field.ErrorTypeRequired},
		{"image", func(o obj) { o.Spec.Image = "" }, "spec.image", field.ErrorTypeRequired},
		{"digest", func(o obj) { o.Spec.ImageDigest = "sha256:xyz" }, "spec.imageDigest", field.ErrorTypeInvalid},
		{"count all", func(o obj) { o.Spec.Severities.All.Critical = -1 }, "spec.severities.all.critical", field.ErrorTypeInvalid},
		{"count relevant", func(o obj) { o.Spec.Severities.Relevant.Unknown = -1 }, "spec.severities.relevant.unknown", field.ErrorTypeInvalid},
		{"manifest all", func(o obj) { o.Spec.Manifests.All = "" }, "spec.manifests.all", field.ErrorTypeRequired},
		{"manifest relevant with relevant counts", func(o obj) { o.Spec.Manifests.Relevant = "" }, "spec.manifests.relevant", field.ErrorTypeRequired},
	})
	old := validVulnerabilityManifestSummary()
	old.ResourceVersion = "1"
	changed := old.DeepCopy()
	changed.Spec.Container = "sidecar"
	expectError(t, ValidateVulnerabilityManifestSummaryUpdate(changed, old), "spec.container", field.ErrorTypeInvalid)
}

func TestValidateOpenVulnerabilityExchangeContainer(t *testing.T) {
	type obj = *v1beta1.OpenVulnerabilityExchangeContainer
	st := func(o obj, i int) *v1beta1.VEXStatement { return &o.Spec.Statements[i] }
	runErrorCases(t, validVEX, ValidateOpenVulnerabilityExchangeContainer, []errorCase[obj]{
		{"context", func(o obj) { o.Spec.Context = "" }, "spec.context", field.ErrorTypeRequired},
		{"id", func(o obj) { o.Spec.ID = "" }, "spec.id", field.ErrorTypeRequired},
		{"author", func(o obj) { o.Spec.Author = "" }, "spec.author", field.ErrorTypeRequired},
		{"timestamp", func(o obj) { o.Spec.Timestamp = metav1.Time{} }, "spec.timestamp", field.ErrorTypeRequired},
		{"last updated after timestamp", func(o obj) { o.Spec.Timestamp = t1; o.Spec.LastUpdated = &t0 }, "spec.lastUpdated", field.ErrorTypeInvalid},
		{"version", func(o obj) { o.Spec.Version = 0 }, "spec.version", field.ErrorTypeInvalid},
		{"vulnerability name", func(o obj) { st(o, 0).Vulnerability.Name = "" }, "spec.statements[0].vulnerability.name", field.ErrorTypeRequired},
		{"aliases unique", func(o obj) { st(o, 0).Vulnerability.Aliases = []string{"GHSA-1", "GHSA-1"} }, "spec.statements[0].vulnerability.aliases[1]", field.ErrorTypeDuplicate},
		{"products required", func(o obj) { st(o, 0).Products = nil }, "spec.statements[0].products", field.ErrorTypeRequired},
		{"product id", func(o obj) { st(o, 0).Products[0].ID = "" }, "spec.statements[0].products[0].id", field.ErrorTypeRequired},
		{"subcomponent id", func(o obj) { st(o, 0).Products[0].Subcomponents[0].ID = "" }, "spec.statements[0].products[0].subcomponents[0].id", field.ErrorTypeRequired},
		{"status required", func(o obj) { st(o, 1).Status = "" }, "spec.statements[1].status", field.ErrorTypeRequired},
		{"status enum", func(o obj) { st(o, 1).Status = "vulnerable" }, "spec.statements[1].status", field.ErrorTypeNotSupported},
		{"justification enum", func(o obj) { st(o, 0).Justification = "trust_me" }, "spec.statements[0].justification", field.ErrorTypeNotSupported},
		{"not_affected needs a justification or impact", func(o obj) { st(o, 0).Justification = "" }, "spec.statements[0].justification", field.ErrorTypeRequired},
		{"affected needs an action", func(o obj) { st(o, 1).ActionStatement = " " }, "spec.statements[1].actionStatement", field.ErrorTypeRequired},
		{"justification only for not_affected", func(o obj) { st(o, 1).Justification = v1beta1.VEXComponentNotPresent }, "spec.statements[1].justification", field.ErrorTypeForbidden},
		{"statement last updated", func(o obj) { st(o, 0).Timestamp = &t1; st(o, 0).LastUpdated = &t0 }, "spec.statements[0].lastUpdated", field.ErrorTypeInvalid},
	})
	impact := validVEX()
	impact.Spec.Statements[0].Justification = ""
	impact.Spec.Statements[0].ImpactStatement = "the container never loads libssl"
	if errs := ValidateOpenVulnerabilityExchangeContainer(impact); len(errs) != 0 {
		t.Errorf("not_affected with an impact statement fails: %v", errs)
	}
	old := validVEX()
	old.ResourceVersion = "1"
	older := old.DeepCopy()
	older.Spec.Version = 1
	expectError(t, ValidateOpenVulnerabilityExchangeContainerUpdate(older, old), "spec.version", field.ErrorTypeInvalid)
	renamed := old.DeepCopy()
	renamed.Spec.ID = "https://example.com/other"
	expectError(t, ValidateOpenVulnerabilityExchangeContainerUpdate(renamed, old), "spec.id", field.ErrorTypeInvalid)
}

func TestValidateWorkloadConfigurationScan(t *testing.T) {
	type obj = *v1beta1.WorkloadConfigurationScan
	ctl := func(o obj, i int) *v1beta1.ControlResult { return &o.Spec.Controls[i] }
	runErrorCases(t, validWorkloadConfigurationScan, ValidateWorkloadConfigurationScan, []errorCase[obj]{
		{"resource kind", func(o obj) { o.Spec.Resource.Kind = "" }, "spec.resource.kind", field.ErrorTypeRequired},
		{"scan time", func(o obj) { o.Spec.ScanTime = metav1.Time{} }, "spec.scanTime", field.ErrorTypeRequired},
		{"scanner name", func(o obj) { o.Spec.Scanner.Name = "" }, "spec.scanner.name", field.ErrorTypeRequired},
		{"frameworks unique", func(o obj) { o.Spec.Frameworks = []string{"nsa", "nsa"} }, "spec.frameworks[1]", field.ErrorTypeDuplicate},
		{"control id required", func(o obj) { ctl(o, 0).ControlID = "" }, "spec.controls[0].controlID", field.ErrorTypeRequired},
		{"control id form", func(o obj) { ctl(o, 0).ControlID = "c-57" }, "spec.controls[0].controlID", field.ErrorTypeInvalid},
		{"control ids unique", func(o obj) { ctl(o, 2).ControlID = "C-0057" }, "spec.controls[2].controlID", field.ErrorTypeDuplicate},
		{"control name", func(o obj) { ctl(o, 0).Name = "" }, "spec.controls[0].name", field.ErrorTypeRequired},
		{"severity", func(o obj) { ctl(o, 0).Severity = "severe" }, "spec.controls[0].severity", field.ErrorTypeNotSupported},
		{"status required", func(o obj) { ctl(o, 0).Status = "" }, "spec.controls[0].status", field.ErrorTypeRequired},
		{"status enum", func(o obj) { ctl(o, 0).Status = "warning" }, "spec.controls[0].status", field.ErrorTypeNotSupported},
		{"failed path not empty", func(o obj) { ctl(o, 0).FailedPaths = []string{""} }, "spec.controls[0].failedPaths[0]", field.ErrorTypeRequired},
		{"review path not empty", func(o obj) { ctl(o, 0).ReviewPaths = []string{" "} }, "spec.controls[0].reviewPaths[0]", field.ErrorTypeRequired},
		{"fix path", func(o obj) { ctl(o, 0).FixPaths[0].Path = "" }, "spec.controls[0].fixPaths[0].path", field.ErrorTypeRequired},
		{"passed has no failed paths", func(o obj) { ctl(o, 2).FailedPaths = []string{"spec.x"} }, "spec.controls[2].failedPaths", field.ErrorTypeForbidden},
		{"excepted needs a reason", func(o obj) { ctl(o, 1).ExceptionReason = "" }, "spec.controls[1].exceptionReason", field.ErrorTypeRequired},
		{"reason only when excepted", func(o obj) { ctl(o, 0).ExceptionReason = "x" }, "spec.controls[0].exceptionReason", field.ErrorTypeForbidden},
	})
	// A scanned cluster-scoped resource has no namespace.
	cluster := validWorkloadConfigurationScan()
	cluster.Spec.Resource = v1beta1.WorkloadReference{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "system:aggregate-to-edit"}
	expectError(t, ValidateWorkloadConfigurationScan(cluster), "spec.resource.name", field.ErrorTypeInvalid)
	cluster.Spec.Resource.Name = "aggregate-to-edit"
	if errs := ValidateWorkloadConfigurationScan(cluster); len(errs) != 0 {
		t.Errorf("a scan of a cluster-scoped resource fails: %v", errs)
	}
	old := validWorkloadConfigurationScan()
	old.ResourceVersion = "1"
	moved := old.DeepCopy()
	moved.Spec.Resource.Name = "web"
	expectError(t, ValidateWorkloadConfigurationScanUpdate(moved, old), "spec.resource", field.ErrorTypeInvalid)
}

func TestValidateWorkloadConfigurationScanSummary(t *testing.T) {
	type obj = *v1beta1.WorkloadConfigurationScanSummary
	runErrorCases(t, validWorkloadConfigurationScanSummary, ValidateWorkloadConfigurationScanSummary, []errorCase[obj]{
		{"resource name", func(o obj) { o.Spec.Resource.Name = "" }, "spec.resource.name", field.ErrorTypeRequired},
		{"scan time", func(o obj) { o.Spec.ScanTime = metav1.Time{} }, "spec.scanTime", field.ErrorTypeRequired},
		{"count", func(o obj) { o.Spec.Severities.Medium = -2 }, "spec.severities.medium", field.ErrorTypeInvalid},
		{"control ids unique", func(o obj) { o.Spec.Controls[1].ControlID = "C-0057" }, "spec.controls[1].controlID", field.ErrorTypeDuplicate},
		{"control id form", func(o obj) { o.Spec.Controls[1].ControlID = "CIS-1.2" }, "spec.controls[1].controlID", field.ErrorTypeInvalid},
		{"status", func(o obj) { o.Spec.Controls[0].Status = "" }, "spec.controls[0].status", field.ErrorTypeRequired},
		{"severity", func(o obj) { o.Spec.Controls[0].Severity = "urgent" }, "spec.controls[0].severity", field.ErrorTypeNotSupported},
	})
	old := validWorkloadConfigurationScanSummary()
	old.ResourceVersion = "1"
	moved := old.DeepCopy()
	moved.Spec.Resource.Kind = "StatefulSet"
	expectError(t, ValidateWorkloadConfigurationScanSummaryUpdate(moved, old), "spec.resource", field.ErrorTypeInvalid)
}

func TestValidateConfigurationScanSummary(t *testing.T) {
	type obj = *v1beta1.ConfigurationScanSummary
	runErrorCases(t, validConfigurationScanSummary, ValidateConfigurationScanSummary, []errorCase[obj]{
		{"cluster-scoped", func(o obj) { o.Namespace = "shop" }, "metadata.namespace", field.ErrorTypeForbidden},
		{"name a namespace name", func(o obj) { o.Name = "shop.eu" }, "metadata.name", field.ErrorTypeInvalid},
		{"count", func(o obj) { o.Spec.Severities.Critical = -1 }, "spec.severities.critical", field.ErrorTypeInvalid},
		{"failed within workloads", func(o obj) { o.Spec.FailedWorkloads = 3 }, "spec.failedWorkloads", field.ErrorTypeInvalid},
		{"workloads match summaries", func(o obj) { o.Spec.Workloads = 3 }, "spec.workloads", field.ErrorTypeInvalid},
		{"summaries unique", func(o obj) { o.Spec.Summaries[1].Name = o.Spec.Summaries[0].Name }, "spec.summaries[1].name", field.ErrorTypeDuplicate},
		{"summary kind", func(o obj) { o.Spec.Summaries[0].Kind = "" }, "spec.summaries[0].kind", field.ErrorTypeRequired},
	})
}

func TestValidateGeneratedNetworkPolicy(t *testing.T) {
	type obj = *v1beta1.GeneratedNetworkPolicy
	np := func(o obj) *networkingv1.NetworkPolicy { return &o.Spec.NetworkPolicy }
	runErrorCases(t, validGeneratedNetworkPolicy, ValidateGeneratedNetworkPolicy, []errorCase[obj]{
		{"workload", func(o obj) { o.Spec.Workload.Name = "" }, "spec.workload.name", field.ErrorTypeRequired},
		{"policy api version", func(o obj) { np(o).APIVersion = "extensions/v1beta1" }, "spec.networkPolicy.apiVersion", field.ErrorTypeNotSupported},
		{"policy kind", func(o obj) { np(o).Kind = "Policy" }, "spec.networkPolicy.kind", field.ErrorTypeNotSupported},
		{"policy name", func(o obj) { np(o).Name = "" }, "spec.networkPolicy.metadata.name", field.ErrorTypeRequired},
		{"policy namespace", func(o obj) { np(o).Namespace = "other" }, "spec.networkPolicy.metadata.namespace", field.ErrorTypeInvalid},
		{"policy pod selector", func(o obj) { np(o).Spec.PodSelector.MatchLabels = map[string]string{"a b": "c"} }, "spec.networkPolicy.spec.podSelector.matchLabels", field.ErrorTypeInvalid},
		{"policy type", func(o obj) { np(o).Spec.PolicyTypes = []networkingv1.PolicyType{"Both"} }, "spec.networkPolicy.spec.policyTypes[0]", field.ErrorTypeNotSupported},
		{"port number", func(o obj) { np(o).Spec.Egress[0].Ports[0].Port = ptrTo(intstr.FromInt32(70000)) }, "spec.networkPolicy.spec.egress[0].ports[0].port", field.ErrorTypeInvalid},
		{"port name", func(o obj) { np(o).Spec.Egress[0].Ports[0].Port = ptrTo(intstr.FromString("https port")) }, "spec.networkPolicy.spec.egress[0].ports[0].port", field.ErrorTypeInvalid},
		{"port protocol", func(o obj) { p := corev1.Protocol("ICMP"); np(o).Spec.Egress[0].Ports[0].Protocol = &p }, "spec.networkPolicy.spec.egress[0].ports[0].protocol", field.ErrorTypeNotSupported},
		{"end port order", func(o obj) { np(o).Spec.Egress[0].Ports[0].EndPort = ptrTo[int32](80) }, "spec.networkPolicy.spec.egress[0].ports[0].endPort", field.ErrorTypeInvalid},
		{"end port needs a numeric port", func(o obj) {
			np(o).Spec.Egress[0].Ports[0] = networkingv1.NetworkPolicyPort{Port: ptrTo(intstr.FromString("https")), EndPort: ptrTo[int32](8443)}
		}, "spec.networkPolicy.spec.egress[0].ports[0].port", field.ErrorTypeRequired},
		{"policy annotations", func(o obj) { np(o).Annotations = map[string]string{"bad key!": "x"} }, "spec.networkPolicy.metadata.annotations", field.ErrorTypeInvalid},
		{"ref server", func(o obj) { o.Spec.PolicyRefs[0].Server = "Payments Provider" }, "spec.policyRefs[0].server", field.ErrorTypeInvalid},
		{"cidr", func(o obj) { np(o).Spec.Egress[0].To[0].IPBlock.CIDR = "203.0.113.7/24" }, "spec.networkPolicy.spec.egress[0].to[0].ipBlock.cidr", field.ErrorTypeInvalid},
		{"except cidr", func(o obj) { np(o).Spec.Egress[0].To[0].IPBlock.Except = []string{"nope"} }, "spec.networkPolicy.spec.egress[0].to[0].ipBlock.except[0]", field.ErrorTypeInvalid},
		{"ip block alone", func(o obj) { np(o).Spec.Egress[0].To[0].PodSelector = &metav1.LabelSelector{} }, "spec.networkPolicy.spec.egress[0].to[0].ipBlock", field.ErrorTypeForbidden},
		{"peer not empty", func(o obj) { np(o).Spec.Ingress[0].From[0].PodSelector = nil }, "spec.networkPolicy.spec.ingress[0].from[0]", field.ErrorTypeRequired},
		{"ref ip block", func(o obj) { o.Spec.PolicyRefs[0].IPBlock = "" }, "spec.policyRefs[0].ipBlock", field.ErrorTypeRequired},
		{"ref original ip", func(o obj) { o.Spec.PolicyRefs[0].OriginalIP = "203.0.113" }, "spec.policyRefs[0].originalIP", field.ErrorTypeInvalid},
	})
	old := validGeneratedNetworkPolicy()
	old.ResourceVersion = "1"
	moved := old.DeepCopy()
	moved.Spec.Workload.Name = "web"
	expectError(t, ValidateGeneratedNetworkPolicyUpdate(moved, old), "spec.workload", field.ErrorTypeInvalid)
}

func TestValidateKnownServer(t *testing.T) {
	type obj = *v1beta1.KnownServer
	runErrorCases(t, validKnownServer, ValidateKnownServer, []errorCase[obj]{
		{"cluster-scoped", func(o obj) { o.Namespace = "default" }, "metadata.namespace", field.ErrorTypeForbidden},
		{"ip block required", func(o obj) { o.Spec.Entries[0].IPBlock = "" }, "spec.entries[0].ipBlock", field.ErrorTypeRequired},
		{"ip block a CIDR", func(o obj) { o.Spec.Entries[0].IPBlock = "140.82.112.0" }, "spec.entries[0].ipBlock", field.ErrorTypeInvalid},
		{"ip block canonical", func(o obj) { o.Spec.Entries[0].IPBlock = "140.82.112.1/20" }, "spec.entries[0].ipBlock", field.ErrorTypeInvalid},
		{"ip blocks unique", func(o obj) { o.Spec.Entries[1].IPBlock = o.Spec.Entries[0].IPBlock }, "spec.entries[1].ipBlock", field.ErrorTypeDuplicate},
		{"name", func(o obj) { o.Spec.Entries[0].Name = "" }, "spec.entries[0].name", field.ErrorTypeRequired},
		{"server", func(o obj) { o.Spec.Entries[0].Server = "GitHub.com" }, "spec.entries[0].server", field.ErrorTypeInvalid},
		{"dns name", func(o obj) { o.Spec.Entries[0].DNSNames = []string{"git hub.com"} }, "spec.entries[0].dnsNames[0]", field.ErrorTypeInvalid},
		{"dns names unique", func(o obj) { o.Spec.Entries[0].DNSNames = []string{"github.com", "github.com"} }, "spec.entries[0].dnsNames[1]", field.ErrorTypeDuplicate},
	})
	old := validKnownServer()
	old.ResourceVersion = "1"
	changed := old.DeepCopy()
	changed.Spec.Entries = changed.Spec.Entries[:1]
	if errs := ValidateKnownServerUpdate(changed, old); len(errs) != 0 {
		t.Errorf("removing an entry fails: %v", errs)
	}
	renamed := old.DeepCopy()
	renamed.Name = "gitlab"
	expectError(t, ValidateKnownServerUpdate(renamed, old), "metadata.name", field.ErrorTypeInvalid)
}

func TestValidateRuntimeAlert(t *testing.T) {
	type obj = *v1beta1.RuntimeAlert
	runErrorCases(t, validRuntimeAlert, ValidateRuntimeAlert, []errorCase[obj]{
		{"namespace required", func(o obj) { o.Namespace = "" }, "metadata.namespace", field.ErrorTypeRequired},
		{"rule id required", func(o obj) { o.Spec.RuleID = "" }, "spec.ruleID", field.ErrorTypeRequired},
		{"rule id form", func(o obj) { o.Spec.RuleID = "R 1" }, "spec.ruleID", field.ErrorTypeInvalid},
		{"rule name", func(o obj) { o.Spec.RuleName = "" }, "spec.ruleName", field.ErrorTypeRequired},
		{"severity required", func(o obj) { o.Spec.Severity = "" }, "spec.severity", field.ErrorTypeRequired},
		{"severity enum", func(o obj) { o.Spec.Severity = "info" }, "spec.severity", field.ErrorTypeNotSupported},
		{"message", func(o obj) { o.Spec.Message = "" }, "spec.message", field.ErrorTypeRequired},
		{"time", func(o obj) { o.Spec.Time = metav1.Time{} }, "spec.time", field.ErrorTypeRequired},
		{"last time after time", func(o obj) { o.Spec.Time = t1; o.Spec.LastTime = &t0 }, "spec.lastTime", field.ErrorTypeInvalid},
		{"count", func(o obj) { o.Spec.Count = 0 }, "spec.count", field.ErrorTypeInvalid},
		{"workload", func(o obj) { o.Spec.Workload.Kind = "" }, "spec.workload.kind", field.ErrorTypeRequired},
		{"workload namespace is the alert's", func(o obj) { o.Spec.Workload.Namespace = "other" }, "spec.workload.namespace", field.ErrorTypeInvalid},
		{"pod name", func(o obj) { o.Spec.PodName = "" }, "spec.podName", field.ErrorTypeRequired},
		{"container name", func(o obj) { o.Spec.ContainerName = "Cart" }, "spec.containerName", field.ErrorTypeInvalid},
		{"container id", func(o obj) { o.Spec.ContainerID = "abc" }, "spec.containerID", field.ErrorTypeInvalid},
		{"node name", func(o obj) { o.Spec.NodeName = "" }, "spec.nodeName", field.ErrorTypeRequired},
		{"pid", func(o obj) { o.Spec.Process.PID = 0 }, "spec.process.pid", field.ErrorTypeInvalid},
		{"ppid", func(o obj) { o.Spec.Process.PPID = -1 }, "spec.process.ppid", field.ErrorTypeInvalid},
		{"comm", func(o obj) { o.Spec.Process.Comm = strings.Repeat("x", 17) }, "spec.process.comm", field.ErrorTypeTooLong},
		{"exe path", func(o obj) { o.Spec.Process.ExePath = "sh" }, "spec.process.exePath", field.ErrorTypeInvalid},
		{"uid", func(o obj) { o.Spec.Process.UID = ptrTo[int64](-1) }, "spec.process.uid", field.ErrorTypeInvalid},
		{"details keys", func(o obj) { o.Spec.Details[""] = "x" }, "spec.details", field.ErrorTypeInvalid},
		{"acknowledged at", func(o obj) { o.Status.AcknowledgedAt = nil }, "status.acknowledgedAt", field.ErrorTypeRequired},
		{"acknowledged by without acknowledged", func(o obj) { o.Status.Acknowledged = false; o.Status.AcknowledgedAt = nil }, "status.acknowledgedBy", field.ErrorTypeForbidden},
	})
	old := validRuntimeAlert()
	old.ResourceVersion = "1"
	repeat := old.DeepCopy()
	repeat.Spec.Count = 4
	repeat.Spec.Message = "/bin/sh was run again"
	if errs := ValidateRuntimeAlertUpdate(repeat, old); len(errs) != 0 {
		t.Errorf("a repeat fails: %v", errs)
	}
	for _, tc := range []struct {
		field  string
		mutate func(obj)
		typ    field.ErrorType
	}{
		{"spec.ruleID", func(o obj) { o.Spec.RuleID = "R0002" }, field.ErrorTypeInvalid},
		{"spec.time", func(o obj) { o.Spec.Time = metav1.NewTime(t0.Add(-1)) }, field.ErrorTypeInvalid},
		{"spec.podName", func(o obj) { o.Spec.PodName = "cart-other" }, field.ErrorTypeInvalid},
		{"spec.nodeName", func(o obj) { o.Spec.NodeName = "node-2" }, field.ErrorTypeInvalid},
		{"spec.count", func(o obj) { o.Spec.Count = 2 }, field.ErrorTypeInvalid},
	} {
		changed := old.DeepCopy()
		tc.mutate(changed)
		expectError(t, ValidateRuntimeAlertUpdate(changed, old), tc.field, tc.typ)
	}
	unacked := old.DeepCopy()
	unacked.Status = v1beta1.RuntimeAlertStatus{}
	if errs := ValidateRuntimeAlertStatusUpdate(unacked, old); len(errs) != 0 {
		t.Errorf("clearing the acknowledgement fails: %v", errs)
	}
	half := old.DeepCopy()
	half.Status.AcknowledgedAt = nil
	expectError(t, ValidateRuntimeAlertStatusUpdate(half, old), "status.acknowledgedAt", field.ErrorTypeRequired)
}
