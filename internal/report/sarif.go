package report

import (
	"cmp"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"kubescape.io/kubescape/internal/result"
)

// sarifSchemaURI is the published schema of the SARIF version written.
const sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name    string      `json:"name"`
	Version string      `json:"version,omitempty"`
	Rules   []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name,omitempty"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	Help                 sarifText         `json:"help"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           sarifRuleProperty `json:"properties"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProperty struct {
	SecuritySeverity string   `json:"security-severity"`
	Severity         string   `json:"severity"`
	BaseScore        float64  `json:"baseScore"`
	Tags             []string `json:"tags"`
}

type sarifInvocation struct {
	ExecutionSuccessful            bool                `json:"executionSuccessful"`
	EndTimeUTC                     string              `json:"endTimeUtc,omitempty"`
	ToolExecutionNotifications     []sarifNotification `json:"toolExecutionNotifications,omitempty"`
	ToolConfigurationNotifications []sarifNotification `json:"toolConfigurationNotifications,omitempty"`
}

type sarifNotification struct {
	Level          string          `json:"level"`
	Message        sarifText       `json:"message"`
	Locations      []sarifLocation `json:"locations,omitempty"`
	AssociatedRule *sarifRuleRef   `json:"associatedRule,omitempty"`
}

type sarifRuleRef struct {
	ID    string `json:"id"`
	Index int    `json:"index"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    int                `json:"ruleIndex"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
	Properties   map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
	Message          *sarifText             `json:"message,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
}

type sarifFix struct {
	Path  string `json:"path"`
	Value string `json:"value"`
	Line  int    `json:"line,omitempty"`
}

type sarifFramework struct {
	Name  string  `json:"name"`
	Score float64 `json:"score"`
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s result.Severity) string {
	switch s {
	case result.SeverityCritical, result.SeverityHigh:
		return "error"
	case result.SeverityMedium:
		return "warning"
	}
	return "note"
}

// securitySeverity maps a severity to the CVSS-like number GitHub code
// scanning reads from properties.security-severity: critical is 9.0 or more,
// high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9.
func securitySeverity(s result.Severity) string {
	switch s {
	case result.SeverityCritical:
		return "9.5"
	case result.SeverityHigh:
		return "8.0"
	case result.SeverityMedium:
		return "5.5"
	case result.SeverityLow:
		return "2.0"
	}
	return "0.0"
}

// writeSARIF writes a SARIF 2.1.0 log with one run: a rule per control run,
// a result per failed result, excepted results as suppressed results, and
// unreadable inputs, skipped controls and expired exceptions as
// notifications of the invocation. Results are encoded one resource at a
// time (see writeSpliced): the log of a scan of 50,000 objects is 745 MB.
func writeSARIF(w io.Writer, r *result.Report, _ Options) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:    cmp.Or(r.Tool.Name, "kubescape"),
			Version: r.Tool.Version,
			Rules:   []sarifRule{},
		}},
		Invocations: []sarifInvocation{sarifInvocationFor(r)},
		Results:     []sarifResult{},
		Properties: map[string]any{
			"score":      r.Summary.Score,
			"targets":    nonNil(r.Targets),
			"frameworks": sarifFrameworks(r.Frameworks),
		},
	}
	ruleIndex := map[string]int{}
	for i, c := range r.Controls {
		ruleIndex[c.ID] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleFor(c))
	}
	index := controlIndex(r)
	// A SARIF result is a failed or excepted result of a control run.
	reported := func(id string, st result.Status) bool {
		_, ok := ruleIndex[id]
		return ok && (st == result.StatusFailed || st == result.StatusExcepted)
	}
	// The results of one resource at a time, spliced into the log's run.
	resultsOf := func(i int) []sarifResult {
		var out []sarifResult
		res := &r.Resources[i]
		results := res.Results()
		for j := range results {
			cr := &results[j]
			if !reported(cr.ControlID, cr.Status) {
				continue
			}
			c := index[cr.ControlID]
			sr := sarifResult{
				RuleID:    cr.ControlID,
				RuleIndex: ruleIndex[cr.ControlID],
				Level:     sarifLevel(c.Severity),
				Message:   sarifText{Text: cmp.Or(strings.Join(messages(cr), "\n"), c.Name, c.ID)},
				Locations: sarifLocations(res, cr),
				Properties: map[string]any{
					"resource": res.Ref.String(),
					"severity": string(c.Severity),
				},
			}
			if fixes := sarifFixes(cr); len(fixes) > 0 {
				sr.Properties["fixPaths"] = fixes
			}
			if cr.Status == result.StatusExcepted {
				sr.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted", Justification: reason(cr)}}
				if cr.Exception != nil {
					sr.Properties["exception"] = cr.Exception
				}
			}
			out = append(out, sr)
		}
		return out
	}
	log := sarifLog{Schema: sarifSchemaURI, Version: "2.1.0", Runs: []sarifRun{run}}
	// Elements of the results array: the results of the next resource that
	// has any, in order.
	var pending []sarifResult
	next := 0
	count := 0
	for i := range r.Resources {
		r.Resources[i].EachStatus(func(id string, st result.Status) {
			if reported(id, st) {
				count++
			}
		})
	}
	return writeSpliced(w, log, `"results": []`, 3, count, func(int) (any, error) {
		for len(pending) == 0 {
			pending = resultsOf(next)
			next++
		}
		sr := pending[0]
		pending = pending[1:]
		return sr, nil
	})
}

func sarifInvocationFor(r *result.Report) sarifInvocation {
	inv := sarifInvocation{ExecutionSuccessful: true}
	if !r.GeneratedAt.IsZero() {
		inv.EndTimeUTC = r.GeneratedAt.UTC().Format(time.RFC3339)
	}
	for _, u := range r.Unreadable {
		n := sarifNotification{Level: "error", Message: sarifText{Text: cmp.Or(u.Reason, "unreadable")}}
		if u.Skipped {
			n.Level = "note"
		}
		if u.Source != "" {
			pl := &sarifPhysicalLocation{ArtifactLocation: sarifArtifact(u.Source)}
			if u.Line > 0 {
				pl.Region = &sarifRegion{StartLine: u.Line}
			}
			n.Locations = []sarifLocation{{PhysicalLocation: pl}}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	for i, c := range r.Controls {
		if c.Status != result.StatusSkipped {
			continue
		}
		msg := "control " + c.ID + " was skipped"
		if c.SkipReason != "" {
			msg += ": " + c.SkipReason
		}
		inv.ToolConfigurationNotifications = append(inv.ToolConfigurationNotifications, sarifNotification{
			Level:          "note",
			Message:        sarifText{Text: msg},
			AssociatedRule: &sarifRuleRef{ID: c.ID, Index: i},
		})
	}
	for _, e := range r.ExpiredExceptions {
		msg := "exception " + e.Name + " expired"
		if e.Expires != "" {
			msg += " on " + e.Expires
		}
		if e.Source != "" {
			msg += " (" + e.Source + ")"
		}
		if e.Reason != "" {
			msg += ": " + e.Reason
		}
		inv.ToolConfigurationNotifications = append(inv.ToolConfigurationNotifications, sarifNotification{
			Level: "warning", Message: sarifText{Text: msg},
		})
	}
	return inv
}

func sarifRuleFor(c result.ControlSummary) sarifRule {
	desc := cmp.Or(c.Description, c.Name, c.ID)
	help := sarifText{Text: desc, Markdown: md(desc)}
	if c.Remediation != "" {
		help.Text += "\n\nRemediation: " + c.Remediation
		help.Markdown += "\n\n**Remediation:** " + md(c.Remediation)
	}
	// Tags are unique (SARIF requires it): the framework named security
	// adds nothing to the tag every rule has.
	tags := []string{"security", "kubernetes"}
	for _, fw := range c.Frameworks {
		if !slices.Contains(tags, fw) {
			tags = append(tags, fw)
		}
	}
	return sarifRule{
		ID:                   c.ID,
		Name:                 c.Name,
		ShortDescription:     sarifText{Text: cmp.Or(c.Name, c.ID)},
		FullDescription:      sarifText{Text: desc},
		Help:                 help,
		DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(c.Severity)},
		Properties: sarifRuleProperty{
			SecuritySeverity: securitySeverity(c.Severity),
			Severity:         string(c.Severity),
			BaseScore:        c.BaseScore,
			Tags:             tags,
		},
	}
}

// sarifLocations returns a location per failed path with a known line, or
// a single location at the result's line (its first fix path line, else the
// resource's origin); each names the resource as a logical location. A
// resource with no file has only the logical location.
func sarifLocations(res *result.Resource, cr *result.ControlResult) []sarifLocation {
	logical := []sarifLogicalLocation{{
		Name:               res.Ref.Name,
		FullyQualifiedName: res.Ref.String(),
		Kind:               "resource",
	}}
	if res.Origin.Path == "" {
		return []sarifLocation{{LogicalLocations: logical}}
	}
	artifact := sarifArtifact(res.Origin.Path)
	var out []sarifLocation
	seen := map[result.Location]bool{}
	for _, f := range cr.Findings {
		for _, p := range f.FailedPaths {
			if p.Line <= 0 || seen[p] {
				continue
			}
			seen[p] = true
			out = append(out, sarifLocation{
				PhysicalLocation: &sarifPhysicalLocation{
					ArtifactLocation: artifact,
					Region:           &sarifRegion{StartLine: p.Line, StartColumn: p.Column},
				},
				LogicalLocations: logical,
				Message:          &sarifText{Text: p.Path},
			})
		}
	}
	if len(out) > 0 {
		return out
	}
	pl := &sarifPhysicalLocation{ArtifactLocation: artifact}
	if line := (hit{res, cr}).line(); line > 0 {
		pl.Region = &sarifRegion{StartLine: line}
		if line == res.Origin.Line {
			pl.Region.StartColumn = res.Origin.Column
		}
	}
	return []sarifLocation{{PhysicalLocation: pl, LogicalLocations: logical}}
}

// sarifArtifact turns an origin path into a URI reference: a relative path
// stays relative to the source root (%SRCROOT%) with forward slashes, an
// absolute one becomes a file URI.
func sarifArtifact(p string) sarifArtifactLocation {
	slashed := filepath.ToSlash(p)
	if filepath.IsAbs(p) || path.IsAbs(slashed) {
		if !strings.HasPrefix(slashed, "/") {
			slashed = "/" + slashed
		}
		return sarifArtifactLocation{URI: (&url.URL{Scheme: "file", Path: slashed}).String()}
	}
	slashed = strings.TrimPrefix(slashed, "./")
	return sarifArtifactLocation{URI: (&url.URL{Path: slashed}).String(), URIBaseID: "%SRCROOT%"}
}

func sarifFixes(cr *result.ControlResult) []sarifFix {
	var out []sarifFix
	for _, f := range cr.Findings {
		for _, fx := range f.FixPaths {
			out = append(out, sarifFix{Path: fx.Path, Value: fx.Value, Line: fx.Line})
		}
	}
	return out
}

func sarifFrameworks(fs []result.FrameworkSummary) []sarifFramework {
	out := make([]sarifFramework, 0, len(fs))
	for _, f := range fs {
		out = append(out, sarifFramework{Name: f.Name, Score: f.Score})
	}
	return out
}
