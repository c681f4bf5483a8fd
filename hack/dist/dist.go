package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"k8s.io/apimachinery/pkg/util/version"
)

const (
	// binName is the plugin's executable: kubectl finds plugins named kubectl-*.
	binName = "kubectl-kubescape"
	// mainPkg is the plugin's main package.
	mainPkg = "./cmd/kubectl-kubescape"
	// versionVar is stamped with the release version, as the Makefile's build does.
	versionVar = "kubescape.io/kubescape/internal/version.Version"
	// defaultBaseURL is where a release's archives are downloaded from;
	// {version} is replaced with the release version.
	defaultBaseURL = "https://github.com/kubescape/kubescape/releases/download/{version}"
	// baseURLEnv overrides defaultBaseURL (the -base-url flag overrides both).
	baseURLEnv = "KUBESCAPE_DIST_BASE_URL"
)

// defaultPlatforms are the platforms of a release, as GOOS/GOARCH.
var defaultPlatforms = "linux/amd64,linux/arm64,darwin/amd64,darwin/arm64,windows/amd64,windows/arm64"

// extraFiles go into every archive beside the binary, when present at the
// module root. krew-index requires a license file in the archive.
var extraFiles = []string{"LICENSE", "README.md"}

type config struct {
	version   string
	platforms []platform
	out       string
	baseURL   string
	manifest  string
	template  string
	mtime     time.Time
}

type platform struct{ OS, Arch string }

func (p platform) String() string { return p.OS + "/" + p.Arch }

// Platform is one entry of the krew manifest's platforms.
type Platform struct {
	OS, Arch, URI, SHA256, Bin string
	Files                      []string
}

// Manifest is what the manifest template is rendered with.
type Manifest struct {
	Version   string
	Platforms []Platform
}

func run(args []string, log io.Writer) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	if _, err := os.Stat(mainPkg); err != nil {
		return fmt.Errorf("%s not found: run dist from the module root (go run ./hack/dist)", mainPkg)
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "kubescape-dist-")
	if err != nil {
		return err
	}
	defer func() {
		if err := os.RemoveAll(work); err != nil {
			fmt.Fprintf(log, "dist: warning: remove %s: %v\n", work, err)
		}
	}()

	var extras []string
	for _, f := range extraFiles {
		if _, err := os.Stat(f); err == nil {
			extras = append(extras, f)
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if !slices.Contains(extras, "LICENSE") {
		fmt.Fprintln(log, "dist: warning: no LICENSE at the module root; krew-index requires one in every archive")
	}

	m := Manifest{Version: cfg.version}
	var sums strings.Builder
	for _, p := range cfg.platforms {
		start := time.Now()
		bin, err := build(context.Background(), cfg.version, p, filepath.Join(work, p.OS+"_"+p.Arch))
		if err != nil {
			return err
		}
		archive := filepath.Join(cfg.out, archiveName(cfg.version, p))
		files := append([]string{filepath.Base(bin)}, extras...)
		if err := pack(archive, p, bin, extras, cfg.mtime); err != nil {
			return err
		}
		sum, err := sha256File(archive)
		if err != nil {
			return err
		}
		fmt.Fprintf(&sums, "%s  %s\n", sum, filepath.Base(archive))
		m.Platforms = append(m.Platforms, Platform{
			OS: p.OS, Arch: p.Arch, SHA256: sum, Bin: filepath.Base(bin), Files: files,
			URI: strings.TrimSuffix(cfg.baseURL, "/") + "/" + filepath.Base(archive),
		})
		fmt.Fprintf(log, "dist: %s (%s)\n", archive, time.Since(start).Round(time.Millisecond))
	}
	if err := os.WriteFile(filepath.Join(cfg.out, "checksums.txt"), []byte(sums.String()), 0o644); err != nil {
		return err
	}
	if err := renderManifest(cfg.template, cfg.manifest, m); err != nil {
		return err
	}
	fmt.Fprintf(log, "dist: %s\n", cfg.manifest)
	return nil
}

func parseFlags(args []string) (*config, error) {
	fs := flag.NewFlagSet("dist", flag.ContinueOnError)
	ver := fs.String("version", os.Getenv("VERSION"), "release version vMAJOR.MINOR.PATCH[-PRERELEASE]; a git hash (untagged build) becomes v0.0.0-dev.gHASH (default $VERSION)")
	platforms := fs.String("platforms", defaultPlatforms, "comma-separated GOOS/GOARCH pairs")
	out := fs.String("out", "dist", "directory for the archives, checksums.txt and (by default) the manifest")
	baseURL := fs.String("base-url", "", "URL the archives are downloaded from, {version} is replaced (default $"+baseURLEnv+", else "+defaultBaseURL+")")
	manifest := fs.String("manifest", "", "where to write the krew manifest (default OUT/kubescape.yaml)")
	tmpl := fs.String("template", "krew/kubescape.yaml.tmpl", "the krew manifest template")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q: every setting is a flag", fs.Args())
	}
	v, err := releaseVersion(*ver)
	if err != nil {
		return nil, err
	}
	cfg := &config{version: v, out: *out, manifest: *manifest, template: *tmpl}
	if cfg.manifest == "" {
		cfg.manifest = filepath.Join(cfg.out, "kubescape.yaml")
	}
	if filepath.Base(cfg.manifest) != "kubescape.yaml" {
		return nil, fmt.Errorf("-manifest %s: krew requires the manifest file to be named after the plugin, kubescape.yaml", cfg.manifest)
	}
	cfg.baseURL = *baseURL
	if cfg.baseURL == "" {
		cfg.baseURL = os.Getenv(baseURLEnv)
	}
	if cfg.baseURL == "" {
		cfg.baseURL = defaultBaseURL
	}
	cfg.baseURL = strings.ReplaceAll(cfg.baseURL, "{version}", v)
	if cfg.platforms, err = parsePlatforms(*platforms); err != nil {
		return nil, err
	}
	if cfg.mtime, err = sourceDate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// hashRE matches what git describe --always --dirty prints for a commit
// that no tag reaches: an abbreviated hash, maybe -dirty.
var hashRE = regexp.MustCompile(`^[0-9a-f]{4,40}(-dirty)?$`)

// releaseVersion returns v when it is the vMAJOR.MINOR.PATCH[-PRERELEASE]
// krew requires, and turns the name of an untagged build (the Makefile's
// VERSION: a git hash, or "dev") into v0.0.0-dev[.gHASH], which sorts below
// every release and still says what it was built from. Build metadata
// (+...) is refused: the version is part of every archive name, and release
// hosts such as GitHub rename files with a '+'.
func releaseVersion(v string) (string, error) {
	switch {
	case v == "":
		return "", errors.New("-version is empty: pass -version vX.Y.Z (make dist VERSION=vX.Y.Z)")
	case v == "dev":
		return "v0.0.0-dev", nil
	case hashRE.MatchString(v):
		return "v0.0.0-dev.g" + v, nil
	case strings.Contains(v, "+"):
		return "", fmt.Errorf("-version %q: build metadata (+...) cannot be part of an archive name; use a pre-release (-...) instead", v)
	}
	if _, err := version.ParseSemantic(v); err != nil || !strings.HasPrefix(v, "v") {
		return "", fmt.Errorf("-version %q is neither vMAJOR.MINOR.PATCH[-PRERELEASE], which krew requires, nor a git hash", v)
	}
	return v, nil
}

func parsePlatforms(s string) ([]platform, error) {
	var ps []platform
	seen := map[platform]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		goos, goarch, ok := strings.Cut(f, "/")
		if !ok || goos == "" || goarch == "" || strings.Contains(goarch, "/") {
			return nil, fmt.Errorf("-platforms: %q is not GOOS/GOARCH (for example linux/amd64)", f)
		}
		p := platform{goos, goarch}
		if seen[p] {
			return nil, fmt.Errorf("-platforms: %s is listed twice", p)
		}
		seen[p] = true
		ps = append(ps, p)
	}
	return ps, nil
}

// sourceDate is the time stamped on archive entries: $SOURCE_DATE_EPOCH
// (the reproducible-builds convention), else the commit's time, else now.
func sourceDate() (time.Time, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds: %w", s, err)
		}
		return time.Unix(sec, 0).UTC(), nil
	}
	out, err := exec.Command("git", "log", "-1", "--format=%ct").Output()
	if sec, perr := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil && perr == nil {
		return time.Unix(sec, 0).UTC(), nil
	}
	return time.Now().UTC().Truncate(time.Second), nil
}

func archiveName(v string, p platform) string {
	ext := ".tar.gz"
	if p.OS == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("%s_%s_%s_%s%s", binName, v, p.OS, p.Arch, ext)
}

// build cross-compiles the plugin into dir and returns the binary's path.
func build(ctx context.Context, v string, p platform, dir string) (string, error) {
	bin := filepath.Join(dir, binName)
	if p.OS == "windows" {
		bin += ".exe"
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-s -w -X "+versionVar+"="+v, "-o", bin, mainPkg)
	cmd.Env = append(os.Environ(), "GOOS="+p.OS, "GOARCH="+p.Arch, "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s for %s: %w", mainPkg, p, err)
	}
	return bin, nil
}

// pack writes the archive: the binary and the extra files, all at the top
// level, owned by root, stamped with mtime.
func pack(path string, p platform, bin string, extras []string, mtime time.Time) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			// The archive is incomplete; the error below is what matters.
			_ = os.Remove(path)
			err = fmt.Errorf("pack %s: %w", path, err)
		}
	}()
	entries := []struct {
		src  string
		mode int64
	}{{bin, 0o755}}
	for _, e := range extras {
		entries = append(entries, struct {
			src  string
			mode int64
		}{e, 0o644})
	}
	if p.OS == "windows" {
		zw := zip.NewWriter(f)
		for _, e := range entries {
			h := &zip.FileHeader{Name: filepath.Base(e.src), Method: zip.Deflate, Modified: mtime}
			h.SetMode(os.FileMode(e.mode))
			w, err := zw.CreateHeader(h)
			if err != nil {
				return err
			}
			if err := copyFile(w, e.src); err != nil {
				return err
			}
		}
		return zw.Close()
	}
	gz, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		st, err := os.Stat(e.src)
		if err != nil {
			return err
		}
		h := &tar.Header{
			Name: filepath.Base(e.src), Mode: e.mode, Size: st.Size(), ModTime: mtime,
			Typeflag: tar.TypeReg, Uname: "root", Gname: "root",
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if err := copyFile(tw, e.src); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func renderManifest(tmplPath, out string, m Manifest) error {
	t, err := template.New(filepath.Base(tmplPath)).Option("missingkey=error").ParseFiles(tmplPath)
	if err != nil {
		return fmt.Errorf("read the manifest template: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, m); err != nil {
		return fmt.Errorf("render %s: %w", tmplPath, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, []byte(b.String()), 0o644)
}
