package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"kubescape.io/kubescape/internal/result"
)

// writeMarkdown writes a GitHub-flavoured Markdown report: a summary table,
// then each failed control with its failing resources and remediation.
func writeMarkdown(w io.Writer, r *result.Report, _ Options) error {
	b := bufio.NewWriter(w)
	pf := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	hits, _ := hitsByControl(r, 0)

	title := "Kubescape report"
	if r.Tool.Name != "" {
		title = strings.TrimSpace(r.Tool.Name+" "+r.Tool.Version) + " report"
	}
	pf("# %s\n\n", md(title))
	if !r.GeneratedAt.IsZero() || len(r.Targets) > 0 {
		pf("Generated")
		if !r.GeneratedAt.IsZero() {
			pf(" %s", r.GeneratedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
		}
		if len(r.Targets) > 0 {
			pf(" from %s", mdCodeList(r.Targets))
		}
		pf(".\n\n")
	}
	s := r.Summary
	pf("**Overall score: %s** · %d resources, %d failing · controls: %d failed, %d passed, %d excepted, %d skipped\n\n",
		pct(s.Score), s.Resources, s.FailedResources, s.Controls.Failed, s.Controls.Passed, s.Controls.Excepted, s.Controls.Skipped)

	if len(r.Controls) > 0 {
		pf("## Summary\n\n")
		pf("| Severity | Control | Name | Status | Failed | Passed | Excepted | Skipped | Score |\n")
		pf("|---|---|---|---|--:|--:|--:|--:|--:|\n")
		for _, c := range displayOrder(r.Controls) {
			score := pct(c.Score)
			if c.Status == result.StatusSkipped {
				score = "-"
			}
			pf("| %s | %s | %s | %s | %d | %d | %d | %d | %s |\n",
				md(string(c.Severity)), md(c.ID), md(c.Name), mdStatus(c.Status),
				c.Counts.Failed, c.Counts.Passed, c.Counts.Excepted, c.Counts.Skipped, score)
		}
		pf("\n")
	}

	if len(r.Frameworks) > 0 {
		pf("## Frameworks\n\n| Framework | Score | Failed | Passed | Excepted | Skipped |\n|---|--:|--:|--:|--:|--:|\n")
		for _, f := range r.Frameworks {
			n := f.ControlCounts
			pf("| %s | %s | %d | %d | %d | %d |\n", md(f.Name), pct(f.Score), n.Failed, n.Passed, n.Excepted, n.Skipped)
		}
		pf("\n")
	}

	var failed []result.ControlSummary
	for _, c := range displayOrder(r.Controls) {
		if c.Status == result.StatusFailed {
			failed = append(failed, c)
		}
	}
	if len(failed) > 0 {
		pf("## Failed controls\n\n")
		for _, c := range failed {
			pf("### %s %s (%s)\n\n", md(c.ID), md(c.Name), md(string(c.Severity)))
			pf("Score %s · %d failed of %d evaluated.\n\n", pct(c.Score), c.Counts.Failed, c.Counts.Evaluated())
			if hs := hits[c.ID][result.StatusFailed]; len(hs) > 0 {
				pf("| Resource | Location | Message |\n|---|---|---|\n")
				for _, h := range hs {
					pf("| %s | %s | %s |\n", md(h.res.Ref.String()), mdCode(h.where()), md(strings.Join(messages(h.cr), "\n")))
				}
				pf("\n")
			}
			if c.Remediation != "" {
				pf("**Remediation:** %s\n\n", md(c.Remediation))
			}
		}
	}

	var excepted, skipped []hit
	for _, c := range r.Controls {
		excepted = append(excepted, hits[c.ID][result.StatusExcepted]...)
		skipped = append(skipped, hits[c.ID][result.StatusSkipped]...)
	}
	if len(excepted) > 0 {
		pf("## Excepted results\n\n| Control | Resource | Location | Exception | Reason |\n|---|---|---|---|---|\n")
		for _, h := range excepted {
			pf("| %s | %s | %s | %s | %s |\n", md(h.cr.ControlID), md(h.res.Ref.String()), mdCode(h.where()),
				md(exceptionText(h.cr.Exception)), md(reason(h.cr)))
		}
		pf("\n")
	}

	var skippedControls []result.ControlSummary
	for _, c := range r.Controls {
		if c.Status == result.StatusSkipped {
			skippedControls = append(skippedControls, c)
		}
	}
	if len(skippedControls) > 0 || len(skipped) > 0 {
		pf("## Skipped\n\n| Control | Resource | Reason |\n|---|---|---|\n")
		for _, c := range skippedControls {
			pf("| %s %s | all | %s |\n", md(c.ID), md(c.Name), md(c.SkipReason))
		}
		for _, h := range skipped {
			pf("| %s | %s | %s |\n", md(h.cr.ControlID), md(h.res.Ref.String()), md(reason(h.cr)))
		}
		pf("\n")
	}

	if len(r.Unreadable) > 0 {
		pf("## Unreadable inputs\n\n| Input | Line | Reason | Skipped |\n|---|--:|---|---|\n")
		for _, u := range r.Unreadable {
			line := ""
			if u.Line > 0 {
				line = fmt.Sprint(u.Line)
			}
			skip := "no"
			if u.Skipped {
				skip = "yes"
			}
			pf("| %s | %s | %s | %s |\n", mdCode(u.Source), line, md(u.Reason), skip)
		}
		pf("\n")
	}

	if len(r.ExpiredExceptions) > 0 {
		pf("## Expired exceptions\n\n| Exception | Source | Expired | Reason |\n|---|---|---|---|\n")
		for _, e := range r.ExpiredExceptions {
			pf("| %s | %s | %s | %s |\n", md(e.Name), md(e.Source), md(e.Expires), md(e.Reason))
		}
		pf("\n")
	}
	return b.Flush()
}

// mdEscaper escapes text for a Markdown paragraph or table cell: HTML is
// written as entities, Markdown syntax is backslash-escaped and line breaks
// become <br>.
var mdEscaper = strings.NewReplacer(
	`&`, "&amp;", `<`, "&lt;", `>`, "&gt;",
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`|`, `\|`, `#`, `\#`, `~`, `\~`,
	"\n", "<br>",
)

// md escapes text for Markdown, keeping its line breaks.
func md(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = clean(l)
	}
	return mdEscaper.Replace(strings.Join(lines, "\n"))
}

func mdStatus(s result.Status) string {
	if s == result.StatusFailed {
		return "**failed**"
	}
	return md(string(s))
}

// mdCode writes s as inline code, or nothing when s is empty. Inside a table
// a pipe must still be escaped; HTML is inert in code spans.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(clean(s), "|", `\|`)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

func mdCodeList(items []string) string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = mdCode(it)
	}
	return strings.Join(out, ", ")
}
