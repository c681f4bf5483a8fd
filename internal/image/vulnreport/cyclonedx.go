package vulnreport

import (
	"fmt"
	"io"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// writeCycloneDX writes a CycloneDX 1.6 document: each image is a container
// component holding its affected packages, and each finding a vulnerability
// whose analysis is the VEX: in_triage while it stands, not_affected or
// resolved when a VEX statement says so, and will_not_fix with the reason
// when an ignore rule accepted it.
func writeCycloneDX(w io.Writer, r *Report) error {
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	bom.JSONSchema = "http://cyclonedx.org/schema/bom-1.6.schema.json"
	bom.Metadata = &cdx.Metadata{
		Timestamp: r.GeneratedAt.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: r.Tool.Name, Version: r.Tool.Version,
		}}},
	}
	components := []cdx.Component{}
	vulns := []cdx.Vulnerability{}
	for i := range r.Images {
		img := &r.Images[i]
		imgRef := "image:" + img.Ref
		if img.Digest != "" {
			imgRef = "image:" + img.Digest
		}
		imgComp := cdx.Component{
			BOMRef:  imgRef,
			Type:    cdx.ComponentTypeContainer,
			Name:    img.Ref,
			Version: img.Digest,
		}
		var props []cdx.Property
		for _, wl := range img.Workloads {
			props = append(props, cdx.Property{Name: "kubescape:workload", Value: wl.String()})
		}
		if img.Distro != "" {
			props = append(props, cdx.Property{Name: "kubescape:distro", Value: img.Distro})
		}
		if len(props) > 0 {
			imgComp.Properties = &props
		}
		pkgs := []cdx.Component{}
		seen := map[string]bool{}
		for j, f := range img.Findings {
			pref := packageRef(imgRef, f.Package)
			if !seen[pref] {
				seen[pref] = true
				pkgs = append(pkgs, cdx.Component{
					BOMRef:     pref,
					Type:       cdx.ComponentTypeLibrary,
					Name:       f.Package.Name,
					Version:    f.Package.Version,
					PackageURL: f.Package.PURL,
				})
			}
			vulns = append(vulns, cdxVulnerability(fmt.Sprintf("%s#%d", imgRef, j), pref, f))
		}
		if len(pkgs) > 0 {
			imgComp.Components = &pkgs
		}
		components = append(components, imgComp)
	}
	bom.Components = &components
	bom.Vulnerabilities = &vulns
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return fmt.Errorf("write cyclonedx: %w", err)
	}
	return nil
}

func packageRef(imgRef string, p Package) string {
	id := p.PURL
	if id == "" {
		id = p.Type + "/" + p.Name + "@" + p.Version
	}
	return imgRef + "|" + id
}

func cdxVulnerability(ref, pkgRef string, f Finding) cdx.Vulnerability {
	v := cdx.Vulnerability{
		BOMRef:         ref,
		ID:             f.ID,
		Description:    f.Description,
		Recommendation: remedy(f),
		Affects:        &[]cdx.Affects{{Ref: pkgRef}},
	}
	if f.DataSource != "" {
		v.Source = &cdx.Source{URL: f.DataSource, Name: sourceName(f.Namespace)}
	}
	rating := cdx.VulnerabilityRating{Severity: cdxSeverity(f.Severity)}
	if f.CVSS > 0 {
		score := f.CVSS
		rating.Score = &score
		rating.Method = cdx.ScoringMethodCVSSv3
	}
	v.Ratings = &[]cdx.VulnerabilityRating{rating}
	if len(f.Aliases) > 0 {
		refs := make([]cdx.VulnerabilityReference, 0, len(f.Aliases))
		for _, a := range f.Aliases {
			refs = append(refs, cdx.VulnerabilityReference{ID: a, Source: &cdx.Source{Name: aliasSource(a)}})
		}
		v.References = &refs
	}
	v.Analysis = cdxAnalysis(f)
	return v
}

func cdxAnalysis(f Finding) *cdx.VulnerabilityAnalysis {
	s := f.Suppressed
	switch {
	case s == nil:
		a := &cdx.VulnerabilityAnalysis{State: cdx.IASInTriage}
		if len(f.FixedIn) > 0 {
			a.Response = &[]cdx.ImpactAnalysisResponse{cdx.IARUpdate}
		}
		return a
	case s.By == SuppressedByVEX:
		a := &cdx.VulnerabilityAnalysis{State: cdx.IASNotAffected, Detail: suppressionText(s)}
		if s.VEXStatus == "fixed" {
			a.State = cdx.IASResolved
		}
		a.Justification = cdxJustification(s.Justification)
		return a
	}
	return &cdx.VulnerabilityAnalysis{
		Response: &[]cdx.ImpactAnalysisResponse{cdx.IARWillNotFix},
		Detail:   suppressionText(s),
	}
}

// cdxJustification maps an OpenVEX (or CSAF) justification to CycloneDX's.
func cdxJustification(j string) cdx.ImpactAnalysisJustification {
	switch j {
	case "component_not_present", "vulnerable_code_not_present":
		return cdx.IAJCodeNotPresent
	case "vulnerable_code_not_in_execute_path", "vulnerable_code_cannot_be_controlled_by_adversary":
		return cdx.IAJCodeNotReachable
	case "inline_mitigations_already_exist":
		return cdx.IAJProtectedByMitigatingControl
	}
	return ""
}

func cdxSeverity(s Severity) cdx.Severity {
	switch s {
	case SeverityCritical:
		return cdx.SeverityCritical
	case SeverityHigh:
		return cdx.SeverityHigh
	case SeverityMedium:
		return cdx.SeverityMedium
	case SeverityLow:
		return cdx.SeverityLow
	case SeverityNegligible:
		return cdx.SeverityInfo
	}
	return cdx.SeverityUnknown
}

func sourceName(namespace string) string {
	if i := strings.Index(namespace, ":"); i > 0 {
		return namespace[:i]
	}
	return namespace
}

func aliasSource(id string) string {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return "NVD"
	case strings.HasPrefix(id, "GHSA-"):
		return "GitHub"
	}
	return ""
}
