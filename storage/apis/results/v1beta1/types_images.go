package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// SBOMFormat is the format of an SBOM document.
// +enum
type SBOMFormat string

// The SBOM document formats.
const (
	// SBOMFormatSyftJSON is Syft's own JSON format.
	SBOMFormatSyftJSON SBOMFormat = "syft-json"
	// SBOMFormatSPDXJSON is SPDX 2.x in JSON.
	SBOMFormatSPDXJSON SBOMFormat = "spdx-json"
	// SBOMFormatCycloneDXJSON is CycloneDX in JSON.
	SBOMFormatCycloneDXJSON SBOMFormat = "cyclonedx-json"
)

// +genclient
// +genclient:noStatus
// +genclient:skipVerbs=watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// SBOM is the software bill of materials of a container image: every
// package found in its layers. Written by the operator's image scanner
// (Syft) once per image digest; the vulnerability scan reads it. The
// document can be several megabytes, so the typed client has no Watch and
// there is no typed informer (it would cache every document): the server
// serves watch, and a watcher uses a metadata-only informer
// (k8s.io/client-go/metadata/metadatainformer) and gets the objects it needs.
type SBOM struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the image and its SBOM document.
	Spec SBOMSpec `json:"spec"`
}

// SBOMSpec is the SBOM of an image.
type SBOMSpec struct {
	// ImageID is the image reference the SBOM was made from, with its
	// digest when known, e.g. docker.io/library/nginx@sha256:....
	ImageID string `json:"imageID"`
	// ImageDigest is the digest of the image (manifest), sha256:<64 hex>.
	// It cannot change on update.
	ImageDigest string `json:"imageDigest"`
	// ImageTag is the tagged reference of the image, e.g. nginx:1.27.
	// +optional
	ImageTag string `json:"imageTag,omitempty"`
	// Tool is the program that made the SBOM, e.g. syft 1.57.0.
	Tool ToolInfo `json:"tool"`
	// Format is the format of the document: syft-json, spdx-json or
	// cyclonedx-json.
	Format SBOMFormat `json:"format"`
	// PackageCount is the number of packages in the document.
	// +optional
	PackageCount int64 `json:"packageCount,omitempty"`
	// Document is the SBOM document itself, a JSON object in the given format.
	Document runtime.RawExtension `json:"document"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// SBOMList is a list of SBOMs.
type SBOMList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the SBOMs.
	Items []SBOM `json:"items"`
}

// +genclient
// +genclient:noStatus
// +genclient:skipVerbs=watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FilteredSBOM is the part of an image's SBOM that one container of a
// workload actually uses: the packages owning files the node agent saw the
// container open or execute. Vulnerabilities matched against it are the
// relevant ones. Written by the node agent (from the image's SBOM and the
// container's ApplicationProfile); one per workload container. Like SBOM,
// it has no typed Watch or informer: watch it with a metadata-only informer.
type FilteredSBOM struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. Defaulting sets the kubescape.io/workload-*
	// and kubescape.io/container labels from spec.workload and spec.container.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the container and its filtered SBOM document.
	Spec FilteredSBOMSpec `json:"spec"`
}

// FilteredSBOMSpec is the filtered SBOM of one workload container.
type FilteredSBOMSpec struct {
	// Workload is the workload the container belongs to.
	Workload WorkloadReference `json:"workload"`
	// Container is the name of the container.
	Container string `json:"container"`
	// ImageID is the image reference the container ran.
	// +optional
	ImageID string `json:"imageID,omitempty"`
	// ImageDigest is the digest of the image, sha256:<64 hex>. It cannot
	// change on update.
	ImageDigest string `json:"imageDigest"`
	// SBOMName is the name of the full SBOM object this one was filtered from.
	// +optional
	SBOMName string `json:"sbomName,omitempty"`
	// Tool is the program that made the underlying SBOM.
	Tool ToolInfo `json:"tool"`
	// Format is the format of the document.
	Format SBOMFormat `json:"format"`
	// RelevantFileCount is the number of files of the image the container
	// was seen using.
	// +optional
	RelevantFileCount int64 `json:"relevantFileCount,omitempty"`
	// PackageCount is the number of packages in the filtered document.
	// +optional
	PackageCount int64 `json:"packageCount,omitempty"`
	// Document is the filtered SBOM document, a JSON object in the given format.
	Document runtime.RawExtension `json:"document"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FilteredSBOMList is a list of FilteredSBOMs.
type FilteredSBOMList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the FilteredSBOMs.
	Items []FilteredSBOM `json:"items"`
}

// VulnerabilitySeverity is the severity a vulnerability database gives a
// vulnerability. Besides the four severities of Severity it has negligible
// and unknown, which vulnerability databases use.
// +enum
type VulnerabilitySeverity string

// The vulnerability severities.
const (
	// VulnerabilitySeverityCritical is a critical vulnerability.
	VulnerabilitySeverityCritical VulnerabilitySeverity = "critical"
	// VulnerabilitySeverityHigh is a high-severity vulnerability.
	VulnerabilitySeverityHigh VulnerabilitySeverity = "high"
	// VulnerabilitySeverityMedium is a medium-severity vulnerability.
	VulnerabilitySeverityMedium VulnerabilitySeverity = "medium"
	// VulnerabilitySeverityLow is a low-severity vulnerability.
	VulnerabilitySeverityLow VulnerabilitySeverity = "low"
	// VulnerabilitySeverityNegligible is a vulnerability the distribution
	// considers not worth fixing.
	VulnerabilitySeverityNegligible VulnerabilitySeverity = "negligible"
	// VulnerabilitySeverityUnknown is a vulnerability without a rating yet.
	VulnerabilitySeverityUnknown VulnerabilitySeverity = "unknown"
)

// FixState tells whether a fixed version of a vulnerable package exists.
// +enum
type FixState string

// The fix states of a vulnerability.
const (
	// FixStateFixed means fixed versions exist (listed in versions).
	FixStateFixed FixState = "fixed"
	// FixStateNotFixed means no fixed version exists yet.
	FixStateNotFixed FixState = "not-fixed"
	// FixStateWontFix means the maintainers decided not to fix it.
	FixStateWontFix FixState = "wont-fix"
	// FixStateUnknown means the database does not say.
	FixStateUnknown FixState = "unknown"
)

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// VulnerabilityManifest is the vulnerabilities found in an image (from its
// SBOM) or, with relevancy, in what one workload container uses (from its
// FilteredSBOM). Written by the operator's vulnerability scanner (Grype)
// after each scan.
type VulnerabilityManifest struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. For a manifest with relevancy, defaulting
	// sets the kubescape.io/workload-* and kubescape.io/container labels.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the scanned image and the matches.
	Spec VulnerabilityManifestSpec `json:"spec"`
}

// VulnerabilityManifestSpec is the result of one vulnerability scan.
type VulnerabilityManifestSpec struct {
	// Image is the image reference that was scanned, e.g. nginx:1.27.
	Image string `json:"image"`
	// ImageDigest is the digest of the image, sha256:<64 hex>. It cannot
	// change on update.
	ImageDigest string `json:"imageDigest"`
	// Tool is the scanner and its vulnerability database.
	Tool VulnerabilityScanner `json:"tool"`
	// WithRelevancy is true when the scan was of a FilteredSBOM (only the
	// packages a container uses); then workload and container are set.
	// +optional
	WithRelevancy bool `json:"withRelevancy,omitempty"`
	// Workload is the workload whose container was scanned, with relevancy.
	// +optional
	Workload *WorkloadReference `json:"workload,omitempty"`
	// Container is the name of the container scanned, with relevancy.
	// +optional
	Container string `json:"container,omitempty"`
	// SBOMName is the name of the SBOM (or FilteredSBOM, with relevancy)
	// that was scanned.
	// +optional
	SBOMName string `json:"sbomName,omitempty"`
	// ScanTime is when the scan ran.
	ScanTime metav1.Time `json:"scanTime"`
	// Matches are the vulnerable packages found, one entry per
	// vulnerability and package.
	// +optional
	// +listType=atomic
	Matches []VulnerabilityMatch `json:"matches,omitempty"`
}

// VulnerabilityScanner names the vulnerability scanner and its database.
type VulnerabilityScanner struct {
	// Name is the name of the scanner, e.g. grype.
	Name string `json:"name"`
	// Version is the version of the scanner.
	// +optional
	Version string `json:"version,omitempty"`
	// DatabaseBuilt is when the vulnerability database was built.
	// +optional
	DatabaseBuilt *metav1.Time `json:"databaseBuilt,omitempty"`
	// DatabaseSchema is the schema version of the vulnerability database,
	// e.g. v6.0.2.
	// +optional
	DatabaseSchema string `json:"databaseSchema,omitempty"`
}

// VulnerabilityMatch is one vulnerability found in one package.
type VulnerabilityMatch struct {
	// Vulnerability is the vulnerability.
	Vulnerability Vulnerability `json:"vulnerability"`
	// Package is the vulnerable package.
	Package MatchedPackage `json:"package"`
}

// Vulnerability describes a vulnerability as the database knows it.
type Vulnerability struct {
	// ID is the identifier of the vulnerability, e.g. CVE-2024-3094 or
	// GHSA-xxxx-xxxx-xxxx.
	ID string `json:"id"`
	// Severity is critical, high, medium, low, negligible or unknown.
	Severity VulnerabilitySeverity `json:"severity"`
	// DataSource is the URL of the database record the match came from.
	// +optional
	DataSource string `json:"dataSource,omitempty"`
	// Description is a short description of the vulnerability.
	// +optional
	Description string `json:"description,omitempty"`
	// Fix tells whether and where the vulnerability is fixed.
	// +optional
	Fix VulnerabilityFix `json:"fix,omitempty"`
	// CVSS are the CVSS scores given to the vulnerability.
	// +optional
	// +listType=atomic
	CVSS []CVSSScore `json:"cvss,omitempty"`
	// References are URLs about the vulnerability (advisories, patches).
	// +optional
	// +listType=atomic
	References []string `json:"references,omitempty"`
	// RelatedIDs are other identifiers of the same vulnerability, e.g. the
	// CVE of a GHSA.
	// +optional
	// +listType=set
	RelatedIDs []string `json:"relatedIDs,omitempty"`
}

// VulnerabilityFix tells whether a vulnerability is fixed.
type VulnerabilityFix struct {
	// State is fixed, not-fixed, wont-fix or unknown.
	// +optional
	State FixState `json:"state,omitempty"`
	// Versions are the versions of the package that fix the vulnerability.
	// +optional
	// +listType=atomic
	Versions []string `json:"versions,omitempty"`
}

// CVSSScore is a CVSS score of a vulnerability.
type CVSSScore struct {
	// Version is the CVSS version, e.g. 3.1.
	Version string `json:"version"`
	// Vector is the CVSS vector string, e.g. CVSS:3.1/AV:N/AC:L/....
	// +optional
	Vector string `json:"vector,omitempty"`
	// BaseScore is the base score, a decimal number from 0.0 to 10.0 written
	// as a string (the API avoids floating-point fields).
	BaseScore string `json:"baseScore"`
	// Source is who gave the score, e.g. nvd@nist.gov.
	// +optional
	Source string `json:"source,omitempty"`
}

// MatchedPackage is a package a vulnerability was found in.
type MatchedPackage struct {
	// Name is the name of the package.
	Name string `json:"name"`
	// Version is the installed version of the package.
	Version string `json:"version"`
	// Type is the kind of package, e.g. deb, apk, rpm, go-module, npm, python.
	// +optional
	Type string `json:"type,omitempty"`
	// PURL is the package URL of the package, e.g. pkg:deb/debian/openssl@3.0.11-1.
	// +optional
	PURL string `json:"purl,omitempty"`
	// Locations are the paths in the image of the files the package was
	// found from.
	// +optional
	// +listType=atomic
	Locations []string `json:"locations,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// VulnerabilityManifestList is a list of VulnerabilityManifests.
type VulnerabilityManifestList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the VulnerabilityManifests.
	Items []VulnerabilityManifest `json:"items"`
}

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// VulnerabilityManifestSummary counts the vulnerabilities of one workload
// container per severity, for the whole image and for what the container
// uses, and names the manifests with the details. Written by the operator
// after each vulnerability scan; one per workload container.
type VulnerabilityManifestSummary struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. Defaulting sets the kubescape.io/workload-*
	// and kubescape.io/container labels from spec.workload and spec.container.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the counts.
	Spec VulnerabilityManifestSummarySpec `json:"spec"`
}

// VulnerabilityManifestSummarySpec is the vulnerability counts of a workload container.
type VulnerabilityManifestSummarySpec struct {
	// Workload is the workload.
	Workload WorkloadReference `json:"workload"`
	// Container is the name of the container.
	Container string `json:"container"`
	// Image is the image reference the container runs.
	Image string `json:"image"`
	// ImageDigest is the digest of the image, sha256:<64 hex>.
	// +optional
	ImageDigest string `json:"imageDigest,omitempty"`
	// Severities are the counts of vulnerabilities per severity.
	Severities SeveritySummary `json:"severities"`
	// Manifests names the VulnerabilityManifests the counts come from.
	Manifests VulnerabilityManifestReferences `json:"manifests"`
}

// SeveritySummary is the counts of vulnerabilities per severity, in all
// the image's packages and in those the container uses.
type SeveritySummary struct {
	// All counts the vulnerabilities of every package of the image.
	All VulnerabilityCounts `json:"all"`
	// Relevant counts the vulnerabilities of the packages the container
	// uses; absent when the node agent has no profile of the container.
	// +optional
	Relevant *VulnerabilityCounts `json:"relevant,omitempty"`
}

// VulnerabilityCounts is a count of vulnerabilities per severity.
type VulnerabilityCounts struct {
	// Critical is the number of critical vulnerabilities.
	// +optional
	Critical int64 `json:"critical,omitempty"`
	// High is the number of high-severity vulnerabilities.
	// +optional
	High int64 `json:"high,omitempty"`
	// Medium is the number of medium-severity vulnerabilities.
	// +optional
	Medium int64 `json:"medium,omitempty"`
	// Low is the number of low-severity vulnerabilities.
	// +optional
	Low int64 `json:"low,omitempty"`
	// Negligible is the number of negligible vulnerabilities.
	// +optional
	Negligible int64 `json:"negligible,omitempty"`
	// Unknown is the number of vulnerabilities without a severity.
	// +optional
	Unknown int64 `json:"unknown,omitempty"`
}

// VulnerabilityManifestReferences names VulnerabilityManifests in the same
// namespace as the summary.
type VulnerabilityManifestReferences struct {
	// All is the name of the manifest of the whole image.
	All string `json:"all"`
	// Relevant is the name of the manifest with relevancy of the container.
	// +optional
	Relevant string `json:"relevant,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// VulnerabilityManifestSummaryList is a list of VulnerabilityManifestSummaries.
type VulnerabilityManifestSummaryList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the VulnerabilityManifestSummaries.
	Items []VulnerabilityManifestSummary `json:"items"`
}

// VEXStatus is the OpenVEX status of a vulnerability in a product.
// +enum
type VEXStatus string

// The OpenVEX statuses.
const (
	// VEXStatusNotAffected means the product is not affected; the statement
	// must give a justification or an impact statement.
	VEXStatusNotAffected VEXStatus = "not_affected"
	// VEXStatusAffected means the product is affected; the statement must
	// give an action statement.
	VEXStatusAffected VEXStatus = "affected"
	// VEXStatusFixed means the product contains a fix.
	VEXStatusFixed VEXStatus = "fixed"
	// VEXStatusUnderInvestigation means it is not known yet.
	VEXStatusUnderInvestigation VEXStatus = "under_investigation"
)

// VEXJustification is why a product is not affected (the OpenVEX
// justification labels).
// +enum
type VEXJustification string

// The OpenVEX justifications.
const (
	// VEXComponentNotPresent means the vulnerable component is not in the product.
	VEXComponentNotPresent VEXJustification = "component_not_present"
	// VEXVulnerableCodeNotPresent means the component is there without the vulnerable code.
	VEXVulnerableCodeNotPresent VEXJustification = "vulnerable_code_not_present"
	// VEXVulnerableCodeNotInExecutePath means the vulnerable code is never run.
	VEXVulnerableCodeNotInExecutePath VEXJustification = "vulnerable_code_not_in_execute_path"
	// VEXVulnerableCodeCannotBeControlledByAdversary means an attacker cannot reach it.
	VEXVulnerableCodeCannotBeControlledByAdversary VEXJustification = "vulnerable_code_cannot_be_controlled_by_adversary"
	// VEXInlineMitigationsAlreadyExist means the product has built-in protection.
	VEXInlineMitigationsAlreadyExist VEXJustification = "inline_mitigations_already_exist"
)

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OpenVulnerabilityExchangeContainer holds an OpenVEX document: statements
// about whether the vulnerabilities found in an image affect it (for
// example "not affected: the vulnerable code is not in the execute path"
// for packages the container never loads). Written by the operator from
// the relevancy of the vulnerability scans; read by anyone who exports VEX.
// The fields are those of OpenVEX 0.2, with the JSON names camel-cased
// (OpenVEX's @context, @id and snake_case names map one to one).
type OpenVulnerabilityExchangeContainer struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the OpenVEX document.
	Spec VEXDocument `json:"spec"`
}

// VEXDocument is an OpenVEX document.
type VEXDocument struct {
	// Context is the OpenVEX context URL, e.g. https://openvex.dev/ns/v0.2.0
	// (OpenVEX's @context). Defaulted to that value.
	// +optional
	Context string `json:"context,omitempty"`
	// ID is the IRI identifying the document (OpenVEX's @id).
	ID string `json:"id"`
	// Author is who wrote the document.
	Author string `json:"author"`
	// Role is the role of the author, e.g. Document Creator.
	// +optional
	Role string `json:"role,omitempty"`
	// Timestamp is when the document was first issued.
	Timestamp metav1.Time `json:"timestamp"`
	// LastUpdated is when the document was last changed.
	// +optional
	LastUpdated *metav1.Time `json:"lastUpdated,omitempty"`
	// Version is incremented on every change of the document; defaulted to 1.
	// +optional
	Version int32 `json:"version,omitempty"`
	// Tooling is the program that wrote the document.
	// +optional
	Tooling string `json:"tooling,omitempty"`
	// Statements are the VEX statements.
	// +optional
	// +listType=atomic
	Statements []VEXStatement `json:"statements,omitempty"`
}

// VEXStatement is one OpenVEX statement: the status of a vulnerability in
// some products.
type VEXStatement struct {
	// ID optionally identifies the statement (OpenVEX's @id).
	// +optional
	ID string `json:"id,omitempty"`
	// Vulnerability is the vulnerability the statement is about.
	Vulnerability VEXVulnerability `json:"vulnerability"`
	// Timestamp is when the statement was made; the document's when absent.
	// +optional
	Timestamp *metav1.Time `json:"timestamp,omitempty"`
	// LastUpdated is when the statement was last changed.
	// +optional
	LastUpdated *metav1.Time `json:"lastUpdated,omitempty"`
	// Products are the products (images) the statement is about.
	// +listType=atomic
	Products []VEXProduct `json:"products"`
	// Status is not_affected, affected, fixed or under_investigation.
	Status VEXStatus `json:"status"`
	// StatusNotes tell more about the status.
	// +optional
	StatusNotes string `json:"statusNotes,omitempty"`
	// Justification is why the products are not affected (status not_affected).
	// +optional
	Justification VEXJustification `json:"justification,omitempty"`
	// ImpactStatement explains in words why the products are not affected
	// (status not_affected).
	// +optional
	ImpactStatement string `json:"impactStatement,omitempty"`
	// ActionStatement says what users should do (status affected).
	// +optional
	ActionStatement string `json:"actionStatement,omitempty"`
	// ActionStatementTimestamp is when the action statement was written.
	// +optional
	ActionStatementTimestamp *metav1.Time `json:"actionStatementTimestamp,omitempty"`
}

// VEXVulnerability identifies a vulnerability in a VEX statement.
type VEXVulnerability struct {
	// ID is an IRI of the vulnerability (OpenVEX's @id).
	// +optional
	ID string `json:"id,omitempty"`
	// Name is the main identifier of the vulnerability, e.g. CVE-2024-3094.
	Name string `json:"name"`
	// Description is a short description of the vulnerability.
	// +optional
	Description string `json:"description,omitempty"`
	// Aliases are other identifiers of the vulnerability.
	// +optional
	// +listType=set
	Aliases []string `json:"aliases,omitempty"`
}

// VEXProduct is a product a VEX statement is about, typically an image
// identified by a package URL (pkg:oci/...).
type VEXProduct struct {
	// ID is the identifier of the product, a package URL or IRI
	// (OpenVEX's @id).
	ID string `json:"id"`
	// Subcomponents are the components of the product the statement is
	// about, e.g. the vulnerable package.
	// +optional
	// +listType=atomic
	Subcomponents []VEXSubcomponent `json:"subcomponents,omitempty"`
}

// VEXSubcomponent is a component of a product.
type VEXSubcomponent struct {
	// ID is the identifier of the component, a package URL or IRI
	// (OpenVEX's @id).
	ID string `json:"id"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OpenVulnerabilityExchangeContainerList is a list of OpenVulnerabilityExchangeContainers.
type OpenVulnerabilityExchangeContainerList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the OpenVulnerabilityExchangeContainers.
	Items []OpenVulnerabilityExchangeContainer `json:"items"`
}
