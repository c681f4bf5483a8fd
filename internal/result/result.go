// Package result is the outcome of a scan: the verdict of every control on
// every resource, the compliance scores and the inputs that could not be read.
// Every report format renders a Report; none computes anything of its own.
package result

import (
	"encoding/json"
	"time"

	"kubescape.io/kubescape/internal/resource"
)

// SchemaVersion is the version of the JSON form of Report. It changes when a
// field is removed or changes meaning; added fields keep it.
const SchemaVersion = "v1"

// Status is the verdict of one control on one resource, or of a control overall.
type Status string

// The statuses a control or a result can have.
const (
	StatusPassed   Status = "passed"
	StatusFailed   Status = "failed"
	StatusSkipped  Status = "skipped"
	StatusExcepted Status = "excepted"
)

// Severity is how much a failure of a control matters.
type Severity string

// The severities, from least to most severe.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Rank orders severities: low=1 ... critical=4, 0 for an unknown value.
func (s Severity) Rank() int {
	switch s {
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	case SeverityCritical:
		return 4
	}
	return 0
}

// Report is everything a scan found.
type Report struct {
	SchemaVersion string    `json:"schemaVersion"`
	Tool          Tool      `json:"tool"`
	GeneratedAt   time.Time `json:"generatedAt"`
	// Targets are the inputs as the user named them (paths, "-", charts).
	Targets    []string           `json:"targets"`
	Summary    Summary            `json:"summary"`
	Frameworks []FrameworkSummary `json:"frameworks"`
	// Controls holds every control that was run, sorted by ID.
	Controls []ControlSummary `json:"controls"`
	// Resources holds every resource that was evaluated, sorted by origin then identity.
	Resources []Resource `json:"resources"`
	// Unreadable lists the inputs, or parts of inputs, that could not be read.
	Unreadable []InputProblem `json:"unreadable"`
	// ExpiredExceptions lists the exceptions that no longer apply because their expiry date passed.
	ExpiredExceptions []ExceptionRef `json:"expiredExceptions"`
	// Images is the vulnerability report of the images the scanned workloads
	// run (scan --include-images), in the form of 'scan image --format json';
	// absent otherwise.
	Images json.RawMessage `json:"images,omitempty"`
}

// Tool names the program that produced the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Counts counts results by status.
type Counts struct {
	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
	Skipped  int `json:"skipped"`
	Excepted int `json:"excepted"`
}

// Evaluated is the number of results that count in a score: all but skipped.
func (c Counts) Evaluated() int { return c.Passed + c.Failed + c.Excepted }

// Add adds one result of the given status.
func (c *Counts) Add(s Status) {
	switch s {
	case StatusPassed:
		c.Passed++
	case StatusFailed:
		c.Failed++
	case StatusSkipped:
		c.Skipped++
	case StatusExcepted:
		c.Excepted++
	}
}

// Summary is the scan as a whole.
type Summary struct {
	// Score is the overall compliance, 0-100: the control scores averaged,
	// weighted by each control's base score.
	Score float64 `json:"score"`
	// Resources is the number of resources evaluated.
	Resources int `json:"resources"`
	// FailedResources is the number of resources that failed at least one control.
	FailedResources int `json:"failedResources"`
	// Controls counts controls by overall status.
	Controls Counts `json:"controls"`
	// Results counts control-on-resource results by status.
	Results Counts `json:"results"`
	// FailedBySeverity counts failed controls by severity.
	FailedBySeverity map[Severity]int `json:"failedBySeverity"`
}

// FrameworkSummary is the compliance of one framework.
type FrameworkSummary struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Score       float64  `json:"score"`
	Controls    []string `json:"controls"`
	// ControlCounts counts the framework's controls by overall status.
	ControlCounts Counts `json:"controlCounts"`
}

// ControlSummary is one control and its verdict over all resources.
type ControlSummary struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Remediation string   `json:"remediation"`
	Severity    Severity `json:"severity"`
	// BaseScore weighs the control in framework and overall scores (1-10).
	BaseScore  float64  `json:"baseScore"`
	Frameworks []string `json:"frameworks"`
	// Status is failed when any resource failed, passed when at least one
	// resource was evaluated and none failed, skipped otherwise.
	Status Status `json:"status"`
	// SkipReason says why a skipped control did not run.
	SkipReason string `json:"skipReason,omitempty"`
	Counts     Counts `json:"counts"`
	// Score is the compliance of the control, 0-100: (passed+excepted) ÷ evaluated.
	Score float64 `json:"score"`
}

// Resource is one evaluated resource and the results of the controls that
// apply to it. Its failed, excepted and skipped results are kept encoded
// (see encode.go): make one with NewResource, read them with Results. In
// JSON it is an object with the fields resource, origin, passed and results.
type Resource struct {
	Ref    resource.Ref
	Origin resource.Origin
	// Passed lists the IDs of the controls the resource passed. Resources
	// may share it: it is read only.
	Passed []string

	tab *Table
	enc []byte
}

// ControlResult is the verdict of one control on one resource, when not passed.
type ControlResult struct {
	ControlID string `json:"controlID"`
	Status    Status `json:"status"`
	// Reason says why a result was skipped or excepted.
	Reason string `json:"reason,omitempty"`
	// Exception names the exception that applied to an excepted result.
	Exception *ExceptionRef `json:"exception,omitempty"`
	Findings  []Finding     `json:"findings"`
}

// Finding is one violation a control found in a resource.
type Finding struct {
	Message string `json:"message"`
	// FailedPaths are the fields that violate the control.
	FailedPaths []Location `json:"failedPaths,omitempty"`
	// ReviewPaths are fields a person should look at to judge the finding.
	ReviewPaths []Location `json:"reviewPaths,omitempty"`
	// FixPaths are fields to set, and the values to set them to, to pass.
	FixPaths []Fix `json:"fixPaths,omitempty"`
	// Related names other resources that take part in the finding.
	Related []resource.Ref `json:"related,omitempty"`
}

// Location is a field path in a resource and where it stands in the source.
type Location struct {
	Path string `json:"path"`
	// Line and Column are 1-based; 0 when unknown (for example a field that is missing).
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// Fix is a field to set and the value that makes the resource pass.
type Fix struct {
	Location
	Value string `json:"value"`
}

// InputProblem is an input, or a document in it, that could not be read.
type InputProblem struct {
	// Source is the file, chart or directory.
	Source string `json:"source"`
	// Line is the 1-based line of the problem, 0 when unknown.
	Line   int    `json:"line,omitempty"`
	Reason string `json:"reason"`
	// Skipped is true for inputs passed over on purpose (binary, too large).
	Skipped bool `json:"skipped,omitempty"`
}

// ExceptionRef names an exception and why it was granted.
type ExceptionRef struct {
	Name    string `json:"name"`
	Reason  string `json:"reason,omitempty"`
	Expires string `json:"expires,omitempty"`
	// Source is the exceptions file, or "annotation" for object annotations.
	Source string `json:"source,omitempty"`
}

// Line returns the first known line of the finding's failed paths, else of
// its fix paths, or 0.
func (f Finding) Line() int {
	for _, p := range f.FailedPaths {
		if p.Line > 0 {
			return p.Line
		}
	}
	for _, p := range f.FixPaths {
		if p.Line > 0 {
			return p.Line
		}
	}
	return 0
}

// PrimaryLine returns the first known line of a result's findings, or 0.
func (r ControlResult) PrimaryLine() int {
	for _, f := range r.Findings {
		if line := f.Line(); line > 0 {
			return line
		}
	}
	return 0
}

// ControlByID returns the control summary with the given ID.
func (r *Report) ControlByID(id string) (ControlSummary, bool) {
	for _, c := range r.Controls {
		if c.ID == id {
			return c, true
		}
	}
	return ControlSummary{}, false
}
