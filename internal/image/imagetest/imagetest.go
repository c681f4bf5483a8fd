// Package imagetest builds synthetic container images (Alpine with an apk
// database, Debian with a dpkg status file) and serves them from an OCI
// registry on loopback, for tests and benchmarks that must not touch the
// network.
package imagetest

import (
	"archive/tar"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Package is an installed OS package.
type Package struct {
	Name, Version string
	// Source is the source package (dpkg) or origin (apk); empty means Name.
	Source string
}

// File is a file of a layer.
type File struct {
	Path    string
	Content string
}

// Layer returns an uncompressed layer tar of the files (directories are implied).
func Layer(files ...File) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range files {
		p := strings.TrimPrefix(f.Path, "/")
		for d := filepath.Dir(p); d != "." && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	var ds []string
	for d := range dirs {
		ds = append(ds, d)
	}
	// Parents before children.
	slices.SortFunc(ds, func(a, b string) int {
		return cmp.Or(cmp.Compare(strings.Count(a, "/"), strings.Count(b, "/")), cmp.Compare(a, b))
	})
	for _, d := range ds {
		if err := tw.WriteHeader(&tar.Header{Name: d + "/", Mode: 0o755, Typeflag: tar.TypeDir, ModTime: mtime}); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		h := &tar.Header{Name: strings.TrimPrefix(f.Path, "/"), Mode: 0o644, Size: int64(len(f.Content)), Typeflag: tar.TypeReg, ModTime: mtime}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, f.Content); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SyntheticPackages returns n packages named pkg-0000, pkg-0001, ... at
// version 1.<i>.0-r0, as a large image's package database would list them.
func SyntheticPackages(n int) []Package {
	out := make([]Package, n)
	for i := range out {
		out[i] = Package{Name: fmt.Sprintf("pkg-%04d", i), Version: fmt.Sprintf("1.%d.0-r0", i)}
	}
	return out
}

// AlpineFiles are /etc/os-release of Alpine version (3.20.3) and an apk
// database listing the packages.
func AlpineFiles(version string, pkgs []Package) []File {
	var db strings.Builder
	for _, p := range pkgs {
		origin := p.Source
		if origin == "" {
			origin = p.Name
		}
		fmt.Fprintf(&db, "P:%s\nV:%s\nA:x86_64\nS:1024\nI:4096\nT:%s package\nU:https://example.org/%s\nL:MIT\no:%s\nm:Test <test@example.org>\nt:1700000000\nF:usr/share/%s\nR:README\n\n",
			p.Name, p.Version, p.Name, p.Name, origin, p.Name)
	}
	osRelease := fmt.Sprintf("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=%s\nPRETTY_NAME=\"Alpine Linux v%s\"\nHOME_URL=\"https://alpinelinux.org/\"\n", version, version)
	return []File{
		{Path: "etc/os-release", Content: osRelease},
		{Path: "lib/apk/db/installed", Content: db.String()},
	}
}

// DebianFiles are /etc/os-release of Debian version (12) codename
// (bookworm) and a dpkg status file listing the packages.
func DebianFiles(version, codename string, pkgs []Package) []File {
	var st strings.Builder
	for _, p := range pkgs {
		fmt.Fprintf(&st, "Package: %s\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: 100\nMaintainer: Test <test@example.org>\nArchitecture: amd64\n", p.Name)
		if p.Source != "" {
			fmt.Fprintf(&st, "Source: %s\n", p.Source)
		}
		fmt.Fprintf(&st, "Version: %s\nDescription: %s package\n\n", p.Version, p.Name)
	}
	osRelease := fmt.Sprintf("PRETTY_NAME=\"Debian GNU/Linux %s (%s)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"%s\"\nVERSION=\"%s (%s)\"\nVERSION_CODENAME=%s\nID=debian\n", version, codename, version, version, codename, codename)
	return []File{
		{Path: "etc/os-release", Content: osRelease},
		{Path: "var/lib/dpkg/status", Content: st.String()},
	}
}

// Image returns an OCI image of the platform (linux/amd64 when empty) with
// one layer per file list.
func Image(platform string, layers ...[]File) (v1.Image, error) {
	if platform == "" {
		platform = "linux/amd64"
	}
	p, err := v1.ParsePlatform(platform)
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	for _, files := range layers {
		b, err := Layer(files...)
		if err != nil {
			return nil, err
		}
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
			tarball.WithMediaType(types.OCILayer))
		if err != nil {
			return nil, err
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			return nil, err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = v1.Time{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	return mutate.ConfigFile(img, cf)
}

// Index returns a multi-platform index of the images, each with its config's platform.
func Index(imgs ...v1.Image) (v1.ImageIndex, error) {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: cf.Platform()}})
	}
	return idx, nil
}

// Registry is an OCI registry served on loopback.
type Registry struct {
	// Host is host:port of the registry.
	Host   string
	server *httptest.Server
}

// NewRegistry starts an in-memory registry on 127.0.0.1. With user set,
// it asks for HTTP basic authentication with that user and password.
func NewRegistry(user, password string) *Registry {
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if user != "" {
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, p, ok := r.BasicAuth()
			if !ok || u != user || p != password {
				w.Header().Set("WWW-Authenticate", `Basic realm="imagetest"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
			inner.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(h)
	return &Registry{Host: strings.TrimPrefix(srv.URL, "http://"), server: srv}
}

// Close stops the registry.
func (r *Registry) Close() { r.server.Close() }

// Push writes the image to repo:tag (repo without the host) and returns the
// full reference.
func (r *Registry) Push(repoTag string, img v1.Image, opts ...remote.Option) (string, error) {
	ref, err := name.ParseReference(r.Host + "/" + repoTag)
	if err != nil {
		return "", err
	}
	if err := remote.Write(ref, img, opts...); err != nil {
		return "", fmt.Errorf("push %s: %w", ref, err)
	}
	return ref.String(), nil
}

// PushIndex writes a multi-platform index to repo:tag.
func (r *Registry) PushIndex(repoTag string, idx v1.ImageIndex, opts ...remote.Option) (string, error) {
	ref, err := name.ParseReference(r.Host + "/" + repoTag)
	if err != nil {
		return "", err
	}
	if err := remote.WriteIndex(ref, idx, opts...); err != nil {
		return "", fmt.Errorf("push %s: %w", ref, err)
	}
	return ref.String(), nil
}

// WriteOCIDir writes the image as an OCI layout directory.
func WriteOCIDir(dir string, img v1.Image) error {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendImage(img)
}

// WriteOCIIndexDir writes a multi-platform index as an OCI layout directory.
func WriteOCIIndexDir(dir string, idx v1.ImageIndex) error {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendIndex(idx)
}

// WriteOCIArchive writes the image as an OCI layout in a tar file.
func WriteOCIArchive(file string, img v1.Image) error {
	dir, err := os.MkdirTemp("", "imagetest-oci-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }() // best effort: the archive is written by then
	if err := WriteOCIDir(dir, img); err != nil {
		return err
	}
	return tarDir(dir, file)
}

// WriteDockerArchive writes the image as `docker save` does, tagged tag.
func WriteDockerArchive(file, tag string, img v1.Image) error {
	t, err := name.NewTag(tag)
	if err != nil {
		return err
	}
	return tarball.WriteToFile(file, t, img)
}

func tarDir(dir, file string) error {
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(out)
	werr := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		h, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		if fi.IsDir() {
			h.Name += "/"
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if fi.IsDir() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err := tw.Close(); err != nil && werr == nil {
		werr = err
	}
	if err := out.Close(); err != nil && werr == nil {
		werr = err
	}
	return werr
}
