package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"kubescape.io/kubescape/internal/result"
)

// compileSchema compiles a JSON Schema file, asserting formats too.
func compileSchema(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "file:///" + filepath.ToSlash(path)
	if err := c.AddResource(url, doc); err != nil {
		t.Fatalf("add %s: %v", path, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile %s: %v", path, err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, out []byte) {
	t.Helper()
	if err := check(t, s, out); err != nil {
		t.Errorf("output does not match the schema: %v", err)
	}
}

func check(t *testing.T, s *jsonschema.Schema, out []byte) error {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	return s.Validate(doc)
}

// mustReject checks that the schema rejects the output with from replaced by
// to, so that a passing validation means something.
func mustReject(t *testing.T, s *jsonschema.Schema, out []byte, from, to string) {
	t.Helper()
	broken := bytes.Replace(out, []byte(from), []byte(to), 1)
	if bytes.Equal(broken, out) {
		t.Fatalf("output has no %s to break", from)
	}
	if check(t, s, broken) == nil {
		t.Errorf("the schema accepts the output with %s replaced by %s", from, to)
	}
}

func TestJSONMatchesSchema(t *testing.T) {
	s := compileSchema(t, filepath.Join("schema", "report.schema.json"))
	for name, r := range map[string]*result.Report{"fixture": fixture(), "empty": {}} {
		t.Run(name, func(t *testing.T) {
			validate(t, s, render(t, "json", r, Options{}))
		})
	}
	out := render(t, "json", fixture(), Options{})
	mustReject(t, s, out, `"status": "failed"`, `"status": "broken"`)
	mustReject(t, s, out, `"controlID"`, `"controlId"`)
	if !bytes.Equal(JSONSchema(), reportSchema) {
		t.Error("JSONSchema does not return the embedded schema")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var got result.Report
	if err := json.Unmarshal(render(t, "json", fixture(), Options{}), &got); err != nil {
		t.Fatal(err)
	}
	want := fixture()
	if !got.GeneratedAt.Equal(want.GeneratedAt) || got.Summary.Score != want.Summary.Score ||
		len(got.Resources) != len(want.Resources) || len(got.Controls) != len(want.Controls) {
		t.Errorf("round trip lost data: %+v", got.Summary)
	}
	if m := got.Resources[2].Results()[0].Findings[0].Message; m != want.Resources[2].Results()[0].Findings[0].Message {
		t.Errorf("message = %q after a round trip", m)
	}
}

func TestSARIFMatchesSchema(t *testing.T) {
	s := compileSchema(t, filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	for name, r := range map[string]*result.Report{"fixture": fixture(), "empty": {}} {
		t.Run(name, func(t *testing.T) {
			validate(t, s, render(t, "sarif", r, Options{}))
		})
	}
	out := render(t, "sarif", fixture(), Options{})
	mustReject(t, s, out, `"level": "error"`, `"level": "fatal"`)
	mustReject(t, s, out, `"startLine": 24`, `"startLine": 0`)
}

func TestSARIFContent(t *testing.T) {
	var log sarifLog
	if err := json.Unmarshal(render(t, "sarif", fixture(), Options{}), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if n := len(run.Tool.Driver.Rules); n != 5 {
		t.Errorf("%d rules, want one per control (5)", n)
	}
	if r := run.Tool.Driver.Rules[3]; r.ID != "C-0057" || r.DefaultConfiguration.Level != "error" ||
		r.Properties.SecuritySeverity != "8.0" || !strings.Contains(r.Help.Markdown, "**Remediation:**") {
		t.Errorf("rule C-0057 = %+v", r)
	}
	// 4 failed results and 1 excepted one.
	if n := len(run.Results); n != 5 {
		t.Fatalf("%d results, want 5", n)
	}
	byKey := map[string]sarifResult{}
	for _, r := range run.Results {
		byKey[r.RuleID+" "+r.Properties["resource"].(string)] = r
	}
	web := byKey["C-0057 Deployment/prod/web"]
	if len(web.Locations) != 2 {
		t.Fatalf("C-0057 on web has %d locations, want one per failed path (2)", len(web.Locations))
	}
	pl := web.Locations[0].PhysicalLocation
	if pl.ArtifactLocation.URI != "deploy/web.yaml" || pl.Region.StartLine != 24 || pl.Region.StartColumn != 13 {
		t.Errorf("first location = %+v %+v", pl.ArtifactLocation, pl.Region)
	}
	if ll := web.Locations[0].LogicalLocations; len(ll) != 1 || ll[0].FullyQualifiedName != "Deployment/prod/web" {
		t.Errorf("logical locations = %+v", ll)
	}
	if len(web.Suppressions) != 0 {
		t.Errorf("failed result is suppressed: %+v", web.Suppressions)
	}
	api := byKey["C-0017 Deployment/prod/api"]
	if r := api.Locations[0].PhysicalLocation; r.Region != nil {
		t.Errorf("resource with no line has region %+v", r.Region)
	}
	cluster := byKey["C-0035 ClusterRoleBinding/dev-admin"]
	if l := cluster.Locations[0]; l.PhysicalLocation != nil || len(l.LogicalLocations) != 1 {
		t.Errorf("cluster resource location = %+v", l)
	}
	exc := byKey["C-0057 Pod/legacy/old-café"]
	if len(exc.Suppressions) != 1 || exc.Suppressions[0].Kind != "external" ||
		exc.Suppressions[0].Justification != `vendor image needs "privileged" & <root>` {
		t.Errorf("excepted result suppressions = %+v", exc.Suppressions)
	}
	inv := run.Invocations[0]
	if !inv.ExecutionSuccessful || inv.EndTimeUTC != "2026-01-02T03:04:05Z" ||
		len(inv.ToolExecutionNotifications) != 2 || len(inv.ToolConfigurationNotifications) != 2 {
		t.Errorf("invocation = %+v", inv)
	}
}

func TestSARIFArtifact(t *testing.T) {
	for in, want := range map[string]string{
		"deploy/web.yaml":      "deploy/web.yaml",
		"./deploy/web.yaml":    "deploy/web.yaml",
		"dir with space/a.yml": "dir%20with%20space/a.yml",
		"/abs/path/x.yaml":     "file:///abs/path/x.yaml",
		"a:b.yaml":             "./a:b.yaml",
	} {
		if got := sarifArtifact(in).URI; got != want {
			t.Errorf("sarifArtifact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJUnit(t *testing.T) {
	var suites junitSuites
	if err := xml.Unmarshal(render(t, "junit", fixture(), Options{}), &suites); err != nil {
		t.Fatalf("junit output is not XML: %v", err)
	}
	if len(suites.Suites) != 5 {
		t.Fatalf("%d testsuites, want one per control (5)", len(suites.Suites))
	}
	if suites.Tests != 11 || suites.Failures != 4 || suites.Skipped != 3 {
		t.Errorf("totals tests=%d failures=%d skipped=%d, want 11, 4, 3", suites.Tests, suites.Failures, suites.Skipped)
	}
	s := suites.Suites[3]
	if s.Name != "C-0057 Privileged container" || s.Tests != 3 || s.Failures != 1 || s.Skipped != 1 {
		t.Errorf("suite %q tests=%d failures=%d skipped=%d", s.Name, s.Tests, s.Failures, s.Skipped)
	}
	props := map[string]string{}
	for _, p := range s.Properties {
		props[p.Name] = p.Value
	}
	if props["severity"] != "high" {
		t.Errorf("severity property = %q", props["severity"])
	}
	var failure, excepted, passed bool
	for _, c := range s.Cases {
		switch {
		case c.Failure != nil:
			failure = c.Name == "Deployment/prod/web" && c.File == "deploy/web.yaml" && c.Line == 24 &&
				strings.Contains(c.Failure.Text, `deploy/web.yaml:24: container "app" is privileged`)
		case c.Skipped != nil:
			excepted = c.Skipped.Message == `excepted: vendor image needs "privileged" & <root>`
		default:
			passed = c.Name == "Deployment/prod/api"
		}
	}
	if !failure || !excepted || !passed {
		t.Errorf("C-0057 testcases: failure %v, excepted %v, passed %v: %+v", failure, excepted, passed, s.Cases)
	}
	skipped := suites.Suites[4]
	if skipped.Tests != 1 || skipped.Skipped != 1 || !strings.Contains(skipped.Cases[0].Skipped.Message, "live cluster") {
		t.Errorf("skipped control suite = %+v", skipped)
	}
}

func TestCSV(t *testing.T) {
	out := render(t, "csv", fixture(), Options{})
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("csv output does not parse: %v", err)
	}
	if strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
		t.Errorf("header = %v", rows[0])
	}
	// 4 passed, 4 failed, 1 excepted and 1 skipped results.
	if n := len(rows) - 1; n != 10 {
		t.Errorf("%d rows, want one per result (10)", n)
	}
	want := map[string]bool{
		"C-0057|failed|Deployment|prod|web|deploy/web.yaml|24":                 false,
		"C-0057|passed|Deployment|prod|api|deploy/api.yaml|":                   false,
		"C-0057|excepted|Pod|legacy|old-café|charts/web/templates/pod.yaml|12": false,
		"C-0035|failed|ClusterRoleBinding||dev-admin||":                        false,
	}
	for _, r := range rows[1:] {
		key := strings.Join([]string{r[0], r[3], r[4], r[5], r[6], r[7], r[8]}, "|")
		if _, ok := want[key]; ok {
			want[key] = true
		}
		if r[6] == "api" && r[3] == "failed" && !strings.Contains(r[9], "\nsecond line") {
			t.Errorf("multi-line message lost its line break: %q", r[9])
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("no row %s", k)
		}
	}
	if !bytes.Contains(out, []byte("\r\n")) {
		t.Error("rows do not end in CRLF (RFC 4180)")
	}
}

func parseProm(t *testing.T, out []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("prometheus output does not parse: %v\n%s", err, out)
	}
	return fams
}

// promValue returns the value of the sample of a family with the given labels.
func promValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	if f.GetHelp() == "" || f.GetType() != dto.MetricType_GAUGE {
		t.Errorf("%s: help %q, type %v", name, f.GetHelp(), f.GetType())
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if got[k] != v {
				continue next
			}
		}
		return m.GetGauge().GetValue()
	}
	t.Fatalf("no sample %s%v", name, labels)
	return 0
}

func TestPrometheus(t *testing.T) {
	fams := parseProm(t, render(t, "prometheus", fixture(), Options{}))
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"kubescape_score", nil, 52.3},
		{"kubescape_framework_score", map[string]string{"framework": "NSA"}, 40},
		{"kubescape_framework_score", map[string]string{"framework": "MITRE"}, 61.5},
		{"kubescape_control_score", map[string]string{"control": "C-0057", "name": "Privileged container", "severity": "high"}, 66.7},
		{"kubescape_control_results", map[string]string{"control": "C-0017", "status": "failed"}, 2},
		{"kubescape_control_results", map[string]string{"control": "C-0057", "status": "excepted"}, 1},
		{"kubescape_control_results", map[string]string{"control": "C-0034", "status": "passed"}, 3},
		{"kubescape_resources_total", nil, 4},
		{"kubescape_failed_resources", nil, 3},
		{"kubescape_unreadable_inputs", nil, 2},
		{"kubescape_expired_exceptions", nil, 1},
	} {
		if got := promValue(t, fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if n := len(fams["kubescape_control_score"].GetMetric()); n != 4 {
		t.Errorf("%d control scores, want one per control that ran (4)", n)
	}
	if n := len(fams["kubescape_control_results"].GetMetric()); n != 5*4 {
		t.Errorf("%d control result samples, want 4 statuses for each of 5 controls", n)
	}

	// Label values that need escaping come back unchanged.
	odd := "quote \" backslash \\ newline \n ünïcødé"
	r := &result.Report{Controls: []result.ControlSummary{{ID: "C-1", Name: odd, Severity: result.SeverityLow, Score: 12.5}}}
	fams = parseProm(t, render(t, "prometheus", r, Options{}))
	if got := promValue(t, fams, "kubescape_control_score", map[string]string{"name": odd}); got != 12.5 {
		t.Errorf("control score = %v", got)
	}
}

func TestHTMLStatic(t *testing.T) {
	out := string(render(t, "html", fixture(), Options{}))
	for _, bad := range []string{"http://", "https://", "<link", " src=", "<image a&b>", "<root>", "<matrix>"} {
		if strings.Contains(out, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{
		`id="overall-score" class="score fair">52.3%<`,
		`&lt;image a&amp;b&gt;`,
		`id="control-C-0057"`,
		`<svg id="results-chart"`,
		`<svg id="severity-chart"`,
		`spec.template.spec.containers[0].securityContext.privileged = false (line 24, column 13)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestMarkdownEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"a|b":          `a\|b`,
		"<b>&":         "&lt;b&gt;&amp;",
		"one\ntwo":     "one<br>two",
		"*x* _y_ [z]":  `\*x\* \_y\_ \[z\]`,
		"esc \x1b[31m": `esc \\x1b\[31m`,
	} {
		if got := md(in); got != want {
			t.Errorf("md(%q) = %q, want %q", in, got, want)
		}
	}
	if got := mdCode("a`b|c"); got != "``a`b\\|c``" {
		t.Errorf("mdCode = %q", got)
	}
}

func TestPrettyText(t *testing.T) {
	if got := clean("a\x1b[31mb\nc"); got != `a\x1b[31mb c` {
		t.Errorf("clean = %q", got)
	}
	for _, l := range wrap(strings.Repeat("word ", 40), 30) {
		if width.StringWidth(l) > 30 {
			t.Errorf("wrapped line %q is wider than 30", l)
		}
	}
	out := string(render(t, "pretty", fixture(), Options{Verbose: true}))
	for i, l := range strings.Split(out, "\n") {
		if w := width.StringWidth(l); w > prettyWidth {
			t.Errorf("line %d is %d cells wide: %q", i+1, w, l)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("pretty without colour has an escape sequence")
	}
	colored := string(render(t, "pretty", fixture(), Options{Color: true}))
	if !strings.Contains(colored, "\x1b[31m") {
		t.Error("pretty with colour has no colour")
	}
	top1 := string(render(t, "pretty", fixture(), Options{TopResources: 1}))
	if !strings.Contains(top1, "… and 1 more failing resources") {
		t.Error("TopResources 1 does not cut the list of C-0017's two failing resources")
	}
}

// TestControlCharacters renders text holding control characters in every
// format; the machine-readable ones must still parse.
func TestControlCharacters(t *testing.T) {
	r := fixture()
	nasty := "nul \x00 bell \x07 esc \x1b[2J del \x7f tab \t end"
	res := &r.Resources[3]
	results := res.Results()
	results[1].Findings[0].Message = nasty
	*res = result.NewResource(nil, res.Ref, res.Origin, res.Passed, results)
	r.Controls[3].Name = "Privileged \x1b[31m container"
	for _, f := range Formats() {
		t.Run(f, func(t *testing.T) {
			out := render(t, f, r, Options{Color: true, Verbose: true})
			switch f {
			case "pretty":
				if bytes.Contains(out, []byte("\x1b[2J")) || bytes.Contains(out, []byte{0}) {
					t.Error("pretty passes control characters to the terminal")
				}
			case "junit":
				var s junitSuites
				if err := xml.Unmarshal(out, &s); err != nil {
					t.Errorf("junit does not parse: %v", err)
				}
			case "json", "sarif":
				if !json.Valid(out) {
					t.Errorf("%s is not valid JSON", f)
				}
			case "prometheus":
				parseProm(t, out)
			case "csv":
				if _, err := csv.NewReader(bytes.NewReader(out)).ReadAll(); err != nil {
					t.Errorf("csv does not parse: %v", err)
				}
			}
		})
	}
}
