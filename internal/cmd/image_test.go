package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"kubescape.io/kubescape/internal/image/imagetest"
	"kubescape.io/kubescape/internal/image/vulndbtest"
	"kubescape.io/kubescape/internal/image/vulnreport"
)

var imageVulns = []vulndbtest.Vuln{
	{ID: "CVE-2024-0001", Severity: "high", Ecosystem: "apk", OS: vulndbtest.OS{Name: "alpine", Major: "3", Minor: "20"}, Package: "busybox", Constraint: "< 1.36.1-r1", FixedIn: "1.36.1-r1"},
	{ID: "CVE-2024-0002", Severity: "critical", Ecosystem: "apk", OS: vulndbtest.OS{Name: "alpine", Major: "3", Minor: "20"}, Package: "musl", Constraint: "< 1.2.5-r1", FixedIn: "1.2.5-r1"},
	{ID: "CVE-2024-0010", Severity: "medium", Ecosystem: "deb", OS: vulndbtest.OS{Name: "debian", Major: "12", Codename: "bookworm"}, Package: "openssl", Constraint: "< 3.0.13-1~deb12u1", FixedIn: "3.0.13-1~deb12u1"},
}

// imageFixture is a loopback registry with an Alpine and a Debian image, and
// a database built an hour ago.
type imageFixture struct {
	reg            *imagetest.Registry
	alpine, debian string
	dbDir          string
}

func imageFixtures(t *testing.T) imageFixture {
	t.Helper()
	// No test reads the user's docker config or writes to the user's cache.
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv(envCacheDir, "")
	t.Setenv(envDBDir, "")
	fx := imageFixture{dbDir: filepath.Join(t.TempDir(), "vulndb")}
	if err := vulndbtest.Build(fx.dbDir, time.Now().Add(-time.Hour), imageVulns); err != nil {
		t.Fatal(err)
	}
	alp, err := imagetest.Image("", imagetest.AlpineFiles("3.20.3", []imagetest.Package{{Name: "busybox", Version: "1.36.1-r0"}, {Name: "musl", Version: "1.2.5-r0"}}))
	if err != nil {
		t.Fatal(err)
	}
	deb, err := imagetest.Image("", imagetest.DebianFiles("12", "bookworm", []imagetest.Package{{Name: "libssl3", Version: "3.0.11-1~deb12u2", Source: "openssl"}}))
	if err != nil {
		t.Fatal(err)
	}
	fx.reg = imagetest.NewRegistry("", "")
	t.Cleanup(fx.reg.Close)
	if fx.alpine, err = fx.reg.Push("library/alpine:3.20", alp); err != nil {
		t.Fatal(err)
	}
	if fx.debian, err = fx.reg.Push("library/debian:12", deb); err != nil {
		t.Fatal(err)
	}
	return fx
}

func scanImageJSON(t *testing.T, args ...string) (*vulnreport.Report, string, int) {
	t.Helper()
	out, errOut, code := run(t, "", append([]string{"scan", "image", "--format", "json"}, args...)...)
	var rep vulnreport.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("decode json report: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	return &rep, errOut, code
}

func TestScanImagePretty(t *testing.T) {
	fx := imageFixtures(t)
	cache := t.TempDir()
	out, errOut, code := run(t, "", "scan", "image", fx.alpine, fx.debian, "--db-dir", fx.dbDir, "--cache-dir", cache)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	norm := regexp.MustCompile(`sha256:[0-9a-f]{64}`).ReplaceAllString(out, "sha256:DIGEST")
	norm = regexp.MustCompile(`built \S+ \S+ UTC \(\S+ old\)`).ReplaceAllString(norm, "built DATE (AGE old)")
	norm = strings.ReplaceAll(norm, fx.reg.Host, "REGISTRY")
	norm = strings.ReplaceAll(norm, fx.dbDir, "DBDIR")
	want := `Vulnerability database: schema SCHEMA, built DATE (AGE old), DBDIR/6/vulnerability.db

Image REGISTRY/library/alpine:3.20 (sha256:DIGEST, linux/amd64)
  alpine 3.20.3, 2 packages
  1 critical, 1 high

  SEVERITY  ID             PACKAGE  TYPE  INSTALLED  FIXED IN
  critical  CVE-2024-0002  musl     apk   1.2.5-r0   1.2.5-r1
  high      CVE-2024-0001  busybox  apk   1.36.1-r0  1.36.1-r1

Image REGISTRY/library/debian:12 (sha256:DIGEST, linux/amd64)
  debian 12, 1 packages
  1 medium

  SEVERITY  ID             PACKAGE  TYPE  INSTALLED         FIXED IN
  medium    CVE-2024-0010  libssl3  deb   3.0.11-1~deb12u2  3.0.13-1~deb12u1

Total: 1 critical, 1 high, 1 medium in 2 image(s)
`
	norm = regexp.MustCompile(`schema v6\.\d+\.\d+`).ReplaceAllString(norm, "schema SCHEMA")
	if norm != want {
		t.Errorf("pretty report:\n%s\nwant:\n%s", norm, want)
	}
}

func TestScanImageJSONAndCache(t *testing.T) {
	fx := imageFixtures(t)
	cache := t.TempDir()
	for i, wantCached := range []bool{false, true} {
		rep, errOut, code := scanImageJSON(t, fx.alpine, "--db-dir", fx.dbDir, "--cache-dir", cache)
		if code != ExitOK {
			t.Fatalf("run %d: exit %d: %s", i, code, errOut)
		}
		if len(rep.Images) != 1 || rep.Images[0].Cached != wantCached {
			t.Fatalf("run %d: images %+v, want cached=%v", i, rep.Images, wantCached)
		}
		f := rep.Images[0].Findings
		if len(f) != 2 || f[0].ID != "CVE-2024-0002" || f[0].Severity != vulnreport.SeverityCritical || f[0].FixedIn[0] != "1.2.5-r1" ||
			f[1].ID != "CVE-2024-0001" || f[1].Package.Version != "1.36.1-r0" || f[1].FixedIn[0] != "1.36.1-r1" {
			t.Errorf("run %d: findings %+v", i, f)
		}
	}
	rep, _, _ := scanImageJSON(t, fx.alpine, "--db-dir", fx.dbDir, "--cache-dir", cache, "--no-cache")
	if rep.Images[0].Cached {
		t.Error("--no-cache read the cache")
	}
}

func TestScanImageThresholdAndRules(t *testing.T) {
	fx := imageFixtures(t)
	base := []string{fx.alpine, "--db-dir", fx.dbDir, "--cache-dir", t.TempDir()}
	_, errOut, code := run(t, "", append([]string{"scan", "image", "--severity-threshold", "critical"}, base...)...)
	if code != ExitThreshold || !strings.Contains(errOut, "1 finding(s) of severity critical or higher") {
		t.Errorf("critical threshold: exit %d, %s", code, errOut)
	}
	exceptions := writeFiles(t, map[string]string{"exceptions.yaml": `vulnerabilities:
  - name: musl-accepted
    reason: the vulnerable function is not used
    ids: [CVE-2024-0002]
  - name: gone
    reason: was temporary
    ids: [CVE-2024-0001]
    expires: "2020-01-01"
`})
	rep, errOut, code := scanImageJSON(t, append([]string{"--severity-threshold", "critical", "--exceptions", filepath.Join(exceptions, "exceptions.yaml")}, base...)...)
	if code != ExitOK {
		t.Errorf("with the critical finding ignored: exit %d, %s", code, errOut)
	}
	if s := rep.Images[0].Findings[0].Suppressed; s == nil || s.Rule.Name != "musl-accepted" {
		t.Errorf("suppression %+v", s)
	}
	if len(rep.ExpiredRules) != 1 || !strings.Contains(errOut, `vulnerability rule "gone" expired on 2020-01-01`) {
		t.Errorf("expired rule: %+v, stderr %s", rep.ExpiredRules, errOut)
	}
	_, errOut, code = run(t, "", append([]string{"scan", "image", "--severity-threshold", "high", "--exceptions", filepath.Join(exceptions, "exceptions.yaml")}, base...)...)
	if code != ExitThreshold || !strings.Contains(errOut, "1 finding(s) of severity high or higher") {
		t.Errorf("high threshold: exit %d, %s", code, errOut)
	}
}

func TestScanImageErrors(t *testing.T) {
	fx := imageFixtures(t)
	empty := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"missing DB", []string{fx.alpine, "--db-dir", empty}, ExitError, "no vulnerability database in " + empty + ": get one with 'kubectl kubescape vuln db update'"},
		{"unknown format", []string{fx.alpine, "--format", "xml"}, ExitUsage, `unknown format "xml"`},
		{"bad threshold", []string{fx.alpine, "--severity-threshold", "severe"}, ExitUsage, "--severity-threshold"},
		{"bad age", []string{fx.alpine, "--max-db-age", "soon"}, ExitUsage, "--max-db-age"},
		{"no image", nil, ExitUsage, "no image to scan"},
		{"SBOM of two images", []string{fx.alpine, fx.debian, "--format", "spdx-json"}, ExitUsage, "name one image"},
		{"SBOM mixed with a report", []string{fx.alpine, "--format", "spdx-json,json", "-o", empty}, ExitUsage, "cannot be combined"},
		{"bad reference", []string{"Not A Reference"}, ExitUsage, "is not a file, a directory or an image reference"},
		{"missing VEX", []string{fx.alpine, "--vex", filepath.Join(empty, "none.json")}, ExitUsage, "--vex"},
		{"bad platform", []string{fx.alpine, "--db-dir", fx.dbDir, "--platform", "arm64"}, ExitUsage, "want os/arch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, "", append([]string{"scan", "image"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.contains) {
				t.Errorf("exit %d, want %d; stderr %q should contain %q", code, tt.code, errOut, tt.contains)
			}
		})
	}
}

func TestScanImageUnreadableImage(t *testing.T) {
	fx := imageFixtures(t)
	dir := t.TempDir()
	img, err := imagetest.Image("", imagetest.AlpineFiles("3.20.3", []imagetest.Package{{Name: "musl", Version: "1.2.5-r0"}}))
	if err != nil {
		t.Fatal(err)
	}
	corrupt := filepath.Join(dir, "corrupt")
	if err := imagetest.WriteOCIDir(corrupt, img); err != nil {
		t.Fatal(err)
	}
	layers, _ := img.Layers()
	d, _ := layers[0].Digest()
	if err := os.WriteFile(filepath.Join(corrupt, "blobs", "sha256", d.Hex), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, errOut, code := scanImageJSON(t, corrupt, fx.debian, "--db-dir", fx.dbDir, "--cache-dir", t.TempDir())
	if code != ExitUnreadable || !strings.Contains(errOut, "1 image(s) could not be scanned") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if len(rep.Images) != 1 || len(rep.Failed) != 1 || rep.Failed[0].Ref != corrupt || !strings.Contains(rep.Failed[0].Error, "corrupt or incomplete") {
		t.Errorf("report %+v", rep)
	}
}

func TestScanImageFormatsAndSBOM(t *testing.T) {
	fx := imageFixtures(t)
	out := t.TempDir()
	_, errOut, code := run(t, "", "scan", "image", fx.debian, "--db-dir", fx.dbDir, "--cache-dir", t.TempDir(), "--format", "sarif,cyclonedx", "-o", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, name := range []string{"report.sarif", "report.cdx.json"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !json.Valid(b) || !strings.Contains(string(b), "CVE-2024-0010") {
			t.Errorf("%s: %v %s", name, err, b)
		}
	}
	// The SBOM needs no database.
	sbom := filepath.Join(out, "debian.spdx.json")
	_, errOut, code = run(t, "", "scan", "image", fx.debian, "--db-dir", t.TempDir(), "--cache-dir", t.TempDir(), "--format", "spdx-json", "-o", sbom)
	if code != ExitOK {
		t.Fatalf("SBOM: exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(sbom)
	if err != nil || !strings.Contains(string(b), `"spdxVersion"`) || !strings.Contains(string(b), "libssl3") {
		t.Errorf("SPDX SBOM: %v %.300s", err, b)
	}
}
