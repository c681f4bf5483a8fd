package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/mattn/go-runewidth"

	"kubescape.io/kubescape/internal/result"
)

// prettyWidth is the terminal width the pretty format is laid out for.
const prettyWidth = 100

// width measures text in terminal cells, the same whatever the locale.
var width = func() *runewidth.Condition {
	c := runewidth.NewCondition()
	c.EastAsianWidth = false
	c.StrictEmojiNeutral = true
	return c
}()

// ANSI SGR codes.
const (
	ansiBold    = "1"
	ansiDim     = "2"
	ansiRed     = "31"
	ansiGreen   = "32"
	ansiYellow  = "33"
	ansiMagenta = "35"
	ansiCyan    = "36"
	ansiBoldRed = "1;31"
)

type pretty struct {
	w     *bufio.Writer
	r     *result.Report
	opts  Options
	index map[string]result.ControlSummary
	hits  map[string]map[result.Status][]hit
	// failedMore counts the failed results of each control left out of hits.
	failedMore map[string]int
}

func writePretty(w io.Writer, r *result.Report, opts Options) error {
	p := &pretty{
		w:     bufio.NewWriter(w),
		r:     r,
		opts:  opts,
		index: controlIndex(r),
	}
	// A summary shows the first failing resources of each control; the
	// verbose report lists them all.
	failedCap := opts.topResources()
	if opts.Verbose {
		failedCap = 0
	}
	p.hits, p.failedMore = hitsByControl(r, failedCap)
	p.header()
	p.controls()
	if opts.Verbose {
		p.resources()
	}
	p.summary()
	p.frameworks()
	p.overall()
	p.excepted()
	p.skipped()
	p.unreadable()
	p.expired()
	return p.w.Flush()
}

// paint wraps s in an ANSI colour when colour is on.
func (p *pretty) paint(code, s string) string {
	if !p.opts.Color || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p *pretty) printf(format string, args ...any) {
	fmt.Fprintf(p.w, format, args...)
}

func (p *pretty) section(title string) {
	p.printf("\n%s\n", p.paint(ansiBold, title))
}

func severityColor(s result.Severity) string {
	switch s {
	case result.SeverityCritical:
		return ansiBoldRed
	case result.SeverityHigh:
		return ansiRed
	case result.SeverityMedium:
		return ansiYellow
	case result.SeverityLow:
		return ansiCyan
	}
	return ansiDim
}

func statusColor(s result.Status) string {
	switch s {
	case result.StatusFailed:
		return ansiRed
	case result.StatusPassed:
		return ansiGreen
	case result.StatusExcepted:
		return ansiMagenta
	case result.StatusSkipped:
		return ansiDim
	}
	return ""
}

func scoreColor(score float64) string {
	switch {
	case score >= 80:
		return ansiGreen
	case score >= 50:
		return ansiYellow
	}
	return ansiRed
}

func (p *pretty) severity(s result.Severity, w int) string {
	return p.paint(severityColor(s), pad(strings.ToUpper(clean(string(s))), w))
}

func (p *pretty) status(s result.Status, w int) string {
	return p.paint(statusColor(s), pad(clean(string(s)), w))
}

func (p *pretty) header() {
	title := "Kubescape report"
	if p.r.Tool.Name != "" {
		title = clean(strings.TrimSpace(p.r.Tool.Name + " " + p.r.Tool.Version))
	}
	p.printf("%s", p.paint(ansiBold, title))
	if !p.r.GeneratedAt.IsZero() {
		p.printf(" · %s", p.r.GeneratedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	p.printf("\n")
	if len(p.r.Targets) > 0 {
		p.text("Targets: "+strings.Join(p.r.Targets, ", "), "", "         ")
	}
}

// controls prints a block per failed control (per control in verbose mode,
// skipped ones aside), failed first, by severity then ID.
func (p *pretty) controls() {
	var shown []result.ControlSummary
	for _, c := range displayOrder(p.r.Controls) {
		if c.Status == result.StatusFailed || (p.opts.Verbose && c.Status != result.StatusSkipped) {
			shown = append(shown, c)
		}
	}
	switch {
	case len(p.r.Controls) == 0:
		p.section("CONTROLS")
		p.printf("  No controls were run.\n")
	case len(shown) == 0:
		p.section("CONTROLS")
		p.printf("  %s\n", p.paint(ansiGreen, "No control failed."))
	default:
		p.section("CONTROLS")
		for _, c := range shown {
			p.control(c)
		}
	}
}

func (p *pretty) control(c result.ControlSummary) {
	p.printf("\n  %s  %s  %s\n", p.severity(c.Severity, 8), p.paint(ansiBold, clean(c.ID)), p.paint(ansiBold, clean(c.Name)))
	n := c.Counts
	p.printf("  %s  %s %d  %s %d  %s %d  %s %d  score %s\n", pad("", 8),
		p.paint(ansiRed, "failed"), n.Failed, p.paint(ansiGreen, "passed"), n.Passed,
		p.paint(ansiMagenta, "excepted"), n.Excepted, p.paint(ansiDim, "skipped"), n.Skipped,
		p.paint(scoreColor(c.Score), pct(c.Score)))
	failing := p.hits[c.ID][result.StatusFailed]
	limit := len(failing)
	if !p.opts.Verbose {
		limit = min(limit, p.opts.topResources())
	}
	const ind = "            "
	for _, h := range failing[:limit] {
		p.printf("%s%s  %s\n", ind, p.paint(ansiBold, clean(h.res.Ref.String())), p.paint(ansiDim, clean(h.where())))
		for _, m := range messages(h.cr) {
			p.text(m, ind+"  ", ind+"  ")
		}
	}
	if more := len(failing) - limit + p.failedMore[c.ID]; more > 0 {
		p.printf("%s%s\n", ind, p.paint(ansiDim, fmt.Sprintf("… and %d more failing resources (verbose lists them all)", more)))
	}
	if c.Remediation != "" {
		p.text(c.Remediation, ind+"Remediation: ", ind+"             ")
	}
}

// resources prints every resource and each of its results (verbose mode).
func (p *pretty) resources() {
	p.section("RESOURCES")
	if len(p.r.Resources) == 0 {
		p.printf("  No resources were evaluated.\n")
		return
	}
	type row struct {
		id string
		cr *result.ControlResult
	}
	for i := range p.r.Resources {
		res := &p.r.Resources[i]
		where := fileLine(res.Origin, res.Origin.Line)
		if res.Origin.Path != "" {
			where += " (document " + strconv.Itoa(res.Origin.Document) + ")"
		}
		p.printf("\n  %s  %s\n", p.paint(ansiBold, clean(res.Ref.String())), p.paint(ansiDim, clean(where)))
		results := res.Results()
		rows := make([]row, 0, len(res.Passed)+len(results))
		for _, id := range res.Passed {
			rows = append(rows, row{id: id})
		}
		for j := range results {
			rows = append(rows, row{id: results[j].ControlID, cr: &results[j]})
		}
		slices.SortStableFunc(rows, func(a, b row) int { return strings.Compare(a.id, b.id) })
		for _, rw := range rows {
			c := p.index[rw.id]
			st := result.StatusPassed
			if rw.cr != nil {
				st = rw.cr.Status
			}
			p.printf("    %s  %s  %s  %s\n", p.status(st, 8), p.severity(c.Severity, 8), pad(clean(rw.id), 7), clean(c.Name))
			if rw.cr != nil {
				p.resultDetail(rw.cr)
			}
		}
	}
}

func (p *pretty) resultDetail(cr *result.ControlResult) {
	const ind = "      "
	if why := reason(cr); why != "" {
		p.text(why, ind+"reason:    ", ind+"           ")
	}
	if cr.Exception != nil {
		p.text(exceptionText(cr.Exception), ind+"exception: ", ind+"           ")
	}
	for _, f := range cr.Findings {
		if f.Message != "" {
			p.text(f.Message, ind+"- ", ind+"  ")
		}
		for _, l := range f.FailedPaths {
			p.path(ind+"  failed:  ", l.Path, l)
		}
		for _, l := range f.ReviewPaths {
			p.path(ind+"  review:  ", l.Path, l)
		}
		for _, fx := range f.FixPaths {
			p.path(ind+"  fix:     ", fx.Path+" = "+fx.Value, fx.Location)
		}
		for _, rel := range f.Related {
			p.printf("%s  related: %s\n", ind, clean(rel.String()))
		}
	}
}

// path prints a field path after label, then its position on the same line
// when it fits, else on the next. A path is never wrapped: cut in two it is
// harder to copy.
func (p *pretty) path(label, text string, l result.Location) {
	text = clean(text)
	pos := position(l)
	switch {
	case pos == "":
		p.printf("%s%s\n", label, text)
	case width.StringWidth(label+text+pos)+3 <= prettyWidth:
		p.printf("%s%s (%s)\n", label, text, pos)
	default:
		p.printf("%s%s\n%s(%s)\n", label, text, strings.Repeat(" ", width.StringWidth(label)), pos)
	}
}

// summary prints a table of every control.
func (p *pretty) summary() {
	if len(p.r.Controls) == 0 {
		return
	}
	p.section("SUMMARY")
	controls := displayOrder(p.r.Controls)
	idW, nameW := len("CONTROL"), len("NAME")
	for _, c := range controls {
		idW = max(idW, width.StringWidth(clean(c.ID)))
		nameW = max(nameW, width.StringWidth(clean(c.Name)))
	}
	// indent 2, severity 8, ID, name, status 8, four counts of 4 and a score of 6, gaps of 2.
	fixed := 2 + 8 + 2 + idW + 2 + 2 + 8 + 4*(2+4) + 2 + 6
	nameW = max(min(nameW, prettyWidth-fixed), 10)
	p.printf("  %s  %s  %s  %s  %4s  %4s  %4s  %4s  %6s\n",
		pad("SEVERITY", 8), pad("CONTROL", idW), pad("NAME", nameW), pad("STATUS", 8),
		"FAIL", "PASS", "EXC", "SKIP", "SCORE")
	for _, c := range controls {
		score := pct(c.Score)
		color := scoreColor(c.Score)
		if c.Status == result.StatusSkipped {
			score, color = "-", ansiDim
		}
		p.printf("  %s  %s  %s  %s  %4d  %4d  %4d  %4d  %s\n",
			p.severity(c.Severity, 8), pad(clean(c.ID), idW), pad(truncate(clean(c.Name), nameW), nameW),
			p.status(c.Status, 8), c.Counts.Failed, c.Counts.Passed, c.Counts.Excepted, c.Counts.Skipped,
			p.paint(color, fmt.Sprintf("%6s", score)))
	}
}

func (p *pretty) frameworks() {
	if len(p.r.Frameworks) == 0 {
		return
	}
	p.section("FRAMEWORKS")
	nameW := 0
	for _, f := range p.r.Frameworks {
		nameW = max(nameW, width.StringWidth(clean(f.Name)))
	}
	nameW = min(nameW, 40)
	for _, f := range p.r.Frameworks {
		n := f.ControlCounts
		p.printf("  %s  %s  controls: %d failed, %d passed, %d excepted, %d skipped\n",
			pad(truncate(clean(f.Name), nameW), nameW), p.paint(scoreColor(f.Score), fmt.Sprintf("%6s", pct(f.Score))),
			n.Failed, n.Passed, n.Excepted, n.Skipped)
	}
}

func (p *pretty) overall() {
	s := p.r.Summary
	p.section("OVERALL")
	p.printf("  Score      %s\n", p.paint(ansiBold+";"+scoreColor(s.Score), pct(s.Score)))
	p.printf("  Resources  %d evaluated, %d failing\n", s.Resources, s.FailedResources)
	p.printf("  Controls   %d failed, %d passed, %d excepted, %d skipped\n",
		s.Controls.Failed, s.Controls.Passed, s.Controls.Excepted, s.Controls.Skipped)
	p.printf("  Results    %d failed, %d passed, %d excepted, %d skipped\n",
		s.Results.Failed, s.Results.Passed, s.Results.Excepted, s.Results.Skipped)
	var sev []string
	for _, v := range severities {
		if n := s.FailedBySeverity[v]; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, v))
		}
	}
	if len(sev) > 0 {
		p.printf("  Failed controls by severity: %s\n", strings.Join(sev, ", "))
	}
}

// excepted lists the excepted results apart from the failures.
func (p *pretty) excepted() {
	var all []hit
	for _, c := range p.r.Controls {
		all = append(all, p.hits[c.ID][result.StatusExcepted]...)
	}
	if len(all) == 0 {
		return
	}
	p.section("EXCEPTED RESULTS")
	for _, h := range all {
		p.printf("  %s  %s  %s\n", pad(clean(h.cr.ControlID), 7), p.paint(ansiBold, clean(h.res.Ref.String())), p.paint(ansiDim, clean(h.where())))
		if h.cr.Exception != nil {
			p.text(exceptionText(h.cr.Exception), "           exception: ", "                      ")
		}
		if why := reason(h.cr); why != "" {
			p.text(why, "           reason:    ", "                      ")
		}
	}
}

// skipped lists the skipped controls with their reasons, then the skipped results.
func (p *pretty) skipped() {
	var controls []result.ControlSummary
	var results []hit
	for _, c := range p.r.Controls {
		if c.Status == result.StatusSkipped {
			controls = append(controls, c)
		}
		results = append(results, p.hits[c.ID][result.StatusSkipped]...)
	}
	if len(controls) == 0 && len(results) == 0 {
		return
	}
	p.section("SKIPPED")
	if p.opts.Verbose {
		for _, c := range controls {
			p.printf("  %s  %s\n", pad(clean(c.ID), 7), clean(c.Name))
			if c.SkipReason != "" {
				p.text(c.SkipReason, "           reason: ", "                   ")
			}
		}
	} else {
		// One line of IDs per reason: a scan of a few kinds skips many
		// controls for the same reason (-v lists them one by one).
		var reasons []string
		ids := map[string][]string{}
		for _, c := range controls {
			if _, ok := ids[c.SkipReason]; !ok {
				reasons = append(reasons, c.SkipReason)
			}
			ids[c.SkipReason] = append(ids[c.SkipReason], clean(c.ID))
		}
		for _, c := range controls {
			if len(ids[c.SkipReason]) == 1 {
				p.printf("  %s  %s\n", pad(clean(c.ID), 7), clean(c.Name))
				if c.SkipReason != "" {
					p.text(c.SkipReason, "           reason: ", "                   ")
				}
			}
		}
		for _, r := range reasons {
			if len(ids[r]) > 1 {
				p.text(fmt.Sprintf("%d controls: %s", len(ids[r]), clean(r)), "  ", "    ")
				p.text(strings.Join(ids[r], " "), "    ", "    ")
			}
		}
	}
	for _, h := range results {
		p.printf("  %s  %s  %s\n", pad(clean(h.cr.ControlID), 7), p.paint(ansiBold, clean(h.res.Ref.String())), p.paint(ansiDim, clean(h.where())))
		if why := reason(h.cr); why != "" {
			p.text(why, "           reason: ", "                   ")
		}
	}
}

func (p *pretty) unreadable() {
	if len(p.r.Unreadable) == 0 {
		return
	}
	p.section("UNREADABLE INPUTS")
	for _, u := range p.r.Unreadable {
		src := clean(u.Source)
		if u.Line > 0 {
			src += ":" + strconv.Itoa(u.Line)
		}
		label := p.paint(ansiRed, "unreadable")
		if u.Skipped {
			label = p.paint(ansiDim, "skipped")
		}
		p.printf("  %s  %s\n", p.paint(ansiBold, src), label)
		p.text(u.Reason, "           ", "           ")
	}
}

func (p *pretty) expired() {
	if len(p.r.ExpiredExceptions) == 0 {
		return
	}
	p.section("EXPIRED EXCEPTIONS")
	for _, e := range p.r.ExpiredExceptions {
		head := clean(e.Name)
		if e.Source != "" {
			head += " (" + clean(e.Source) + ")"
		}
		if e.Expires != "" {
			head += ", expired " + clean(e.Expires)
		}
		p.printf("  %s\n", p.paint(ansiYellow, head))
		if e.Reason != "" {
			p.text(e.Reason, "           reason: ", "                   ")
		}
	}
}

// text prints free text after first, wrapped to the report width, each
// further line after rest (an indent of the same width).
func (p *pretty) text(s, first, rest string) {
	for i, l := range wrap(s, prettyWidth-width.StringWidth(first)) {
		if i == 0 {
			p.printf("%s%s\n", first, l)
			continue
		}
		p.printf("%s%s\n", rest, l)
	}
}

// clean makes text safe for a terminal: control characters (escape
// sequences included) are shown as Go escapes, line breaks and tabs as spaces.
func clean(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// wrap splits text into lines at most w cells wide: at its blank lines,
// then between words. A word longer than w stays whole.
func wrap(s string, w int) []string {
	var out []string
	// Paragraphs are separated by blank lines; single line breaks (as in
	// YAML block scalars) are reflowed.
	for para := range strings.SplitSeq(strings.TrimRight(s, "\n"), "\n\n") {
		words := strings.Fields(clean(para))
		if len(words) == 0 {
			out = append(out, "")
			continue
		}
		line := words[0]
		for _, word := range words[1:] {
			if width.StringWidth(line)+1+width.StringWidth(word) > w {
				out = append(out, line)
				line = word
				continue
			}
			line += " " + word
		}
		out = append(out, line)
	}
	return out
}

// pad fills s with spaces on the right to w cells.
func pad(s string, w int) string {
	return width.FillRight(s, w)
}

// truncate shortens s to w cells, ending with an ellipsis when cut.
func truncate(s string, w int) string {
	if width.StringWidth(s) <= w {
		return s
	}
	return width.Truncate(s, w, "…")
}
