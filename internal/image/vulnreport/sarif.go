package vulnreport

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// sarifSchemaURI is the published schema of the SARIF version written.
const sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      sarifText       `json:"fullDescription"`
	HelpURI              string          `json:"helpUri,omitempty"`
	Help                 sarifText       `json:"help"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
	Properties           sarifRuleProps  `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	// SecuritySeverity is the 0-10 score code scanning tools rank by.
	SecuritySeverity string   `json:"security-severity"`
	Tags             []string `json:"tags"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
}

func sarifLevel(s Severity) string {
	switch s {
	case SeverityCritical, SeverityHigh:
		return "error"
	case SeverityMedium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the CVSS score, or a score in the middle of the
// severity's CVSS band when the data has none.
func securitySeverity(f Finding) string {
	if f.CVSS > 0 {
		return fmt.Sprintf("%.1f", f.CVSS)
	}
	switch f.Severity {
	case SeverityCritical:
		return "9.5"
	case SeverityHigh:
		return "8.0"
	case SeverityMedium:
		return "5.5"
	case SeverityLow:
		return "2.0"
	}
	return "0.0"
}

func writeSARIF(w io.Writer, r *Report) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           r.Tool.Name,
			Version:        r.Tool.Version,
			InformationURI: "https://github.com/kubescape/kubescape",
			Rules:          []sarifRule{},
		}},
		Results: []sarifResult{},
	}
	rules := map[string]int{}
	for i := range r.Images {
		img := &r.Images[i]
		for _, f := range img.Findings {
			if _, ok := rules[f.ID]; !ok {
				rules[f.ID] = len(run.Tool.Driver.Rules)
				run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleFor(f))
			} else if k := rules[f.ID]; f.Severity.Rank() > severityOfLevel(run.Tool.Driver.Rules[k]) {
				// The same ID can carry different severities in different
				// namespaces; the rule keeps the highest.
				run.Tool.Driver.Rules[k] = sarifRuleFor(f)
			}
			run.Results = append(run.Results, sarifResultFor(img, f))
		}
	}
	return writeJSON(w, sarifLog{Schema: sarifSchemaURI, Version: "2.1.0", Runs: []sarifRun{run}})
}

func severityOfLevel(r sarifRule) int {
	for _, t := range r.Properties.Tags {
		if s, ok := ParseSeverity(t); ok {
			return s.Rank()
		}
	}
	return 0
}

func sarifRuleFor(f Finding) sarifRule {
	desc := f.Description
	if desc == "" {
		desc = f.ID + " affects " + f.Package.Name + "."
	}
	help := f.ID + " (" + string(f.Severity) + ") in " + f.Package.Name + ". " + remedy(f)
	if len(f.URLs) > 0 {
		help += " More: " + strings.Join(f.URLs, " ")
	}
	return sarifRule{
		ID:                   f.ID,
		ShortDescription:     sarifText{Text: f.ID + " in " + f.Package.Name},
		FullDescription:      sarifText{Text: desc},
		HelpURI:              f.DataSource,
		Help:                 sarifText{Text: help},
		DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(f.Severity)},
		Properties:           sarifRuleProps{SecuritySeverity: securitySeverity(f), Tags: []string{"security", "vulnerability", string(f.Severity)}},
	}
}

// remedy says what to do about a finding.
func remedy(f Finding) string {
	if len(f.FixedIn) > 0 {
		return "Upgrade " + f.Package.Name + " from " + f.Package.Version + " to " + strings.Join(f.FixedIn, " or ") + "."
	}
	switch f.FixState {
	case "wont-fix":
		return "The maintainers will not fix it; consider another package or base image."
	case "not-fixed":
		return "No fix is available yet."
	}
	return "No fixed version is known."
}

func sarifResultFor(img *Image, f Finding) sarifResult {
	name := img.Ref
	loc := strings.TrimPrefix(firstOr(f.Package.Locations, ""), "/")
	uri := name
	if loc != "" {
		uri = loc
	}
	res := sarifResult{
		RuleID: f.ID,
		Level:  sarifLevel(f.Severity),
		Message: sarifText{Text: fmt.Sprintf("%s (%s) in %s %s (%s) of image %s. %s",
			f.ID, f.Severity, f.Package.Name, f.Package.Version, f.Package.Type, name, remedy(f))},
		Locations: []sarifLocation{{
			PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: uri}},
			LogicalLocations: []sarifLogical{{Name: name, FullyQualifiedName: name + "@" + img.Digest, Kind: "image"}},
		}},
		PartialFingerprints: map[string]string{
			"vulnerability/package/image": f.ID + "/" + f.Package.Type + ":" + f.Package.Name + "@" + f.Package.Version + "/" + name,
		},
	}
	if len(img.Workloads) > 0 {
		var wls []string
		for _, wl := range img.Workloads {
			wls = append(wls, wl.String())
		}
		slices.Sort(wls)
		res.Properties = map[string]any{"workloads": wls}
	}
	if f.Suppressed != nil {
		res.Suppressions = []sarifSuppression{{Kind: "external", Justification: suppressionText(f.Suppressed)}}
	}
	return res
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
