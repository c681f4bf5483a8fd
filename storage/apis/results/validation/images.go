package validation

import (
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

var sbomFormats = []v1beta1.SBOMFormat{
	v1beta1.SBOMFormatSyftJSON, v1beta1.SBOMFormatSPDXJSON, v1beta1.SBOMFormatCycloneDXJSON,
}

func validateTool(t *v1beta1.ToolInfo, fldPath *field.Path) field.ErrorList {
	return validateRequired(t.Name, fldPath.Child("name"), "the name of the program, e.g. syft")
}

// ValidateSBOM validates an SBOM on create.
func ValidateSBOM(obj *v1beta1.SBOM) field.ErrorList {
	errs := validateNamespacedMeta(&obj.ObjectMeta)
	spec := field.NewPath("spec")
	errs = append(errs, validateRequired(obj.Spec.ImageID, spec.Child("imageID"), "the image reference the SBOM was made from")...)
	errs = append(errs, validateDigest(obj.Spec.ImageDigest, spec.Child("imageDigest"), true)...)
	errs = append(errs, validateTool(&obj.Spec.Tool, spec.Child("tool"))...)
	errs = append(errs, validateEnum(obj.Spec.Format, spec.Child("format"), true, sbomFormats...)...)
	errs = append(errs, validateCount(obj.Spec.PackageCount, spec.Child("packageCount"))...)
	return append(errs, validateDocument(&obj.Spec.Document, spec.Child("document"))...)
}

// ValidateSBOMUpdate validates an SBOM on update; the image digest cannot
// change (an SBOM describes one image).
func ValidateSBOMUpdate(newObj, oldObj *v1beta1.SBOM) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, ValidateSBOM(newObj)...)
	return append(errs, immutable(newObj.Spec.ImageDigest, oldObj.Spec.ImageDigest, field.NewPath("spec", "imageDigest"))...)
}

// ValidateFilteredSBOM validates a FilteredSBOM on create.
func ValidateFilteredSBOM(obj *v1beta1.FilteredSBOM) field.ErrorList {
	errs := validateNamespacedMeta(&obj.ObjectMeta)
	spec := field.NewPath("spec")
	errs = append(errs, validateWorkload(&obj.Spec.Workload, spec.Child("workload"), true)...)
	errs = append(errs, validateDNSLabel(obj.Spec.Container, spec.Child("container"), true)...)
	errs = append(errs, validateDigest(obj.Spec.ImageDigest, spec.Child("imageDigest"), true)...)
	errs = append(errs, validateDNSSubdomain(obj.Spec.SBOMName, spec.Child("sbomName"), false)...)
	errs = append(errs, validateTool(&obj.Spec.Tool, spec.Child("tool"))...)
	errs = append(errs, validateEnum(obj.Spec.Format, spec.Child("format"), true, sbomFormats...)...)
	errs = append(errs, validateCount(obj.Spec.RelevantFileCount, spec.Child("relevantFileCount"))...)
	errs = append(errs, validateCount(obj.Spec.PackageCount, spec.Child("packageCount"))...)
	return append(errs, validateDocument(&obj.Spec.Document, spec.Child("document"))...)
}

// ValidateFilteredSBOMUpdate validates a FilteredSBOM on update; the
// workload, container and image digest cannot change.
func ValidateFilteredSBOMUpdate(newObj, oldObj *v1beta1.FilteredSBOM) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, ValidateFilteredSBOM(newObj)...)
	spec := field.NewPath("spec")
	errs = append(errs, immutable(newObj.Spec.Workload, oldObj.Spec.Workload, spec.Child("workload"))...)
	errs = append(errs, immutable(newObj.Spec.Container, oldObj.Spec.Container, spec.Child("container"))...)
	return append(errs, immutable(newObj.Spec.ImageDigest, oldObj.Spec.ImageDigest, spec.Child("imageDigest"))...)
}

var (
	vulnerabilitySeverities = []v1beta1.VulnerabilitySeverity{
		v1beta1.VulnerabilitySeverityCritical, v1beta1.VulnerabilitySeverityHigh,
		v1beta1.VulnerabilitySeverityMedium, v1beta1.VulnerabilitySeverityLow,
		v1beta1.VulnerabilitySeverityNegligible, v1beta1.VulnerabilitySeverityUnknown,
	}
	fixStates = []v1beta1.FixState{
		v1beta1.FixStateFixed, v1beta1.FixStateNotFixed, v1beta1.FixStateWontFix, v1beta1.FixStateUnknown,
	}
)

// ValidateVulnerabilityManifest validates a VulnerabilityManifest on create.
func ValidateVulnerabilityManifest(obj *v1beta1.VulnerabilityManifest) field.ErrorList {
	errs := validateNamespacedMeta(&obj.ObjectMeta)
	spec := field.NewPath("spec")
	errs = append(errs, validateRequired(obj.Spec.Image, spec.Child("image"), "the image reference that was scanned")...)
	errs = append(errs, validateDigest(obj.Spec.ImageDigest, spec.Child("imageDigest"), true)...)
	errs = append(errs, validateRequired(obj.Spec.Tool.Name, spec.Child("tool", "name"), "the name of the scanner, e.g. grype")...)
	if obj.Spec.WithRelevancy {
		if obj.Spec.Workload == nil {
			errs = append(errs, field.Required(spec.Child("workload"), "a manifest with relevancy is about one workload container"))
		}
		errs = append(errs, validateDNSLabel(obj.Spec.Container, spec.Child("container"), true)...)
	} else {
		errs = append(errs, validateDNSLabel(obj.Spec.Container, spec.Child("container"), false)...)
	}
	if obj.Spec.Workload != nil {
		errs = append(errs, validateWorkload(obj.Spec.Workload, spec.Child("workload"), true)...)
	}
	errs = append(errs, validateDNSSubdomain(obj.Spec.SBOMName, spec.Child("sbomName"), false)...)
	errs = append(errs, validateTime(obj.Spec.ScanTime, spec.Child("scanTime"))...)
	for i := range obj.Spec.Matches {
		errs = append(errs, validateMatch(&obj.Spec.Matches[i], spec.Child("matches").Index(i))...)
	}
	return errs
}

func validateMatch(m *v1beta1.VulnerabilityMatch, fldPath *field.Path) field.ErrorList {
	v := fldPath.Child("vulnerability")
	errs := validateRequired(m.Vulnerability.ID, v.Child("id"), "the vulnerability identifier, e.g. CVE-2024-3094")
	errs = append(errs, validateEnum(m.Vulnerability.Severity, v.Child("severity"), true, vulnerabilitySeverities...)...)
	errs = append(errs, validateEnum(m.Vulnerability.Fix.State, v.Child("fix", "state"), false, fixStates...)...)
	if m.Vulnerability.Fix.State == v1beta1.FixStateFixed && len(m.Vulnerability.Fix.Versions) == 0 {
		errs = append(errs, field.Required(v.Child("fix", "versions"), "the versions that fix the vulnerability, when its state is fixed"))
	}
	for i, score := range m.Vulnerability.CVSS {
		p := v.Child("cvss").Index(i)
		errs = append(errs, validateRequired(score.Version, p.Child("version"), "the CVSS version, e.g. 3.1")...)
		if f, err := strconv.ParseFloat(score.BaseScore, 64); err != nil || f < 0 || f > 10 {
			errs = append(errs, field.Invalid(p.Child("baseScore"), score.BaseScore, "must be a decimal number from 0.0 to 10.0"))
		}
		if score.Vector != "" && !strings.HasPrefix(score.Vector, "CVSS:") && !strings.HasPrefix(score.Vector, "AV:") {
			errs = append(errs, field.Invalid(p.Child("vector"), score.Vector, "must be a CVSS vector string, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"))
		}
	}
	errs = append(errs, validateStringSet(m.Vulnerability.RelatedIDs, v.Child("relatedIDs"))...)
	pkg := fldPath.Child("package")
	errs = append(errs, validateRequired(m.Package.Name, pkg.Child("name"), "the name of the vulnerable package")...)
	errs = append(errs, validateRequired(m.Package.Version, pkg.Child("version"), "the installed version of the package")...)
	if m.Package.PURL != "" && !strings.HasPrefix(m.Package.PURL, "pkg:") {
		errs = append(errs, field.Invalid(pkg.Child("purl"), m.Package.PURL, "must be a package URL, starting with pkg:"))
	}
	return errs
}

// ValidateVulnerabilityManifestUpdate validates a VulnerabilityManifest on
// update; the image digest, relevancy, workload and container cannot change.
func ValidateVulnerabilityManifestUpdate(newObj, oldObj *v1beta1.VulnerabilityManifest) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, ValidateVulnerabilityManifest(newObj)...)
	spec := field.NewPath("spec")
	errs = append(errs, immutable(newObj.Spec.ImageDigest, oldObj.Spec.ImageDigest, spec.Child("imageDigest"))...)
	errs = append(errs, immutable(newObj.Spec.WithRelevancy, oldObj.Spec.WithRelevancy, spec.Child("withRelevancy"))...)
	errs = append(errs, immutable(newObj.Spec.Workload, oldObj.Spec.Workload, spec.Child("workload"))...)
	return append(errs, immutable(newObj.Spec.Container, oldObj.Spec.Container, spec.Child("container"))...)
}

// ValidateVulnerabilityManifestSummary validates a VulnerabilityManifestSummary on create.
func ValidateVulnerabilityManifestSummary(obj *v1beta1.VulnerabilityManifestSummary) field.ErrorList {
	errs := validateNamespacedMeta(&obj.ObjectMeta)
	spec := field.NewPath("spec")
	errs = append(errs, validateWorkload(&obj.Spec.Workload, spec.Child("workload"), true)...)
	errs = append(errs, validateDNSLabel(obj.Spec.Container, spec.Child("container"), true)...)
	errs = append(errs, validateRequired(obj.Spec.Image, spec.Child("image"), "the image reference the container runs")...)
	errs = append(errs, validateDigest(obj.Spec.ImageDigest, spec.Child("imageDigest"), false)...)
	sev := spec.Child("severities")
	errs = append(errs, validateVulnerabilityCounts(&obj.Spec.Severities.All, sev.Child("all"))...)
	if obj.Spec.Severities.Relevant != nil {
		errs = append(errs, validateVulnerabilityCounts(obj.Spec.Severities.Relevant, sev.Child("relevant"))...)
	}
	manifests := spec.Child("manifests")
	errs = append(errs, validateDNSSubdomain(obj.Spec.Manifests.All, manifests.Child("all"), true)...)
	errs = append(errs, validateDNSSubdomain(obj.Spec.Manifests.Relevant, manifests.Child("relevant"), false)...)
	if obj.Spec.Severities.Relevant != nil && obj.Spec.Manifests.Relevant == "" {
		errs = append(errs, field.Required(manifests.Child("relevant"), "the manifest with relevancy that severities.relevant counts"))
	}
	return errs
}

func validateVulnerabilityCounts(c *v1beta1.VulnerabilityCounts, fldPath *field.Path) field.ErrorList {
	errs := validateCount(c.Critical, fldPath.Child("critical"))
	errs = append(errs, validateCount(c.High, fldPath.Child("high"))...)
	errs = append(errs, validateCount(c.Medium, fldPath.Child("medium"))...)
	errs = append(errs, validateCount(c.Low, fldPath.Child("low"))...)
	errs = append(errs, validateCount(c.Negligible, fldPath.Child("negligible"))...)
	return append(errs, validateCount(c.Unknown, fldPath.Child("unknown"))...)
}

// ValidateVulnerabilityManifestSummaryUpdate validates a
// VulnerabilityManifestSummary on update; the workload and container cannot
// change.
func ValidateVulnerabilityManifestSummaryUpdate(newObj, oldObj *v1beta1.VulnerabilityManifestSummary) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, ValidateVulnerabilityManifestSummary(newObj)...)
	spec := field.NewPath("spec")
	errs = append(errs, immutable(newObj.Spec.Workload, oldObj.Spec.Workload, spec.Child("workload"))...)
	return append(errs, immutable(newObj.Spec.Container, oldObj.Spec.Container, spec.Child("container"))...)
}

var (
	vexStatuses = []v1beta1.VEXStatus{
		v1beta1.VEXStatusNotAffected, v1beta1.VEXStatusAffected, v1beta1.VEXStatusFixed, v1beta1.VEXStatusUnderInvestigation,
	}
	vexJustifications = []v1beta1.VEXJustification{
		v1beta1.VEXComponentNotPresent, v1beta1.VEXVulnerableCodeNotPresent, v1beta1.VEXVulnerableCodeNotInExecutePath,
		v1beta1.VEXVulnerableCodeCannotBeControlledByAdversary, v1beta1.VEXInlineMitigationsAlreadyExist,
	}
)

// ValidateOpenVulnerabilityExchangeContainer validates an
// OpenVulnerabilityExchangeContainer on create, with the OpenVEX rules: a
// not_affected statement needs a justification or an impact statement, an
// affected statement needs an action statement, and justifications are
// only for not_affected.
func ValidateOpenVulnerabilityExchangeContainer(obj *v1beta1.OpenVulnerabilityExchangeContainer) field.ErrorList {
	errs := validateNamespacedMeta(&obj.ObjectMeta)
	spec := field.NewPath("spec")
	doc := &obj.Spec
	errs = append(errs, validateRequired(doc.Context, spec.Child("context"), "the OpenVEX context, "+v1beta1.DefaultVEXContext)...)
	errs = append(errs, validateRequired(doc.ID, spec.Child("id"), "an IRI identifying the document")...)
	errs = append(errs, validateRequired(doc.Author, spec.Child("author"), "who wrote the document")...)
	errs = append(errs, validateTime(doc.Timestamp, spec.Child("timestamp"))...)
	errs = append(errs, validateNotBefore(doc.LastUpdated, doc.Timestamp, spec.Child("lastUpdated"), "timestamp")...)
	if doc.Version < 1 {
		errs = append(errs, field.Invalid(spec.Child("version"), doc.Version, "must be at least 1"))
	}
	for i := range doc.Statements {
		errs = append(errs, validateVEXStatement(&doc.Statements[i], spec.Child("statements").Index(i))...)
	}
	return errs
}

func validateVEXStatement(s *v1beta1.VEXStatement, fldPath *field.Path) field.ErrorList {
	errs := validateRequired(s.Vulnerability.Name, fldPath.Child("vulnerability", "name"), "the vulnerability identifier, e.g. CVE-2024-3094")
	errs = append(errs, validateStringSet(s.Vulnerability.Aliases, fldPath.Child("vulnerability", "aliases"))...)
	if len(s.Products) == 0 {
		errs = append(errs, field.Required(fldPath.Child("products"), "the products (images) the statement is about"))
	}
	for i, product := range s.Products {
		p := fldPath.Child("products").Index(i)
		errs = append(errs, validateRequired(product.ID, p.Child("id"), "a package URL or IRI of the product")...)
		for j, sub := range product.Subcomponents {
			errs = append(errs, validateRequired(sub.ID, p.Child("subcomponents").Index(j).Child("id"), "a package URL or IRI of the component")...)
		}
	}
	if s.Timestamp != nil {
		errs = append(errs, validateNotBefore(s.LastUpdated, *s.Timestamp, fldPath.Child("lastUpdated"), "timestamp")...)
	}
	errs = append(errs, validateEnum(s.Status, fldPath.Child("status"), true, vexStatuses...)...)
	errs = append(errs, validateEnum(s.Justification, fldPath.Child("justification"), false, vexJustifications...)...)
	switch s.Status {
	case v1beta1.VEXStatusNotAffected:
		if s.Justification == "" && strings.TrimSpace(s.ImpactStatement) == "" {
			errs = append(errs, field.Required(fldPath.Child("justification"), "a not_affected statement needs a justification or an impactStatement (OpenVEX)"))
		}
	case v1beta1.VEXStatusAffected:
		if strings.TrimSpace(s.ActionStatement) == "" {
			errs = append(errs, field.Required(fldPath.Child("actionStatement"), "an affected statement needs an actionStatement saying what to do (OpenVEX)"))
		}
	}
	if s.Status != v1beta1.VEXStatusNotAffected && s.Status != "" && s.Justification != "" {
		errs = append(errs, field.Forbidden(fldPath.Child("justification"), "a justification is only for status not_affected"))
	}
	return errs
}

// ValidateOpenVulnerabilityExchangeContainerUpdate validates an
// OpenVulnerabilityExchangeContainer on update; the document ID cannot
// change and the version cannot go down.
func ValidateOpenVulnerabilityExchangeContainerUpdate(newObj, oldObj *v1beta1.OpenVulnerabilityExchangeContainer) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, ValidateOpenVulnerabilityExchangeContainer(newObj)...)
	spec := field.NewPath("spec")
	errs = append(errs, immutable(newObj.Spec.ID, oldObj.Spec.ID, spec.Child("id"))...)
	if newObj.Spec.Version < oldObj.Spec.Version {
		errs = append(errs, field.Invalid(spec.Child("version"), newObj.Spec.Version, "must not decrease (it was "+strconv.Itoa(int(oldObj.Spec.Version))+")"))
	}
	return errs
}
