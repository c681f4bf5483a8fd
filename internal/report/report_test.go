package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/internal/result"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// fixture is a hand-built report with every kind of result, several
// frameworks, findings with and without lines, a resource with no line, a
// cluster resource with no file, an unreadable input, an expired exception
// and strings that need escaping in every format.
func fixture() *result.Report {
	return &result.Report{
		SchemaVersion: result.SchemaVersion,
		Tool:          result.Tool{Name: "kubescape", Version: "v0.0.0-test"},
		GeneratedAt:   time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Targets:       []string{"deploy/", "charts/web"},
		Summary: result.Summary{
			Score:           52.3,
			Resources:       4,
			FailedResources: 3,
			Controls:        result.Counts{Passed: 1, Failed: 3, Skipped: 1},
			Results:         result.Counts{Passed: 4, Failed: 4, Skipped: 1, Excepted: 1},
			FailedBySeverity: map[result.Severity]int{
				result.SeverityCritical: 1, result.SeverityHigh: 1, result.SeverityLow: 1,
			},
		},
		Frameworks: []result.FrameworkSummary{
			{
				Name: "MITRE", Description: "MITRE ATT&CK <matrix> for \"Kubernetes\"", Score: 61.5,
				Controls:      []string{"C-0034", "C-0035", "C-0057"},
				ControlCounts: result.Counts{Passed: 1, Failed: 2},
			},
			{
				Name: "NSA", Score: 40, Controls: []string{"C-0017", "C-0057", "C-0270"},
				ControlCounts: result.Counts{Failed: 2, Skipped: 1},
			},
		},
		Controls: []result.ControlSummary{
			{
				ID: "C-0017", Name: "Immutable container filesystem",
				Description: "Containers should not write to their root filesystem.",
				Remediation: "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the application must write.",
				Severity:    result.SeverityLow, BaseScore: 3, Frameworks: []string{"NSA"},
				Status: result.StatusFailed, Counts: result.Counts{Failed: 2, Skipped: 1}, Score: 0,
			},
			{
				ID: "C-0034", Name: "Automatic mapping of service account",
				Description: "Pods should not mount a service account token they do not use.",
				Remediation: "Set automountServiceAccountToken: false.",
				Severity:    result.SeverityMedium, BaseScore: 6, Frameworks: []string{"MITRE"},
				Status: result.StatusPassed, Counts: result.Counts{Passed: 3}, Score: 100,
			},
			{
				ID: "C-0035", Name: "Administrative roles",
				Description: "Bindings to cluster-admin grant every permission.",
				Remediation: "Bind a role with the permissions the subject needs.\nRemove the cluster-admin binding.",
				Severity:    result.SeverityCritical, BaseScore: 9, Frameworks: []string{"MITRE"},
				Status: result.StatusFailed, Counts: result.Counts{Failed: 1}, Score: 0,
			},
			{
				ID: "C-0057", Name: "Privileged container",
				Description: "A privileged container has all the capabilities of the host & can reach its <devices>.",
				Remediation: "Remove securityContext.privileged, or set it to false.",
				Severity:    result.SeverityHigh, BaseScore: 8, Frameworks: []string{"MITRE", "NSA"},
				Status: result.StatusFailed, Counts: result.Counts{Passed: 1, Failed: 1, Excepted: 1}, Score: 66.7,
			},
			{
				ID: "C-0270", Name: "Ensure CPU limits are set",
				Description: "Containers without CPU limits can starve their neighbours.",
				Remediation: "Set resources.limits.cpu.",
				Severity:    result.SeverityHigh, BaseScore: 8, Frameworks: []string{"NSA"},
				Status: result.StatusSkipped, SkipReason: "needs the LimitRange objects of a live cluster; scan a cluster to run it",
			},
		},
		Resources: encode([]testResource{
			{
				Ref:    resource.Ref{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding", Name: "dev-admin"},
				Origin: resource.Origin{Kind: resource.OriginCluster},
				Results: []result.ControlResult{{
					ControlID: "C-0035", Status: result.StatusFailed,
					Findings: []result.Finding{{
						Message:     `ClusterRoleBinding "dev-admin" binds cluster-admin to group "dev"`,
						FailedPaths: []result.Location{{Path: "roleRef.name"}},
						Related:     []resource.Ref{{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "cluster-admin"}},
					}},
				}},
			},
			{
				Ref:    resource.Ref{APIVersion: "v1", Kind: "Pod", Namespace: "legacy", Name: "old-café"},
				Origin: resource.Origin{Kind: resource.OriginHelm, Path: "charts/web/templates/pod.yaml", Line: 3, Column: 1},
				Passed: []string{"C-0034"},
				Results: []result.ControlResult{
					{
						ControlID: "C-0017", Status: result.StatusSkipped,
						Reason:   "ephemeral containers are not checked",
						Findings: []result.Finding{},
					},
					{
						ControlID: "C-0057", Status: result.StatusExcepted,
						Reason: "vendor image needs \"privileged\" & <root>",
						Exception: &result.ExceptionRef{
							Name: "legacy-privileged", Reason: "vendor image needs \"privileged\" & <root>",
							Expires: "2027-01-01", Source: "exceptions.yaml",
						},
						Findings: []result.Finding{{
							Message:     `container "agent" is privileged`,
							FailedPaths: []result.Location{{Path: "spec.containers[0].securityContext.privileged", Line: 12, Column: 19}},
						}},
					},
				},
			},
			{
				Ref:    resource.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "prod", Name: "api"},
				Origin: resource.Origin{Kind: resource.OriginFile, Path: "deploy/api.yaml", Document: 1},
				Passed: []string{"C-0034", "C-0057"},
				Results: []result.ControlResult{{
					ControlID: "C-0017", Status: result.StatusFailed,
					Findings: []result.Finding{{
						Message:     "container \"api\" <image a&b> may write to its root filesystem\nsecond line: ünïcødé ✓ 日本",
						FailedPaths: []result.Location{{Path: "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"}},
						FixPaths: []result.Fix{{
							Location: result.Location{Path: "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"},
							Value:    "true",
						}},
					}},
				}},
			},
			{
				Ref:    resource.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "prod", Name: "web"},
				Origin: resource.Origin{Kind: resource.OriginFile, Path: "deploy/web.yaml", Line: 1, Column: 1},
				Passed: []string{"C-0034"},
				Results: []result.ControlResult{
					{
						ControlID: "C-0017", Status: result.StatusFailed,
						Findings: []result.Finding{{
							Message:     `container "app" may write to its root filesystem`,
							FailedPaths: []result.Location{{Path: "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"}},
							FixPaths: []result.Fix{{
								Location: result.Location{Path: "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem", Line: 20, Column: 11},
								Value:    "true",
							}},
						}},
					},
					{
						ControlID: "C-0057", Status: result.StatusFailed,
						Findings: []result.Finding{
							{
								Message:     `container "app" is privileged`,
								FailedPaths: []result.Location{{Path: "spec.template.spec.containers[0].securityContext.privileged", Line: 24, Column: 13}},
								FixPaths: []result.Fix{{
									Location: result.Location{Path: "spec.template.spec.containers[0].securityContext.privileged", Line: 24, Column: 13},
									Value:    "false",
								}},
							},
							{
								Message:     `init container "setup" is privileged`,
								FailedPaths: []result.Location{{Path: "spec.template.spec.initContainers[0].securityContext.privileged", Line: 31, Column: 13}},
							},
						},
					},
				},
			},
		}),
		Unreadable: []result.InputProblem{
			{Source: "deploy/broken.yaml", Line: 7, Reason: "yaml: line 7: mapping values are not allowed in this context"},
			{Source: "deploy/logo.png", Reason: "binary file", Skipped: true},
		},
		ExpiredExceptions: []result.ExceptionRef{
			{Name: "old-exception", Reason: "temporary, until <v2> & beyond", Expires: "2025-12-31", Source: "exceptions.yaml"},
		},
	}
}

// goldens names each golden file and how it is rendered.
var goldens = []struct {
	name   string
	format string
	opts   Options
}{
	{"pretty.txt", "pretty", Options{}},
	{"pretty-verbose.txt", "pretty", Options{Verbose: true}},
	{"pretty-color.txt", "pretty", Options{Color: true, TopResources: 1}},
	{"report.json", "json", Options{}},
	{"junit.xml", "junit", Options{}},
	{"report.sarif", "sarif", Options{}},
	{"report.html", "html", Options{}},
	{"report.md", "markdown", Options{}},
	{"report.csv", "csv", Options{}},
	{"report.prom", "prometheus", Options{}},
}

func render(t *testing.T, format string, r *result.Report, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, r, opts); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	covered := map[string]bool{}
	for _, g := range goldens {
		covered[g.format] = true
		t.Run(g.name, func(t *testing.T) {
			got := render(t, g.format, fixture(), g.opts)
			path := filepath.Join("testdata", "golden", g.name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (go test ./internal/report -update writes it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (go test ./internal/report -update accepts it): %s",
					path, firstDiff(string(want), string(got)))
			}
		})
	}
	for _, f := range Formats() {
		if !covered[f] {
			t.Errorf("format %s has no golden file", f)
		}
	}
}

// firstDiff shows the first line where two texts differ.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return "same lines"
}

func TestWriteUnknownFormat(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, "yaml", fixture(), Options{})
	if err == nil {
		t.Fatal("Write accepted the unknown format yaml")
	}
	for _, f := range Formats() {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not list format %s", err, f)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("Write wrote %d bytes for an unknown format", buf.Len())
	}
}

func TestFormatsAndExtensions(t *testing.T) {
	want := map[string]string{
		"csv": ".csv", "html": ".html", "json": ".json", "junit": ".xml",
		"markdown": ".md", "pretty": ".txt", "prometheus": ".prom", "sarif": ".sarif",
	}
	got := Formats()
	if !slices.IsSorted(got) {
		t.Errorf("Formats() = %v, not sorted", got)
	}
	if len(got) != len(want) {
		t.Errorf("Formats() = %v, want %d formats", got, len(want))
	}
	for f, ext := range want {
		if e := Extension(f); e != ext {
			t.Errorf("Extension(%q) = %q, want %q", f, e, ext)
		}
	}
	if e := Extension("yaml"); e != "" {
		t.Errorf("Extension(yaml) = %q, want empty", e)
	}
}

// TestEmptyReport renders an empty report, and a nil one, in every format.
func TestEmptyReport(t *testing.T) {
	for _, f := range Formats() {
		t.Run(f, func(t *testing.T) {
			if out := render(t, f, &result.Report{}, Options{}); len(out) == 0 {
				t.Error("empty output")
			}
			render(t, f, nil, Options{Verbose: true})
		})
	}
}

// TestWriteLeavesReportAlone checks that no format changes the report it renders.
func TestWriteLeavesReportAlone(t *testing.T) {
	r := fixture()
	for _, f := range Formats() {
		render(t, f, r, Options{Verbose: true, Color: true})
	}
	a := render(t, "json", r, Options{})
	b := render(t, "json", fixture(), Options{})
	if !bytes.Equal(a, b) {
		t.Error("rendering changed the report")
	}
}

// testResource is a resource with its results in the clear, for fixtures.
type testResource struct {
	Ref     resource.Ref
	Origin  resource.Origin
	Passed  []string
	Results []result.ControlResult
}

// encode makes the resources of a fixture, sharing one table.
func encode(list []testResource) []result.Resource {
	tab := result.NewTable()
	out := make([]result.Resource, len(list))
	for i, r := range list {
		out[i] = result.NewResource(tab, r.Ref, r.Origin, r.Passed, r.Results)
	}
	return out
}
