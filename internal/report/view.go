package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/internal/result"
)

// The helpers in this file select and order what the Report holds; they
// compute no verdict or score.

// statusRank orders control statuses for display: failed first, skipped last.
func statusRank(s result.Status) int {
	switch s {
	case result.StatusFailed:
		return 0
	case result.StatusExcepted:
		return 1
	case result.StatusPassed:
		return 2
	case result.StatusSkipped:
		return 3
	}
	return 4
}

// displayOrder returns the controls failed first, then by severity (most
// severe first), then by ID.
func displayOrder(controls []result.ControlSummary) []result.ControlSummary {
	out := slices.Clone(controls)
	slices.SortStableFunc(out, func(a, b result.ControlSummary) int {
		return cmp.Or(
			cmp.Compare(statusRank(a.Status), statusRank(b.Status)),
			cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
			cmp.Compare(a.ID, b.ID),
		)
	})
	return out
}

// controlIndex maps control IDs to their summaries.
func controlIndex(r *result.Report) map[string]result.ControlSummary {
	m := make(map[string]result.ControlSummary, len(r.Controls))
	for _, c := range r.Controls {
		m[c.ID] = c
	}
	return m
}

// hit is one non-passed result of a control on a resource.
type hit struct {
	res *result.Resource
	cr  *result.ControlResult
}

// line is where the result points: its first failed path line, else the
// resource's origin line, 0 when neither is known.
func (h hit) line() int {
	if l := h.cr.PrimaryLine(); l > 0 {
		return l
	}
	return h.res.Origin.Line
}

// where renders the file:line of the result, or the origin kind when the
// resource has no file (a cluster object).
func (h hit) where() string {
	return fileLine(h.res.Origin, h.line())
}

// hitsByControl groups the non-passed results by control ID and status, in
// resource order. With failedCap > 0 it keeps at most that many failed
// results of each control (and counts the others in failedMore): a summary
// of a large scan then holds a few results, not every one decoded.
func hitsByControl(r *result.Report, failedCap int) (hits map[string]map[result.Status][]hit, failedMore map[string]int) {
	hits, failedMore = map[string]map[result.Status][]hit{}, map[string]int{}
	for i := range r.Resources {
		res := &r.Resources[i]
		var results []result.ControlResult
		if failedCap > 0 {
			// Decode only resources that have a result to keep.
			keep := false
			res.EachStatus(func(id string, st result.Status) {
				keep = keep || st != result.StatusFailed || len(hits[id][st]) < failedCap
			})
			if !keep {
				res.EachStatus(func(id string, _ result.Status) { failedMore[id]++ })
				continue
			}
		}
		results = res.Results()
		for j := range results {
			cr := &results[j]
			if hits[cr.ControlID] == nil {
				hits[cr.ControlID] = map[result.Status][]hit{}
			}
			if failedCap > 0 && cr.Status == result.StatusFailed && len(hits[cr.ControlID][cr.Status]) >= failedCap {
				failedMore[cr.ControlID]++
				continue
			}
			hits[cr.ControlID][cr.Status] = append(hits[cr.ControlID][cr.Status], hit{res, cr})
		}
	}
	return hits, failedMore
}

// fileLine renders an origin path with a line as path:line, the path alone
// when the line is unknown, and the origin kind when there is no path.
func fileLine(o resource.Origin, line int) string {
	if o.Path == "" {
		return string(o.Kind)
	}
	if line > 0 {
		return o.Path + ":" + strconv.Itoa(line)
	}
	return o.Path
}

// findingLine is the first known line of a finding's failed paths, else of
// its fix paths, else the resource's origin line.
func findingLine(res *result.Resource, f result.Finding) int {
	if line := f.Line(); line > 0 {
		return line
	}
	return res.Origin.Line
}

// reason says why a result was excepted or skipped: its own reason, else the
// reason of the exception that applied.
func reason(cr *result.ControlResult) string {
	if cr.Reason != "" {
		return cr.Reason
	}
	if cr.Exception != nil {
		return cr.Exception.Reason
	}
	return ""
}

// messages returns the messages of a result's findings.
func messages(cr *result.ControlResult) []string {
	out := make([]string, 0, len(cr.Findings))
	for _, f := range cr.Findings {
		if f.Message != "" {
			out = append(out, f.Message)
		}
	}
	return out
}

// pct renders a 0-100 score with one decimal and a percent sign.
func pct(score float64) string {
	return strconv.FormatFloat(score, 'f', 1, 64) + "%"
}

// pathLine renders a field path with its source position when known.
func pathLine(l result.Location) string {
	if pos := position(l); pos != "" {
		return l.Path + " (" + pos + ")"
	}
	return l.Path
}

// position renders the line and column of a location, "" when unknown.
func position(l result.Location) string {
	switch {
	case l.Line > 0 && l.Column > 0:
		return fmt.Sprintf("line %d, column %d", l.Line, l.Column)
	case l.Line > 0:
		return fmt.Sprintf("line %d", l.Line)
	}
	return ""
}

// fixLine renders a fix as path = value with its source position when known.
func fixLine(f result.Fix) string {
	loc := f.Location
	loc.Path = f.Path + " = " + f.Value
	return pathLine(loc)
}

// exceptionText describes an exception: its name, source and expiry.
func exceptionText(e *result.ExceptionRef) string {
	if e == nil {
		return ""
	}
	s := e.Name
	if e.Source != "" {
		s += " (" + e.Source + ")"
	}
	if e.Expires != "" {
		s += ", expires " + e.Expires
	}
	return s
}

// severities lists the severities from most to least severe.
var severities = []result.Severity{
	result.SeverityCritical, result.SeverityHigh, result.SeverityMedium, result.SeverityLow,
}

// statuses lists the statuses in display order.
var statuses = []result.Status{
	result.StatusFailed, result.StatusExcepted, result.StatusPassed, result.StatusSkipped,
}

// countOf returns the count of one status.
func countOf(c result.Counts, s result.Status) int {
	switch s {
	case result.StatusPassed:
		return c.Passed
	case result.StatusFailed:
		return c.Failed
	case result.StatusSkipped:
		return c.Skipped
	case result.StatusExcepted:
		return c.Excepted
	}
	return 0
}
