package vulnreport

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"
)

// ANSI SGR codes.
const (
	ansiBold    = "1"
	ansiDim     = "2"
	ansiRed     = "31"
	ansiYellow  = "33"
	ansiMagenta = "35"
	ansiCyan    = "36"
	ansiBoldRed = "1;31"
)

type pretty struct {
	w    *bufio.Writer
	opts Options
	now  time.Time
}

func writePretty(w io.Writer, r *Report, opts Options) error {
	p := &pretty{w: bufio.NewWriter(w), opts: opts, now: r.GeneratedAt}
	if !r.DB.Built.IsZero() {
		p.line(p.c(ansiDim, fmt.Sprintf("Vulnerability database: schema %s, built %s (%s old), %s",
			r.DB.Schema, r.DB.Built.UTC().Format("2006-01-02 15:04 MST"), humanAge(r.GeneratedAt.Sub(r.DB.Built)), r.DB.Path)))
		p.line("")
	}
	for i := range r.Images {
		p.image(&r.Images[i])
	}
	if len(r.Failed) > 0 {
		p.line(p.c(ansiBoldRed, fmt.Sprintf("%d image(s) could not be scanned:", len(r.Failed))))
		for _, f := range r.Failed {
			p.line("  " + f.Ref + ": " + f.Error)
			for _, wl := range f.Workloads {
				p.line(p.c(ansiDim, "    used by "+wl.String()))
			}
		}
		p.line("")
	}
	for _, ex := range r.ExpiredRules {
		p.line(p.c(ansiYellow, fmt.Sprintf("Ignore rule %q expired on %s and no longer applies.", ex.Name, ex.Expires)))
	}
	c := r.Counts()
	p.line(p.c(ansiBold, fmt.Sprintf("Total: %s in %d image(s)", p.counts(c), len(r.Images))))
	return p.w.Flush()
}

func (p *pretty) image(img *Image) {
	head := "Image " + img.Ref
	var attrs []string
	if img.Digest != "" && !strings.Contains(img.Ref, img.Digest) {
		attrs = append(attrs, img.Digest)
	}
	if img.Platform != "" {
		attrs = append(attrs, img.Platform)
	}
	if len(attrs) > 0 {
		head += " (" + strings.Join(attrs, ", ") + ")"
	}
	p.line(p.c(ansiBold, head))
	desc := fmt.Sprintf("%d packages", img.Packages)
	if img.Distro != "" {
		desc = img.Distro + ", " + desc
	}
	if img.Cached {
		desc += ", SBOM from cache"
	}
	p.line("  " + desc)
	for _, ref := range img.OtherRefs {
		p.line("  also named " + ref)
	}
	for _, wl := range img.Workloads {
		p.line("  used by " + wl.String())
	}
	active := img.Active()
	suppressed := len(img.Findings) - len(active)
	summary := "  " + p.counts(img.Counts())
	if suppressed > 0 {
		summary += fmt.Sprintf(" (%d suppressed)", suppressed)
	}
	p.line(summary)
	if len(active) > 0 {
		p.line("")
		p.table(active)
	}
	if p.opts.ShowSuppressed && suppressed > 0 {
		p.line("")
		p.line(p.c(ansiDim, "  Suppressed:"))
		for _, f := range img.Findings {
			if f.Suppressed == nil {
				continue
			}
			p.line(p.c(ansiDim, fmt.Sprintf("  %s %s %s: %s", f.ID, f.Package.Name, f.Package.Version, suppressionText(f.Suppressed))))
		}
	}
	p.line("")
}

func suppressionText(s *Suppression) string {
	if s.By == SuppressedByVEX {
		t := "VEX " + s.VEXStatus
		if s.Justification != "" {
			t += " (" + s.Justification + ")"
		}
		return t
	}
	if s.Rule == nil {
		return "ignore rule"
	}
	t := "ignore rule " + s.Rule.Name + ": " + s.Rule.Reason
	if s.Rule.Expires != "" {
		t += " (until " + s.Rule.Expires + ")"
	}
	return t
}

func (p *pretty) table(fs []Finding) {
	header := []string{"SEVERITY", "ID", "PACKAGE", "TYPE", "INSTALLED", "FIXED IN"}
	rows := make([][]string, 0, len(fs))
	for _, f := range fs {
		fixed := strings.Join(f.FixedIn, ", ")
		if fixed == "" {
			fixed = "(" + f.FixState + ")"
		}
		rows = append(rows, []string{string(f.Severity), f.ID, f.Package.Name, f.Package.Type, f.Package.Version, fixed})
	}
	widths := make([]int, len(header))
	for _, row := range append([][]string{header}, rows...) {
		for i, cell := range row {
			widths[i] = max(widths[i], runewidth.StringWidth(cell))
		}
	}
	p.row(header, widths, func(int, string) string { return ansiBold })
	for _, row := range rows {
		p.row(row, widths, func(col int, cell string) string {
			if col == 0 {
				return severityColor(Severity(cell))
			}
			return ""
		})
	}
}

func (p *pretty) row(cells []string, widths []int, color func(int, string) string) {
	var b strings.Builder
	b.WriteString("  ")
	for i, cell := range cells {
		text := cell
		if i < len(cells)-1 {
			text += strings.Repeat(" ", widths[i]-runewidth.StringWidth(cell)+2)
		}
		if code := color(i, cell); code != "" {
			text = p.c(code, cell) + text[len(cell):]
		}
		b.WriteString(text)
	}
	p.line(b.String())
}

func severityColor(s Severity) string {
	switch s {
	case SeverityCritical:
		return ansiBoldRed
	case SeverityHigh:
		return ansiRed
	case SeverityMedium:
		return ansiYellow
	case SeverityLow:
		return ansiCyan
	case SeverityNegligible, SeverityUnknown:
		return ansiDim
	}
	return ansiMagenta
}

func (p *pretty) counts(c Counts) string {
	if c.Total() == 0 {
		return "no vulnerabilities"
	}
	var parts []string
	for _, s := range Severities {
		if n := c[s]; n > 0 {
			parts = append(parts, p.c(severityColor(s), fmt.Sprintf("%d %s", n, s)))
		}
	}
	return strings.Join(parts, ", ")
}

func (p *pretty) c(code, s string) string {
	if !p.opts.Color || code == "" {
		return s
	}
	return "\033[" + code + "m" + s + "\033[0m"
}

func (p *pretty) line(s string) {
	// A bufio.Writer keeps its first error and writePretty's Flush returns it.
	_, _ = p.w.WriteString(strings.TrimRight(s, " "))
	_ = p.w.WriteByte('\n')
}

// humanAge writes a duration in days, or hours under a day.
func humanAge(d time.Duration) string {
	switch {
	case d < 0:
		return "0h"
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
