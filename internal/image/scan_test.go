package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"kubescape.io/kubescape/internal/exception"
	"kubescape.io/kubescape/internal/image/imagetest"
	"kubescape.io/kubescape/internal/image/vulndbtest"
	"kubescape.io/kubescape/internal/image/vulnreport"
)

func newScanner(t *testing.T, opts Options) *Scanner {
	t.Helper()
	if opts.DB == nil {
		db, err := OpenDB(DBConfig{Dir: dbDir}, testNow)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeDB(t, db) })
		opts.DB = db
	}
	s, err := NewScanner(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// summary is a finding as the tests compare it.
func summary(fs []vulnreport.Finding) []string {
	var out []string
	for _, f := range fs {
		s := fmt.Sprintf("%s %s %s %s@%s fixed-in=%s state=%s", f.Severity, f.ID, f.Package.Type, f.Package.Name, f.Package.Version, strings.Join(f.FixedIn, ","), f.FixState)
		if f.Suppressed != nil {
			s += " suppressed-by=" + f.Suppressed.By
		}
		out = append(out, s)
	}
	return out
}

var wantAlpine = []string{
	"critical CVE-2024-0002 apk musl@1.2.5-r0 fixed-in=1.2.5-r1 state=fixed",
	"high CVE-2024-0001 apk busybox@1.36.1-r0 fixed-in=1.36.1-r1 state=fixed",
	"medium CVE-2024-0004 apk libcrypto3@3.3.0-r0 fixed-in=3.3.2-r0 state=fixed",
}

var wantDebian = []string{
	"high CVE-2024-0010 deb libssl3@3.0.11-1~deb12u2 fixed-in=3.0.13-1~deb12u1 state=fixed",
	"low CVE-2024-0011 deb zlib1g@1:1.2.13.dfsg-1 fixed-in= state=not-fixed",
	"negligible CVE-2024-0012 deb tar@1.34+dfsg-1.2 fixed-in= state=wont-fix",
}

func mustInput(t *testing.T, s string) Input {
	t.Helper()
	in, err := ParseInput(s)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestScanRegistryImages(t *testing.T) {
	s := newScanner(t, Options{})
	tests := []struct {
		ref, distro string
		want        []string
	}{
		{alpRef, "alpine 3.20.3", wantAlpine},
		{debRef, "debian 12", wantDebian},
	}
	for _, tt := range tests {
		t.Run(tt.distro, func(t *testing.T) {
			img, err := s.Scan(t.Context(), mustInput(t, tt.ref))
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(img.Findings); !slices.Equal(got, tt.want) {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if img.Distro != tt.distro || img.Packages != 4 || img.Source != "registry" || img.Platform != "linux/amd64" || img.Cached {
				t.Errorf("image = %+v", img)
			}
			if !strings.HasPrefix(img.Digest, "sha256:") {
				t.Errorf("digest %q", img.Digest)
			}
		})
	}
	img, err := s.Scan(t.Context(), mustInput(t, alpRef))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := alpine.Digest()
	if img.Digest != d.String() {
		t.Errorf("digest %s, want the pushed manifest's %s", img.Digest, d)
	}
	busybox := img.Findings[1]
	if busybox.CVSS != 7.5 || busybox.Description != "busybox wget overflow" || !slices.Contains(busybox.Aliases, "GHSA-test-0001") ||
		len(busybox.Package.Locations) == 0 || !strings.HasPrefix(busybox.Package.PURL, "pkg:apk/alpine/busybox@1.36.1-r0") {
		t.Errorf("busybox finding lacks metadata: %+v", busybox)
	}
}

func TestScanEverySourceKind(t *testing.T) {
	s := newScanner(t, Options{})
	dir := t.TempDir()
	ociDir := filepath.Join(dir, "oci")
	if err := imagetest.WriteOCIDir(ociDir, alpine); err != nil {
		t.Fatal(err)
	}
	ociTar := filepath.Join(dir, "alpine-oci.tar")
	if err := imagetest.WriteOCIArchive(ociTar, alpine); err != nil {
		t.Fatal(err)
	}
	dockerTar := filepath.Join(dir, "alpine-docker.tar")
	if err := imagetest.WriteDockerArchive(dockerTar, "example.org/alpine:3.20", alpine); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "rootfs")
	for _, f := range imagetest.AlpineFiles("3.20.3", alpinePkgs) {
		p := filepath.Join(root, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.Content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	manifest, _ := alpine.Digest()
	config, _ := alpine.ConfigName()
	tests := []struct {
		input      string
		kind       Kind
		wantDigest string
	}{
		{ociDir, KindOCIDir, manifest.String()},
		{ociTar, KindOCIArchive, manifest.String()},
		{dockerTar, KindDockerArchive, config.String()},
		{root, KindDir, ""},
		{"registry:" + alpRef, KindRegistry, manifest.String()},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			in := mustInput(t, tt.input)
			if in.Kind != tt.kind {
				t.Fatalf("ParseInput(%s) kind %s, want %s", tt.input, in.Kind, tt.kind)
			}
			img, err := s.Scan(t.Context(), in)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(img.Findings); !slices.Equal(got, wantAlpine) {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantAlpine, "\n"))
			}
			if img.Digest != tt.wantDigest {
				t.Errorf("digest %q, want %q", img.Digest, tt.wantDigest)
			}
		})
	}
}

func TestSBOMCache(t *testing.T) {
	cache, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := newScanner(t, Options{Cache: cache})
	first, err := s.Scan(t.Context(), mustInput(t, debRef))
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Scan(t.Context(), mustInput(t, debRef))
	if err != nil {
		t.Fatal(err)
	}
	if first.Cached || !second.Cached {
		t.Errorf("cached = %v then %v, want false then true", first.Cached, second.Cached)
	}
	if !slices.Equal(summary(first.Findings), summary(second.Findings)) || second.Distro != first.Distro || second.Packages != first.Packages {
		t.Errorf("a cached rescan differs:\n%v\n%v", first, second)
	}
	// Another database: the cached SBOM is matched again, against it.
	other := t.TempDir()
	if err := vulndbtest.Build(other, testNow, testVulns[5:6]); err != nil {
		t.Fatal(err)
	}
	otherDB, err := OpenDB(DBConfig{Dir: other}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(t, otherDB)
	img, err := newScanner(t, Options{Cache: cache, DB: otherDB}).Scan(t.Context(), mustInput(t, debRef))
	if err != nil {
		t.Fatal(err)
	}
	if !img.Cached || !slices.Equal(summary(img.Findings), wantDebian[:1]) {
		t.Errorf("with another DB: cached=%v findings=%v", img.Cached, summary(img.Findings))
	}
	// Broken entries are dropped and the image cataloged again.
	for _, p := range []string{cache.sbomPath(first.Digest), cache.matchesPath(first.Digest, s.db.id)} {
		if err := os.WriteFile(p, []byte("{broken"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	third, err := s.Scan(t.Context(), mustInput(t, debRef))
	if err != nil {
		t.Fatal(err)
	}
	if third.Cached || !slices.Equal(summary(third.Findings), wantDebian) {
		t.Errorf("after broken cache entries: cached=%v findings=%v", third.Cached, summary(third.Findings))
	}
	if _, ok := cache.SBOM(first.Digest); !ok {
		t.Error("the re-cataloged SBOM was not cached again")
	}
}

func TestPlatform(t *testing.T) {
	arm, err := imagetest.Image("linux/arm64", imagetest.AlpineFiles("3.20.3", []imagetest.Package{{Name: "musl", Version: "1.2.5-r0"}}))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := imagetest.Index(alpine, arm)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := reg.PushIndex("multi/alpine:3.20", idx)
	if err != nil {
		t.Fatal(err)
	}
	armDigest, _ := arm.Digest()
	s := newScanner(t, Options{Platform: "linux/arm64"})
	img, err := s.Scan(t.Context(), mustInput(t, ref))
	if err != nil {
		t.Fatal(err)
	}
	if img.Digest != armDigest.String() || img.Platform != "linux/arm64" || img.Packages != 1 {
		t.Errorf("arm64 image: %+v", img)
	}
	if got := summary(img.Findings); len(got) != 1 || !strings.Contains(got[0], "CVE-2024-0002") {
		t.Errorf("arm64 findings %v", got)
	}
	// An OCI layout holding the index picks the same way.
	dir := filepath.Join(t.TempDir(), "oci")
	if err := imagetest.WriteOCIIndexDir(dir, idx); err != nil {
		t.Fatal(err)
	}
	img, err = s.Scan(t.Context(), Input{Kind: KindOCIDir, Location: dir})
	if err != nil || img.Digest != armDigest.String() {
		t.Errorf("OCI layout index: %v, %+v", err, img)
	}

	s390 := newScanner(t, Options{Platform: "linux/s390x"})
	_, err = s390.Scan(t.Context(), mustInput(t, ref))
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "has no linux/s390x image; it has linux/amd64, linux/arm64") {
		t.Errorf("missing platform: %v", err)
	}
	// A single-platform image of another platform is refused too.
	_, err = s390.Scan(t.Context(), mustInput(t, alpRef))
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "is a linux/amd64 image, not linux/s390x") {
		t.Errorf("wrong platform: %v", err)
	}
	if _, err := NewScanner(Options{Platform: "arm64"}); !errors.Is(err, ErrBadInput) {
		t.Errorf("platform without os: %v", err)
	}
}

func TestUnreadableImages(t *testing.T) {
	s := newScanner(t, Options{})
	dir := t.TempDir()

	// An OCI layout whose layer blob is truncated.
	corrupt := filepath.Join(dir, "corrupt")
	if err := imagetest.WriteOCIDir(corrupt, alpine); err != nil {
		t.Fatal(err)
	}
	layers, _ := alpine.Layers()
	ld, _ := layers[0].Digest()
	if err := os.WriteFile(filepath.Join(corrupt, "blobs", "sha256", ld.Hex), []byte("\x1f\x8b truncated"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := s.Scan(t.Context(), mustInput(t, corrupt))
	if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "corrupt or incomplete") {
		t.Errorf("corrupt layer: %v", err)
	}

	// An OCI layout whose manifest blob is missing.
	missing := filepath.Join(dir, "missing")
	if err := imagetest.WriteOCIDir(missing, alpine); err != nil {
		t.Fatal(err)
	}
	md, _ := alpine.Digest()
	if err := os.Remove(filepath.Join(missing, "blobs", "sha256", md.Hex)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Scan(t.Context(), mustInput(t, missing)); !errors.Is(err, ErrUnreadable) {
		t.Errorf("missing manifest: %v", err)
	}

	// A file that is no image archive.
	junk := filepath.Join(dir, "junk.tar")
	if err := os.WriteFile(junk, []byte("not a tar at all, just some text that is long enough to not be a header....................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................."), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseInput(junk); !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "junk.tar") {
		t.Errorf("junk archive: %v", err)
	}

	// A reference the registry does not have.
	_, err = s.Scan(t.Context(), mustInput(t, reg.Host+"/library/nothing:1"))
	if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "not found in the registry") {
		t.Errorf("unknown image: %v", err)
	}
	if _, err := ParseInput("Not A Reference!"); !errors.Is(err, ErrBadInput) {
		t.Errorf("bad reference: %v", err)
	}
	if _, err := ParseInput("oci-dir:" + filepath.Join(dir, "nowhere")); !errors.Is(err, ErrBadInput) {
		t.Errorf("missing path: %v", err)
	}
}

func TestRegistryAuth(t *testing.T) {
	private := imagetest.NewRegistry("robot", "s3cret")
	defer private.Close()
	kc, err := NewKeychain([]byte(fmt.Sprintf(`{"auths":{"http://%s":{"username":"robot","password":"s3cret"}}}`, private.Host)))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := private.Push("team/app:1", alpine, remote.WithAuthFromKeychain(kc))
	if err != nil {
		t.Fatal(err)
	}
	_, err = newScanner(t, Options{}).Scan(t.Context(), mustInput(t, ref))
	if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "refused access (401)") {
		t.Errorf("without credentials: %v", err)
	}
	img, err := newScanner(t, Options{Keychain: kc}).Scan(t.Context(), mustInput(t, ref))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(summary(img.Findings), wantAlpine) {
		t.Errorf("with credentials: %v", summary(img.Findings))
	}
}

func TestIgnoreRulesAndVEX(t *testing.T) {
	// The first scan fills the cache; the rules and documents below still
	// apply to the cached matches.
	cache, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	first, err := newScanner(t, Options{Cache: cache}).Scan(t.Context(), mustInput(t, alpRef))
	if err != nil {
		t.Fatal(err)
	}
	musl := first.Findings[0]
	vexDoc := filepath.Join(t.TempDir(), "vex.json")
	doc := map[string]any{
		"@context":  "https://openvex.dev/ns/v0.2.0",
		"@id":       "https://example.org/vex/1",
		"author":    "test",
		"timestamp": "2026-11-01T00:00:00Z",
		"version":   1,
		"statements": []map[string]any{{
			"vulnerability":    map[string]any{"name": "CVE-2024-0002"},
			"products":         []map[string]any{{"@id": musl.Package.PURL}},
			"status":           "not_affected",
			"justification":    "vulnerable_code_not_in_execute_path",
			"impact_statement": "the vulnerable function is never called",
		}, {
			// The image itself, by its tag, as the product.
			"vulnerability": map[string]any{"name": "CVE-2024-0004"},
			"products":      []map[string]any{{"@id": alpRef}},
			"status":        "fixed",
		}},
	}
	b, _ := json.Marshal(doc)
	if err := os.WriteFile(vexDoc, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ex, err := exception.Parse([]byte(`vulnerabilities:
  - name: busybox-wget
    reason: wget is not used
    ids: [CVE-2024-0001]
    images: [".*/library/alpine:.*"]
  - name: elsewhere
    reason: only for another image
    ids: [CVE-2024-0004]
    images: ["registry.example.com/.*"]
`), "exceptions.yaml", testNow)
	if err != nil {
		t.Fatal(err)
	}
	img, err := newScanner(t, Options{Cache: cache, Exceptions: ex, VEXDocuments: []string{vexDoc}}).Scan(t.Context(), mustInput(t, alpRef))
	if err != nil {
		t.Fatal(err)
	}
	if !img.Cached {
		t.Error("the second scan did not use the cache")
	}
	want := []string{
		"critical CVE-2024-0002 apk musl@1.2.5-r0 fixed-in=1.2.5-r1 state=fixed suppressed-by=vex",
		"high CVE-2024-0001 apk busybox@1.36.1-r0 fixed-in=1.36.1-r1 state=fixed suppressed-by=rule",
		"medium CVE-2024-0004 apk libcrypto3@3.3.0-r0 fixed-in=3.3.2-r0 state=fixed suppressed-by=vex",
	}
	if got := summary(img.Findings); !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s := img.Findings[0].Suppressed; s == nil || s.VEXStatus != "not_affected" || s.Justification != "vulnerable_code_not_in_execute_path" {
		t.Errorf("VEX suppression %+v", s)
	}
	if s := img.Findings[1].Suppressed; s == nil || s.Rule.Name != "busybox-wget" || s.Rule.Source != "exceptions.yaml" {
		t.Errorf("rule suppression %+v", s)
	}
	if s := img.Findings[2].Suppressed; s == nil || s.VEXStatus != "fixed" {
		t.Errorf("VEX suppression of the image product %+v", s)
	}
	if c := img.Counts(); c.Total() != 0 {
		t.Errorf("counts %v: suppressed findings must not count", c)
	}
	if _, err := newScanner(t, Options{VEXDocuments: []string{filepath.Join(t.TempDir(), "none.json")}}).Scan(t.Context(), mustInput(t, alpRef)); !errors.Is(err, ErrBadInput) {
		t.Errorf("missing VEX document: %v", err)
	}
}

func TestScanImages(t *testing.T) {
	cache, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := newScanner(t, Options{Cache: cache})
	alpDigest, _ := alpine.Digest()
	// Another tag of the alpine image: the same digest.
	latest, err := reg.Push("library/alpine:latest", alpine)
	if err != nil {
		t.Fatal(err)
	}
	refs := []Ref{
		{Ref: alpRef, Workloads: []vulnreport.Workload{{Kind: "Deployment", Namespace: "shop", Name: "web", Container: "app"}}},
		{Ref: latest, Workloads: []vulnreport.Workload{{Kind: "DaemonSet", Namespace: "kube-system", Name: "agent", Container: "main"}}},
		{Ref: latest, Digest: alpDigest.String(), Workloads: []vulnreport.Workload{{Kind: "Job", Namespace: "ops", Name: "backup"}}},
		{Ref: alpRef, Workloads: []vulnreport.Workload{{Kind: "Deployment", Namespace: "shop", Name: "web", Container: "app"}}},
		{Ref: debRef, Workloads: []vulnreport.Workload{{Kind: "StatefulSet", Namespace: "db", Name: "pg"}}},
		{Ref: reg.Host + "/library/gone:1", Workloads: []vulnreport.Workload{{Kind: "CronJob", Namespace: "ops", Name: "old"}}},
	}
	var mu sync.Mutex
	var progress []Progress
	rep, err := s.ScanImages(t.Context(), refs, ScanImagesOptions{Workers: 3, Progress: func(p Progress) {
		mu.Lock()
		progress = append(progress, p)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Images) != 2 || len(rep.Failed) != 1 {
		t.Fatalf("images %d, failed %d: %+v", len(rep.Images), len(rep.Failed), rep)
	}
	var alp, deb *vulnreport.Image
	for i := range rep.Images {
		switch rep.Images[i].Distro {
		case "alpine 3.20.3":
			alp = &rep.Images[i]
		case "debian 12":
			deb = &rep.Images[i]
		}
	}
	if alp == nil || deb == nil {
		t.Fatalf("images %+v", rep.Images)
	}
	var wls []string
	for _, w := range alp.Workloads {
		wls = append(wls, w.String())
	}
	wantWls := []string{"DaemonSet/kube-system/agent:main", "Deployment/shop/web:app", "Job/ops/backup"}
	if !slices.Equal(wls, wantWls) {
		t.Errorf("alpine workloads %v, want %v", wls, wantWls)
	}
	if alp.Digest != alpDigest.String() || len(alp.OtherRefs) != 2 || !slices.Equal(summary(alp.Findings), wantAlpine) {
		t.Errorf("alpine image %+v", alp)
	}
	if !slices.Equal(summary(deb.Findings), wantDebian) || len(deb.Workloads) != 1 {
		t.Errorf("debian image %+v", deb)
	}
	if f := rep.Failed[0]; !strings.Contains(f.Error, "not found") || len(f.Workloads) != 1 || f.Workloads[0].Name != "old" {
		t.Errorf("failed %+v", f)
	}
	if len(progress) != 2 || progress[1].Done != 2 || progress[1].Total != 2 {
		t.Errorf("progress %+v, want two calls up to 2/2", progress)
	}
	if rep.DB.Schema == "" || rep.DB.Built.IsZero() {
		t.Errorf("report DB %+v", rep.DB)
	}
	// A second scan of the cluster reads both SBOMs from the cache.
	rep, err = s.ScanImages(t.Context(), refs, ScanImagesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range rep.Images {
		if !img.Cached {
			t.Errorf("%s was cataloged again", img.Ref)
		}
	}
}

func TestBuildSBOMFormats(t *testing.T) {
	s, err := NewScanner(Options{})
	if err != nil {
		t.Fatal(err)
	}
	sb, err := s.BuildSBOM(t.Context(), mustInput(t, debRef))
	if err != nil {
		t.Fatal(err)
	}
	if sb.Image.Packages != 4 || sb.Image.Distro != "debian 12" {
		t.Errorf("image %+v", sb.Image)
	}
	for _, format := range SBOMFormats {
		t.Run(format, func(t *testing.T) {
			var buf strings.Builder
			if err := EncodeSBOM(&buf, sb.SBOM, format); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if !json.Valid([]byte(out)) {
				t.Fatalf("%s is not JSON", format)
			}
			for _, want := range []string{"libssl3", "3.0.11-1~deb12u2", "zlib1g", "pkg:deb/debian/tar"} {
				if !strings.Contains(out, want) {
					t.Errorf("%s SBOM lacks %q", format, want)
				}
			}
		})
	}
	if err := EncodeSBOM(&strings.Builder{}, sb.SBOM, "spdx-tag-value"); err == nil {
		t.Error("unknown SBOM format accepted")
	}
}
