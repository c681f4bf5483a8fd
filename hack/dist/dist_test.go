package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

func TestReleaseVersion(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "v1.2.3", want: "v1.2.3"},
		{in: "v0.4.0-rc.1", want: "v0.4.0-rc.1"},
		{in: "v1.2.3-4-gabcdef0-dirty", want: "v1.2.3-4-gabcdef0-dirty"},
		{in: "827847c", want: "v0.0.0-dev.g827847c"},
		{in: "0123456-dirty", want: "v0.0.0-dev.g0123456-dirty"},
		{in: "dev", want: "v0.0.0-dev"},
		{in: "", err: "-version is empty"},
		{in: "v1.2", err: "neither"},
		{in: "v1.02.3", err: "neither"},
		{in: "1.2.3", err: "neither"},
		{in: "v1.2.3-01", err: "neither"},
		{in: "v1.2.3+build.5", err: "build metadata"},
		{in: "827847c-modified", err: "neither"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := releaseVersion(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("releaseVersion(%q) = %q, %v; want an error containing %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("releaseVersion(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParsePlatforms(t *testing.T) {
	ps, err := parsePlatforms(defaultPlatforms)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 6 || ps[0] != (platform{"linux", "amd64"}) || ps[5] != (platform{"windows", "arm64"}) {
		t.Errorf("default platforms = %v", ps)
	}
	for _, bad := range []string{"linux", "linux/", "/amd64", "linux/amd64/v2", "linux/amd64,linux/amd64"} {
		if _, err := parsePlatforms(bad); err == nil {
			t.Errorf("parsePlatforms(%q) succeeded, want an error", bad)
		}
	}
}

// TestPackAndRender packs a stand-in binary for a Unix and a Windows
// platform, renders the real manifest template for them, and checks the
// archives' contents and the manifest's fields as krew reads them.
func TestPackAndRender(t *testing.T) {
	dir := t.TempDir()
	readme := filepath.Join(dir, "README.md")
	write(t, readme, "# readme\n")
	mtime := time.Unix(1700000000, 0).UTC()
	m := Manifest{Version: "v1.2.3"}
	for _, p := range []platform{{"linux", "arm64"}, {"windows", "amd64"}} {
		bin := filepath.Join(dir, p.OS, binName)
		if p.OS == "windows" {
			bin += ".exe"
		}
		write(t, bin, "binary for "+p.String())
		archive := filepath.Join(dir, archiveName(m.Version, p))
		if err := pack(archive, p, bin, []string{readme}, mtime); err != nil {
			t.Fatal(err)
		}
		got := readArchive(t, archive)
		want := map[string]string{filepath.Base(bin): "binary for " + p.String(), "README.md": "# readme\n"}
		if len(got) != len(want) || got[filepath.Base(bin)] != want[filepath.Base(bin)] || got["README.md"] != want["README.md"] {
			t.Errorf("%s holds %q, want %q", archive, got, want)
		}
		// Packing again gives the same bytes: archives are reproducible.
		sum1, _ := sha256File(archive)
		if err := pack(archive, p, bin, []string{readme}, mtime); err != nil {
			t.Fatal(err)
		}
		if sum2, _ := sha256File(archive); sum1 != sum2 {
			t.Errorf("packing %s twice gave sha256 %s, then %s", archive, sum1, sum2)
		}
		m.Platforms = append(m.Platforms, Platform{
			OS: p.OS, Arch: p.Arch, URI: "https://example.com/v1.2.3/" + filepath.Base(archive),
			SHA256: sum1, Bin: filepath.Base(bin), Files: []string{filepath.Base(bin), "README.md"},
		})
	}

	out := filepath.Join(dir, "kubescape.yaml")
	if err := renderManifest("../../krew/kubescape.yaml.tmpl", out, m); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var plugin struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec struct {
			Version          string `json:"version"`
			Homepage         string `json:"homepage"`
			ShortDescription string `json:"shortDescription"`
			Description      string `json:"description"`
			Caveats          string `json:"caveats"`
			Platforms        []struct {
				Selector struct {
					MatchLabels map[string]string `json:"matchLabels"`
				} `json:"selector"`
				URI    string `json:"uri"`
				SHA256 string `json:"sha256"`
				Bin    string `json:"bin"`
				Files  []struct {
					From string `json:"from"`
					To   string `json:"to"`
				} `json:"files"`
			} `json:"platforms"`
		} `json:"spec"`
	}
	if err := yaml.UnmarshalStrict(data, &plugin); err != nil {
		t.Fatalf("rendered manifest is not a krew Plugin: %v\n%s", err, data)
	}
	if plugin.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || plugin.Kind != "Plugin" || plugin.Metadata.Name != "kubescape" {
		t.Errorf("apiVersion/kind/name = %s/%s/%s", plugin.APIVersion, plugin.Kind, plugin.Metadata.Name)
	}
	s := plugin.Spec
	if s.Version != "v1.2.3" || s.Homepage == "" || s.Description == "" || s.Caveats == "" {
		t.Errorf("spec version/homepage/description/caveats incomplete: %+v", s)
	}
	// krew-index asks for a one-line short description of at most 50 characters.
	if s.ShortDescription == "" || len(s.ShortDescription) > 50 || strings.Contains(s.ShortDescription, "\n") {
		t.Errorf("shortDescription %q: want one line of 1-50 characters", s.ShortDescription)
	}
	if len(s.Platforms) != len(m.Platforms) {
		t.Fatalf("manifest has %d platforms, want %d", len(s.Platforms), len(m.Platforms))
	}
	for i, p := range s.Platforms {
		w := m.Platforms[i]
		if p.Selector.MatchLabels["os"] != w.OS || p.Selector.MatchLabels["arch"] != w.Arch || len(p.Selector.MatchLabels) != 2 {
			t.Errorf("platform %d selector = %v, want os=%s arch=%s", i, p.Selector.MatchLabels, w.OS, w.Arch)
		}
		if p.URI != w.URI || p.SHA256 != w.SHA256 || p.Bin != w.Bin {
			t.Errorf("platform %d = %s %s %s, want %s %s %s", i, p.URI, p.SHA256, p.Bin, w.URI, w.SHA256, w.Bin)
		}
		var from []string
		for _, f := range p.Files {
			if f.To != "." {
				t.Errorf("platform %d file %s goes to %q, want .", i, f.From, f.To)
			}
			from = append(from, f.From)
		}
		if !slices.Equal(from, w.Files) {
			t.Errorf("platform %d files = %v, want %v", i, from, w.Files)
		}
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readArchive returns the files of a tar.gz or zip archive by name.
func readArchive(t *testing.T, path string) map[string]string {
	t.Helper()
	files := map[string]string{}
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = zr.Close() }()
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			_ = rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			files[f.Name] = string(b)
		}
		return files
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.ModTime.Unix() != 1700000000 {
			t.Errorf("%s: entry %s uid/gid/mtime = %d/%d/%v", path, h.Name, h.Uid, h.Gid, h.ModTime)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = string(b)
	}
}
