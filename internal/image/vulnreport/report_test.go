package vulnreport

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kubescape.io/kubescape/internal/result"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func sampleReport() *Report {
	rule := &result.ExceptionRef{Name: "busybox-wget", Reason: "wget is not used", Source: "exceptions.yaml", Expires: "2027-01-31"}
	return &Report{
		SchemaVersion: SchemaVersion,
		Tool:          result.Tool{Name: "kubescape", Version: "v0.0.0-test"},
		GeneratedAt:   time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC),
		DB:            DB{Schema: "v6.1.4", Built: time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC), Path: "/cache/kubescape/vulndb/6/vulnerability.db"},
		Images: []Image{{
			Ref:       "registry.example.com/web:1.2",
			OtherRefs: []string{"registry.example.com/web@sha256:1111111111111111111111111111111111111111111111111111111111111111"},
			Source:    "registry",
			Digest:    "sha256:1111111111111111111111111111111111111111111111111111111111111111",
			Platform:  "linux/amd64",
			Distro:    "alpine 3.20.3",
			Packages:  14,
			Workloads: []Workload{{Kind: "Deployment", Namespace: "shop", Name: "web", Container: "app"}},
			Findings: []Finding{
				{ID: "CVE-2024-0002", Severity: SeverityCritical, CVSS: 9.8, Description: "musl overflow", DataSource: "https://security.example.org/CVE-2024-0002",
					Namespace: "alpine:distro:alpine:3.20", Package: Package{Name: "musl", Version: "1.2.5-r0", Type: "apk", PURL: "pkg:apk/alpine/musl@1.2.5-r0", Locations: []string{"/lib/apk/db/installed"}},
					FixedIn: []string{"1.2.5-r1"}, FixState: "fixed"},
				{ID: "CVE-2024-0001", Aliases: []string{"GHSA-aaaa-bbbb-cccc"}, Severity: SeverityHigh, Package: Package{Name: "busybox", Version: "1.36.1-r0", Type: "apk", Locations: []string{"/lib/apk/db/installed"}},
					FixedIn: []string{"1.36.1-r1"}, FixState: "fixed", Suppressed: &Suppression{By: SuppressedByRule, Rule: rule}},
				{ID: "CVE-2024-0005", Severity: SeverityMedium, Package: Package{Name: "zlib", Version: "1.3.1-r0", Type: "apk"},
					FixState: "not-fixed"},
				{ID: "CVE-2024-0006", Severity: SeverityLow, Package: Package{Name: "ssl_client", Version: "1.36.1-r0", Type: "apk", PURL: "pkg:apk/alpine/ssl_client@1.36.1-r0"},
					FixedIn: []string{"1.36.1-r2"}, FixState: "fixed", Suppressed: &Suppression{By: SuppressedByVEX, VEXStatus: "not_affected", Justification: "vulnerable_code_not_in_execute_path"}},
			},
		}},
		Failed:       []ImageError{{Ref: "registry.example.com/gone:1", Error: "image unreadable: not found in the registry", Workloads: []Workload{{Kind: "CronJob", Namespace: "ops", Name: "backup"}}}},
		ExpiredRules: []result.ExceptionRef{{Name: "old", Reason: "was temporary", Expires: "2026-11-01", Source: "exceptions.yaml"}},
	}
}

func TestGolden(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, format, sampleReport(), Options{ShowSuppressed: true}); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "report"+Extension(format))
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if buf.String() != string(want) {
				t.Errorf("%s output differs from %s (go test -update rewrites it):\n%s", format, golden, buf.String())
			}
			if format != "pretty" && !json.Valid(buf.Bytes()) {
				t.Errorf("%s output is not valid JSON", format)
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "json", sampleReport(), Options{}); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Images) != 1 || len(back.Images[0].Findings) != 4 || back.Images[0].Findings[1].Suppressed.Rule.Name != "busybox-wget" {
		t.Errorf("round trip lost data: %+v", back)
	}
	// Empty lists are [] in JSON, never null.
	buf.Reset()
	if err := Write(&buf, "json", &Report{Images: []Image{{Ref: "x"}}}, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"failed": []`, `"expiredRules": []`, `"findings": []`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, buf.String())
		}
	}
}

func TestCountsAndBreaches(t *testing.T) {
	r := sampleReport()
	c := r.Counts()
	if c[SeverityCritical] != 1 || c[SeverityMedium] != 1 || c[SeverityHigh] != 0 || c[SeverityLow] != 0 || c.Total() != 2 {
		t.Errorf("counts = %v: suppressed findings must not count", c)
	}
	tests := []struct {
		threshold Severity
		want      int
	}{
		{SeverityCritical, 1}, {SeverityHigh, 1}, {SeverityMedium, 2}, {SeverityLow, 2}, {SeverityUnknown, 2},
	}
	for _, tt := range tests {
		if got := r.Breaches(tt.threshold); got != tt.want {
			t.Errorf("Breaches(%s) = %d, want %d", tt.threshold, got, tt.want)
		}
	}
}

func TestParseSeverity(t *testing.T) {
	for in, want := range map[string]Severity{"High": SeverityHigh, " critical ": SeverityCritical, "negligible": SeverityNegligible, "unknown": SeverityUnknown} {
		if got, ok := ParseSeverity(in); !ok || got != want {
			t.Errorf("ParseSeverity(%q) = %q, %v", in, got, ok)
		}
	}
	if _, ok := ParseSeverity("severe"); ok {
		t.Error("ParseSeverity accepted severe")
	}
}

func TestSortFindings(t *testing.T) {
	fs := []Finding{
		{ID: "B", Severity: SeverityLow, Package: Package{Name: "a"}},
		{ID: "A", Severity: SeverityLow, Package: Package{Name: "b"}},
		{ID: "Z", Severity: SeverityCritical},
		{ID: "A", Severity: SeverityLow, Package: Package{Name: "a"}},
	}
	SortFindings(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.ID+f.Package.Name)
	}
	if strings.Join(got, ",") != "Z,Aa,Ab,Ba" {
		t.Errorf("order = %v", got)
	}
}
