// Package scan turns objects into a report: it runs the engine over them,
// applies exceptions, masks secret values, locates every finding in the
// source, scores the controls and frameworks, and decides the exit status.
package scan

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"kubescape.io/kubescape/internal/engine"
	"kubescape.io/kubescape/internal/exception"
	"kubescape.io/kubescape/internal/redact"
	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/internal/result"
	"kubescape.io/kubescape/library"
)

// SensitiveKeyNamesInput is the control input naming sensitive keys; masking
// uses the same list as the controls that look for credentials.
const SensitiveKeyNamesInput = "sensitiveKeyNames"

// Options configure a scan.
type Options struct {
	// Controls to run (resolved from frameworks and IDs by the caller).
	Controls []*library.Control
	// Frameworks the user asked for, reported with a score each; empty: every
	// framework that holds a control that ran.
	Frameworks []string
	// Inputs override the library's control inputs.
	Inputs map[string]any
	// Exceptions accepted by the user; nil for none.
	Exceptions *exception.Set
	// Scope is where the objects come from (library.ScopeFile or ScopeCluster);
	// controls that cannot be decided there are skipped.
	Scope string
	// Targets name the inputs, for the report.
	Targets []string
	// Problems are the inputs that could not be read.
	Problems []result.InputProblem
	// Tool names the program.
	Tool result.Tool
	// Now is the time of the scan.
	Now time.Time
	// Progress, when not nil, is called after each object is evaluated.
	Progress func()
	// Engine, when set, is the engine built with engine.New for Controls
	// and Inputs (a caller that compiles it while reading); else Run builds it.
	Engine *engine.Engine
}

// Run evaluates the objects and builds the report, releasing the content of
// each object once it is evaluated (Object.Release). Objects are turned into
// results as soon as they are evaluated, on the engine's workers, so that no
// intermediate verdicts pile up; secret values are gathered from the same
// decoded content and masked in the whole report at the end.
func Run(ctx context.Context, lib *library.Library, objects []resource.Object, opts Options) (*result.Report, error) {
	eng := opts.Engine
	if eng == nil {
		var err error
		if eng, err = engine.New(lib, opts.Controls, opts.Inputs); err != nil {
			return nil, err
		}
	}
	names, _ := eng.Inputs()[SensitiveKeyNamesInput].([]any)
	collector := redact.NewCollector(toStrings(names))
	var mu sync.Mutex
	ptrs := make([]*resource.Object, len(objects))
	for i := range objects {
		ptrs[i] = &objects[i]
	}
	// Objects kept as context are not reported, but those of kinds a rule
	// reads may be quoted by a relational finding: mask their secret values
	// too. Other context objects (owned Pods and ReplicaSets) no rule sees.
	for _, o := range ptrs {
		if o.ContextOnly && eng.Related(o.Ref().Kind) {
			if content, err := engine.ObjectValue(o); err == nil {
				collector.AddValue(o.Ref().Kind, content)
			}
		}
	}
	b := builder{opts: opts, controls: map[string]*result.ControlSummary{}, table: result.NewTable()}
	b.start(eng)
	resources := make([]result.Resource, len(objects))
	evaluated := make([]bool, len(objects))
	err := eng.Evaluate(ctx, ptrs, func(i int, content ast.Object, verdicts []engine.Verdict) {
		resources[i], evaluated[i] = b.resource(ptrs[i], verdicts)
		mu.Lock()
		collector.AddValue(ptrs[i].Ref().Kind, content)
		mu.Unlock()
		// The report needs only the object's identity and origin from here
		// on (its findings are located); the inventory may still read the
		// content of related objects. Dropping the locator frees what it
		// keeps to parse the source again: the bytes of a rendered chart,
		// kustomization or standard input.
		if eng.Related(ptrs[i].Ref().Kind) {
			ptrs[i].ReleaseLocator()
		} else {
			ptrs[i].Release()
		}
		ptrs[i].Locator = nil
		if opts.Progress != nil {
			opts.Progress()
		}
	})
	if err != nil {
		return nil, err
	}
	for _, o := range ptrs {
		o.Release()
	}
	kept := resources[:0]
	for i, ok := range evaluated {
		if ok {
			kept = append(kept, resources[i])
		}
	}
	b.report.Resources = kept
	r := b.finish(lib)
	redactReport(r, b.table, collector.Redactor())
	return r, nil
}

// redactReport masks secret values in every text of the report that comes
// from the objects: messages, fix values and reasons, as the results are
// decoded, and the reasons inputs could not be read.
func redactReport(r *result.Report, tab *result.Table, red *redact.Redactor) {
	if red.Len() == 0 {
		return
	}
	for i := range r.Unreadable {
		r.Unreadable[i].Reason = red.String(r.Unreadable[i].Reason)
	}
	tab.SetRedactor(red.String)
}

type builder struct {
	opts   Options
	report *result.Report
	// controls is read-only while objects are evaluated; counts are added in finish.
	controls map[string]*result.ControlSummary
	// table numbers the strings of the results.
	table *result.Table
	// passed holds one copy of each list of passed controls: the resources
	// of a kind mostly pass the same ones.
	passed sync.Map
}

func (b *builder) start(eng *engine.Engine) {
	now := b.opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	b.report = &result.Report{
		SchemaVersion:     result.SchemaVersion,
		Tool:              b.opts.Tool,
		GeneratedAt:       now.UTC(),
		Targets:           nonNil(b.opts.Targets),
		Unreadable:        []result.InputProblem{},
		ExpiredExceptions: append([]result.ExceptionRef{}, b.opts.Exceptions.Expired()...),
	}
	b.report.Unreadable = append(b.report.Unreadable, b.opts.Problems...)
	for _, c := range eng.Controls() {
		cs := &result.ControlSummary{
			ID: c.ID, Name: c.Name, Description: c.Description, Remediation: c.Remediation,
			Severity: result.Severity(c.Severity), BaseScore: c.BaseScore,
			Frameworks: nonNil(c.Frameworks),
		}
		switch {
		case c.Requires != "":
			cs.Status, cs.SkipReason = result.StatusSkipped, c.SkipReason()
		case b.opts.Scope != "" && !c.HasScope(b.opts.Scope):
			cs.Status, cs.SkipReason = result.StatusSkipped, "cannot be decided in a "+b.opts.Scope+" scan"
		}
		b.controls[c.ID] = cs
	}
}

// resource turns the verdicts on one object into its results; false when
// no control that ran evaluates the object. Safe for concurrent use.
func (b *builder) resource(obj *resource.Object, verdicts []engine.Verdict) (result.Resource, bool) {
	failed := 0
	for _, v := range verdicts {
		if v.Err != nil || v.Failed() {
			failed++
		}
	}
	ref := obj.Ref()
	passed := make([]string, 0, len(verdicts)-failed)
	results := make([]result.ControlResult, 0, failed)
	annotations := obj.Annotations()
	var labels map[string]string
	evaluated := false
	for _, v := range verdicts {
		cs := b.controls[v.Control.ID]
		if cs.Status == result.StatusSkipped {
			continue
		}
		evaluated = true
		if v.Err != nil {
			results = append(results, result.ControlResult{
				ControlID: cs.ID, Status: result.StatusSkipped,
				Reason: "evaluation error: " + v.Err.Error(), Findings: []result.Finding{},
			})
			continue
		}
		if !v.Failed() {
			passed = append(passed, cs.ID)
			continue
		}
		cr := result.ControlResult{ControlID: cs.ID, Status: result.StatusFailed, Findings: make([]result.Finding, len(v.Findings))}
		for i, f := range v.Findings {
			cr.Findings[i] = finding(obj, f)
		}
		ex, ok := exception.FromAnnotations(annotations, cs.ID)
		if !ok {
			if labels == nil {
				labels = obj.Labels()
			}
			ex, ok = b.opts.Exceptions.Match(ref, labels, cs.ID, cs.Frameworks)
		}
		if ok {
			cr.Status, cr.Exception, cr.Reason = result.StatusExcepted, ex, ex.Reason
		}
		results = append(results, cr)
	}
	sort.Strings(passed)
	sort.Slice(results, func(i, j int) bool { return results[i].ControlID < results[j].ControlID })
	return result.NewResource(b.table, ref, obj.Origin, b.shared(passed), results), evaluated
}

// shared returns the one copy of a list of passed controls.
func (b *builder) shared(passed []string) []string {
	key := strings.Join(passed, ",")
	if v, ok := b.passed.Load(key); ok {
		return v.([]string)
	}
	v, _ := b.passed.LoadOrStore(key, slices.Clip(passed))
	return v.([]string)
}

// finding locates a rule's finding in the source.
func finding(obj *resource.Object, f engine.Finding) result.Finding {
	out := result.Finding{Message: f.Message, Related: f.Related}
	if len(f.FailedPaths) > 0 {
		out.FailedPaths = make([]result.Location, len(f.FailedPaths))
		for i, p := range f.FailedPaths {
			out.FailedPaths[i] = locate(obj, p)
		}
	}
	if len(f.ReviewPaths) > 0 {
		out.ReviewPaths = make([]result.Location, len(f.ReviewPaths))
		for i, p := range f.ReviewPaths {
			out.ReviewPaths[i] = locate(obj, p)
		}
	}
	if len(f.FixPaths) > 0 {
		out.FixPaths = make([]result.Fix, len(f.FixPaths))
		for i, fx := range f.FixPaths {
			out.FixPaths[i] = result.Fix{Location: locate(obj, fx.Path), Value: fx.Value}
		}
	}
	return out
}

// locate finds a path in the source; a field that does not exist (a fix that
// adds it) is placed at its nearest existing ancestor.
func locate(obj *resource.Object, path string) result.Location {
	loc := result.Location{Path: path}
	for p := path; p != ""; p = parent(p) {
		if pos, ok := obj.Locate(p); ok {
			loc.Line, loc.Column = pos.Line, pos.Column
			return loc
		}
	}
	if obj.Origin.Line > 0 {
		loc.Line, loc.Column = obj.Origin.Line, obj.Origin.Column
	}
	return loc
}

// parent strips the last segment of a field path: a.b[0].c -> a.b[0] -> a.b -> a.
func parent(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

func (b *builder) finish(lib *library.Library) *result.Report {
	r := b.report
	sort.SliceStable(r.Resources, func(i, j int) bool { return resourceLess(r.Resources[i], r.Resources[j]) })

	sum := &r.Summary
	sum.FailedBySeverity = map[result.Severity]int{}
	sum.Resources = len(r.Resources)
	for i := range r.Resources {
		res := &r.Resources[i]
		failed := false
		sum.Results.Passed += len(res.Passed)
		for _, id := range res.Passed {
			b.controls[id].Counts.Passed++
		}
		res.EachStatus(func(id string, status result.Status) {
			sum.Results.Add(status)
			b.controls[id].Counts.Add(status)
			failed = failed || status == result.StatusFailed
		})
		if failed {
			sum.FailedResources++
		}
	}
	ids := make([]string, 0, len(b.controls))
	for id := range b.controls {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var weighted, weights float64
	r.Controls = []result.ControlSummary{}
	for _, id := range ids {
		cs := b.controls[id]
		if cs.Status == "" {
			switch {
			case cs.Counts.Failed > 0:
				cs.Status = result.StatusFailed
			case cs.Counts.Evaluated() > 0:
				cs.Status = result.StatusPassed
			case cs.Counts.Skipped > 0:
				cs.Status, cs.SkipReason = result.StatusSkipped, "could not be evaluated on any resource"
			default:
				cs.Status, cs.SkipReason = result.StatusSkipped, "no resources of the kinds it evaluates"
			}
		}
		if n := cs.Counts.Evaluated(); n > 0 {
			cs.Score = round(100 * float64(cs.Counts.Passed+cs.Counts.Excepted) / float64(n))
			weighted += cs.Score * cs.BaseScore
			weights += cs.BaseScore
		}
		sum.Controls.Add(cs.Status)
		if cs.Status == result.StatusFailed {
			sum.FailedBySeverity[cs.Severity]++
		}
		r.Controls = append(r.Controls, *cs)
	}
	sum.Score = weightedScore(weighted, weights)

	r.Frameworks = []result.FrameworkSummary{}
	for _, name := range b.frameworkNames(lib) {
		fw, _ := lib.Framework(name)
		fs := result.FrameworkSummary{Name: fw.Name, Description: fw.Title, Controls: []string{}}
		var w, ws float64
		for _, id := range fw.Controls {
			cs, ok := b.controls[id]
			if !ok {
				continue
			}
			fs.Controls = append(fs.Controls, id)
			fs.ControlCounts.Add(cs.Status)
			if cs.Counts.Evaluated() > 0 {
				w += cs.Score * cs.BaseScore
				ws += cs.BaseScore
			}
		}
		fs.Score = weightedScore(w, ws)
		r.Frameworks = append(r.Frameworks, fs)
	}
	return r
}

// frameworkNames are the frameworks to score: those asked for, else every
// framework that holds a control that ran.
func (b *builder) frameworkNames(lib *library.Library) []string {
	if len(b.opts.Frameworks) > 0 {
		out := make([]string, 0, len(b.opts.Frameworks))
		for _, n := range b.opts.Frameworks {
			if fw, ok := lib.Framework(n); ok {
				out = append(out, fw.Name)
			}
		}
		return out
	}
	seen := map[string]bool{}
	for _, cs := range b.controls {
		for _, fw := range cs.Frameworks {
			seen[fw] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// weightedScore is the weighted mean of control scores; with nothing
// evaluated there is nothing to fail, so the score is 100.
func weightedScore(weighted, weights float64) float64 {
	if weights == 0 {
		return 100
	}
	return round(weighted / weights)
}

func round(f float64) float64 { return math.Round(f*100) / 100 }

func resourceLess(a, b result.Resource) bool {
	if a.Origin.Path != b.Origin.Path {
		return a.Origin.Path < b.Origin.Path
	}
	if a.Origin.Document != b.Origin.Document {
		return a.Origin.Document < b.Origin.Document
	}
	return a.Ref.String() < b.Ref.String()
}

func toStrings(list []any) []string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Thresholds decide when a scan fails a CI job.
type Thresholds struct {
	// Compliance fails the scan when the overall score is below it (0 disables).
	Compliance float64
	// Severity fails the scan when a control of this severity or higher failed ("" disables).
	Severity result.Severity
}

// Breaches returns why the report breaches the thresholds, or nothing.
func (t Thresholds) Breaches(r *result.Report) []string {
	var out []string
	if t.Compliance > 0 && r.Summary.Score < t.Compliance {
		out = append(out, fmt.Sprintf("compliance score %.2f%% is below the threshold %.2f%%", r.Summary.Score, t.Compliance))
	}
	if t.Severity != "" {
		var failed []string
		for _, c := range r.Controls {
			if c.Status == result.StatusFailed && c.Severity.Rank() >= t.Severity.Rank() {
				failed = append(failed, c.ID)
			}
		}
		if len(failed) > 0 {
			out = append(out, fmt.Sprintf("%d control(s) of severity %s or higher failed: %s", len(failed), t.Severity, strings.Join(failed, ", ")))
		}
	}
	return out
}
