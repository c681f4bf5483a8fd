package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"kubescape.io/kubescape/internal/result"
)

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

type htmlPage struct {
	Title      string
	Generated  string
	Targets    []string
	Score      string
	ScoreClass string
	Summary    result.Summary
	Donut      []htmlSegment
	Results    int
	Bars       []htmlBar
	Frameworks []htmlFramework
	Controls   []htmlControl
	Resources  []htmlResource
	Skipped    []htmlControl
	Unreadable []result.InputProblem
	Expired    []result.ExceptionRef
}

type htmlSegment struct {
	Label      string
	Count      int
	DashArray  string
	DashOffset string
}

type htmlBar struct {
	Severity string
	Count    int
	Width    string
	Y        int
}

type htmlFramework struct {
	Name, Description, Score, Class string
	Counts                          result.Counts
}

type htmlControl struct {
	ID, Name, Severity, Status, Score, ScoreClass, Search string
	Description, Remediation, SkipReason                  string
	Counts                                                result.Counts
}

type htmlResource struct {
	Ref     string
	Where   string
	Entries []htmlEntry
}

type htmlEntry struct {
	ControlID, ControlName, Severity, Status, Where, Search string
	Messages, Paths, Fixes                                  []string
	Reason, Exception                                       string
}

// writeHTML writes one self-contained HTML page: inline CSS, JS and SVG,
// nothing loaded from elsewhere (its Content-Security-Policy forbids it).
// html/template escapes every text for its context.
func writeHTML(w io.Writer, r *result.Report, _ Options) error {
	return htmlTemplate.Execute(w, htmlPageFor(r))
}

func scoreClass(score float64) string {
	switch {
	case score >= 80:
		return "good"
	case score >= 50:
		return "fair"
	}
	return "poor"
}

func htmlPageFor(r *result.Report) htmlPage {
	p := htmlPage{
		Title:      "Kubescape report",
		Targets:    r.Targets,
		Score:      pct(r.Summary.Score),
		ScoreClass: scoreClass(r.Summary.Score),
		Summary:    r.Summary,
		Unreadable: r.Unreadable,
		Expired:    r.ExpiredExceptions,
	}
	if r.Tool.Name != "" {
		p.Title = strings.TrimSpace(r.Tool.Name+" "+r.Tool.Version) + " report"
	}
	if !r.GeneratedAt.IsZero() {
		p.Generated = r.GeneratedAt.UTC().Format(time.RFC3339)
	}

	// The donut: a circle of circumference 100, one dashed stroke per status.
	res := r.Summary.Results
	p.Results = res.Passed + res.Failed + res.Excepted + res.Skipped
	offset := 25.0 // start at twelve o'clock
	for _, st := range statuses {
		n := countOf(res, st)
		seg := htmlSegment{Label: string(st), Count: n}
		if p.Results > 0 && n > 0 {
			share := 100 * float64(n) / float64(p.Results)
			seg.DashArray = fmt.Sprintf("%.3f %.3f", share, 100-share)
			seg.DashOffset = fmt.Sprintf("%.3f", offset)
			offset -= share
		}
		p.Donut = append(p.Donut, seg)
	}

	most := 0
	for _, s := range severities {
		most = max(most, r.Summary.FailedBySeverity[s])
	}
	for i, s := range severities {
		n := r.Summary.FailedBySeverity[s]
		b := htmlBar{Severity: string(s), Count: n, Width: "0", Y: 8 + i*28}
		if most > 0 {
			b.Width = fmt.Sprintf("%.1f", 140*float64(n)/float64(most))
		}
		p.Bars = append(p.Bars, b)
	}

	for _, f := range r.Frameworks {
		p.Frameworks = append(p.Frameworks, htmlFramework{
			Name: f.Name, Description: f.Description, Score: pct(f.Score), Class: scoreClass(f.Score), Counts: f.ControlCounts,
		})
	}

	index := controlIndex(r)
	for _, c := range displayOrder(r.Controls) {
		hc := htmlControl{
			ID: c.ID, Name: c.Name, Severity: string(c.Severity), Status: string(c.Status),
			Score: pct(c.Score), ScoreClass: scoreClass(c.Score),
			Search:      strings.ToLower(c.ID + " " + c.Name),
			Description: c.Description, Remediation: c.Remediation, SkipReason: c.SkipReason, Counts: c.Counts,
		}
		if c.Status == result.StatusSkipped {
			hc.Score, hc.ScoreClass = "-", "none"
			p.Skipped = append(p.Skipped, hc)
		}
		p.Controls = append(p.Controls, hc)
	}

	for i := range r.Resources {
		rs := &r.Resources[i]
		hr := htmlResource{Ref: rs.Ref.String(), Where: fileLine(rs.Origin, rs.Origin.Line)}
		results := rs.Results()
		for j := range results {
			cr := &results[j]
			if cr.Status != result.StatusFailed && cr.Status != result.StatusExcepted {
				continue
			}
			c := index[cr.ControlID]
			h := hit{rs, cr}
			e := htmlEntry{
				ControlID: cr.ControlID, ControlName: c.Name, Severity: string(c.Severity), Status: string(cr.Status),
				Where: h.where(), Messages: messages(cr), Reason: reason(cr), Exception: exceptionText(cr.Exception),
			}
			for _, f := range cr.Findings {
				for _, l := range f.FailedPaths {
					e.Paths = append(e.Paths, pathLine(l))
				}
				for _, fx := range f.FixPaths {
					e.Fixes = append(e.Fixes, fixLine(fx))
				}
			}
			e.Search = strings.ToLower(strings.Join(append([]string{hr.Ref, e.Where, e.ControlID, e.ControlName}, e.Messages...), " "))
			hr.Entries = append(hr.Entries, e)
		}
		if len(hr.Entries) > 0 {
			p.Resources = append(p.Resources, hr)
		}
	}
	return p
}
