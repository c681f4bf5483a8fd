package scan

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"sigs.k8s.io/yaml"

	"kubescape.io/kubescape/internal/exception"
	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/internal/result"
	"kubescape.io/kubescape/library"
)

// testLibrary has three controls over Pods: C-9001 fails privileged pods,
// C-9002 echoes every env value into its message (a leaking rule, to prove
// masking), C-9003 needs a host scan.
func testLibrary(t *testing.T) *library.Library {
	t.Helper()
	k8s, err := os.ReadFile("../../library/lib/k8s.rego")
	if err != nil {
		t.Fatal(err)
	}
	control := func(id, name, severity, score, extra string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("id: " + id + "\nname: " + name + "\ndescription: d\nremediation: r\nseverity: " + severity +
			"\nbaseScore: " + score + "\nscope: [file, cluster]\nkinds: [Pod, Deployment]\n" + extra)}
	}
	fsys := fstest.MapFS{
		"lib/k8s.rego":                 {Data: k8s},
		"controls/C-9001/control.yaml": control("C-9001", "privileged", "high", "8", ""),
		"controls/C-9001/rule.rego": {Data: []byte(`package kubescape.controls.c9001
import data.kubescape.lib.k8s
deny contains {"message": "privileged", "failedPaths": [sprintf("%s.securityContext.privileged", [c.path])]} if {
	some c in k8s.containers
	c.container.securityContext.privileged
}
`)},
		"controls/C-9002/control.yaml": control("C-9002", "env echo", "low", "2", "inputs:\n  - name: sensitiveKeyNames\n    description: d\n    default: [password, token]\n"),
		"controls/C-9002/rule.rego": {Data: []byte(`package kubescape.controls.c9002
import data.kubescape.lib.k8s
deny contains {"message": sprintf("env %s=%s", [e.name, e.value]), "fixPaths": [{"path": "x", "value": e.value}]} if {
	some c in k8s.containers
	some e in c.container.env
}
`)},
		"controls/C-9003/control.yaml": control("C-9003", "host only", "critical", "9", "requires: host\n"),
		"frameworks/one.yaml":          {Data: []byte("name: one\ntitle: One\ndescription: d\ncontrols: [C-9001, C-9003]\n")},
		"frameworks/two.yaml":          {Data: []byte("name: two\ntitle: Two\ndescription: d\ncontrols: [C-9002]\n")},
	}
	lib, err := library.LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

func objects(t *testing.T, docs ...string) []resource.Object {
	t.Helper()
	var out []resource.Object
	for i, d := range docs {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, resource.Object{Content: m, Origin: resource.Origin{Kind: resource.OriginFile, Path: "app.yaml", Document: i, Line: 1 + 10*i}})
	}
	return out
}

const (
	privileged = `{kind: Pod, apiVersion: v1, metadata: {name: priv, namespace: shop}, spec: {containers: [{name: a, securityContext: {privileged: true}, env: [{name: DB_PASSWORD, value: canary-password-1}]}]}}`
	annotated  = `{kind: Pod, apiVersion: v1, metadata: {name: ann, namespace: shop, annotations: {kubescape.io/skip.C-9001: "CNI"}}, spec: {containers: [{name: a, securityContext: {privileged: true}}]}}`
	labelled   = `{kind: Pod, apiVersion: v1, metadata: {name: lab, namespace: shop, labels: {team: infra}}, spec: {containers: [{name: a, securityContext: {privileged: true}}]}}`
	clean      = `{kind: Pod, apiVersion: v1, metadata: {name: clean, namespace: shop}, spec: {containers: [{name: a}]}}`
	secret     = `{kind: Secret, apiVersion: v1, metadata: {name: s, namespace: shop}, stringData: {token: canary-secret-2}}`
	leaky      = `{kind: Pod, apiVersion: v1, metadata: {name: leaky, namespace: shop}, spec: {containers: [{name: a, env: [{name: X, value: "uses canary-secret-2 inline"}]}]}}`
)

func TestRun(t *testing.T) {
	lib := testLibrary(t)
	ex, err := exception.Parse([]byte(`exceptions:
  - {name: infra, reason: infra pods, controls: [C-9001], resources: [{labels: {team: infra}}]}
  - {name: gone, reason: old, expires: "2020-01-01", resources: [{kind: Pod}]}
`), "exceptions.yaml", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(t.Context(), lib, objects(t, privileged, annotated, labelled, clean, secret, leaky), Options{
		Controls:   lib.Controls(),
		Exceptions: ex,
		Scope:      library.ScopeFile,
		Targets:    []string{"app.yaml"},
		Problems:   []result.InputProblem{{Source: "bad.yaml", Line: 3, Reason: "mapping values are not allowed"}},
		Now:        time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	c1, _ := rep.ControlByID("C-9001")
	if c1.Status != result.StatusFailed || c1.Counts != (result.Counts{Passed: 2, Failed: 1, Excepted: 2}) {
		t.Errorf("C-9001: %s %+v", c1.Status, c1.Counts)
	}
	if c1.Score != 80 {
		t.Errorf("C-9001 score %v, want 80 (4 of 5, excepted count as passed)", c1.Score)
	}
	c3, _ := rep.ControlByID("C-9003")
	if c3.Status != result.StatusSkipped || !strings.Contains(c3.SkipReason, "host scan") {
		t.Errorf("C-9003: %s %q", c3.Status, c3.SkipReason)
	}
	c2, _ := rep.ControlByID("C-9002")
	// Overall: C-9001 80% (weight 8), C-9002 passes 3 of 5 pods = 60% (weight 2); C-9003 skipped, no weight.
	if c2.Score != 60 || rep.Summary.Score != 76 {
		t.Errorf("C-9002 score %v, overall %v; want 60 and 76", c2.Score, rep.Summary.Score)
	}
	if len(rep.Frameworks) != 2 || rep.Frameworks[0].Name != "one" || rep.Frameworks[0].Score != 80 || rep.Frameworks[1].Score != 60 {
		t.Errorf("frameworks %+v", rep.Frameworks)
	}
	if rep.Summary.Resources != 5 || rep.Summary.FailedResources != 2 {
		t.Errorf("summary %+v", rep.Summary)
	}
	byName := map[string]result.Resource{}
	for _, r := range rep.Resources {
		byName[r.Ref.Name] = r
	}
	if _, ok := byName["s"]; ok {
		t.Error("a Secret is evaluated by no control and must not be listed")
	}
	ann := byName["ann"].Results()
	if len(ann) != 1 || ann[0].Status != result.StatusExcepted || ann[0].Reason != "CNI" || ann[0].Exception.Source != "annotation" {
		t.Errorf("annotation exception: %+v", ann)
	}
	lab := byName["lab"].Results()
	if len(lab) != 1 || lab[0].Exception == nil || lab[0].Exception.Name != "infra" {
		t.Errorf("file exception: %+v", lab)
	}
	priv := byName["priv"].Results()
	if len(priv) != 2 || priv[0].Findings[0].FailedPaths[0].Path != "spec.containers[0].securityContext.privileged" {
		t.Errorf("priv results: %+v", priv)
	}
	if len(rep.ExpiredExceptions) != 1 || rep.ExpiredExceptions[0].Name != "gone" {
		t.Errorf("expired: %+v", rep.ExpiredExceptions)
	}
	if len(rep.Unreadable) != 1 {
		t.Errorf("unreadable: %+v", rep.Unreadable)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, canary := range []string{"canary-password-1", "canary-secret-2"} {
		if strings.Contains(string(b), canary) {
			t.Errorf("secret value %q leaked into the report", canary)
		}
	}
	if !strings.Contains(string(b), "uses ****** inline") {
		t.Errorf("the leaked value was not masked in place: %s", b)
	}
}

func TestThresholds(t *testing.T) {
	rep := &result.Report{
		Summary: result.Summary{Score: 72.5},
		Controls: []result.ControlSummary{
			{ID: "C-1", Severity: result.SeverityMedium, Status: result.StatusFailed},
			{ID: "C-2", Severity: result.SeverityCritical, Status: result.StatusPassed},
		},
	}
	tests := []struct {
		th   Thresholds
		want int
	}{
		{Thresholds{}, 0},
		{Thresholds{Compliance: 70}, 0},
		{Thresholds{Compliance: 80}, 1},
		{Thresholds{Severity: result.SeverityHigh}, 0},
		{Thresholds{Severity: result.SeverityMedium}, 1},
		{Thresholds{Severity: result.SeverityLow, Compliance: 90}, 2},
	}
	for _, tt := range tests {
		if got := tt.th.Breaches(rep); len(got) != tt.want {
			t.Errorf("%+v: breaches %q, want %d", tt.th, got, tt.want)
		}
	}
}

func TestParent(t *testing.T) {
	for in, want := range map[string]string{
		"spec.containers[0].securityContext": "spec.containers[0]",
		"spec.containers[0]":                 "spec.containers",
		`metadata.annotations["a.b/c"]`:      "metadata.annotations",
		"spec":                               "",
	} {
		if got := parent(in); got != want {
			t.Errorf("parent(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestContextOnly checks that objects kept as context are not evaluated or
// listed, and that the secret values of those a rule reads are masked.
func TestContextOnly(t *testing.T) {
	lib := testLibrary(t)
	c2, _ := lib.Control("C-9002")
	reads := *c2
	reads.Related = []string{"Secret"}
	objs := objects(t, secret, leaky, privileged)
	objs[0].ContextOnly = true
	objs[2].ContextOnly = true
	rep, err := Run(t.Context(), lib, objs, Options{Controls: []*library.Control{&reads}, Scope: library.ScopeCluster})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Resources) != 1 || rep.Resources[0].Ref.Name != "leaky" {
		t.Errorf("resources %+v, want only the evaluated Pod", rep.Resources)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "canary-secret-2") || !strings.Contains(string(b), "uses ****** inline") {
		t.Errorf("the context Secret's value was not masked: %s", b)
	}
}
