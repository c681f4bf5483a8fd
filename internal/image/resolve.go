package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// ErrUnreadable marks an image that was named correctly but could not be
// read: not found, not authorized, corrupt or incomplete.
var ErrUnreadable = errors.New("image unreadable")

// resolved is an image whose manifest has been read: enough to know its
// digest, not yet its layers.
type resolved struct {
	input Input
	// img is nil for a directory.
	img      v1.Image
	digest   string
	platform string
	// repoDigest (repo@sha256:...) and tag name a registry image for VEX documents.
	repoDigest string
	tag        string
	cleanup    func()
}

func (r *resolved) close() {
	if r.cleanup != nil {
		r.cleanup()
	}
}

// resolve reads the manifest of the input, choosing the platform from an index.
func (s *Scanner) resolve(ctx context.Context, in Input) (*resolved, error) {
	r := &resolved{input: in}
	var err error
	switch in.Kind {
	case KindRegistry:
		err = s.resolveRegistry(ctx, r)
	case KindOCIDir:
		err = s.resolveLayout(r, in.Location)
	case KindOCIArchive:
		err = s.resolveOCIArchive(r)
	case KindDockerArchive:
		err = s.resolveDockerArchive(r)
	case KindDir:
		return r, nil
	default:
		return nil, fmt.Errorf("%w: unknown kind %q", ErrBadInput, in.Kind)
	}
	if err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func (s *Scanner) resolveRegistry(ctx context.Context, r *resolved) error {
	ref, err := name.ParseReference(r.input.Location)
	if err != nil {
		return fmt.Errorf("%w: %q is not an image reference: %w", ErrBadInput, r.input.Location, err)
	}
	rt := remote.DefaultTransport
	if s.opts.Offline {
		rt = newEgressGuard(rt, ref.Context().RegistryStr())
	}
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(s.keychain),
		remote.WithTransport(rt),
		remote.WithUserAgent("kubescape"),
	}
	if s.platform != nil {
		opts = append(opts, remote.WithPlatform(*s.platform))
	}
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		return registryError(ref, err)
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return registryError(ref, err)
		}
		img, d, err := s.fromIndex(idx, ref.String())
		if err != nil {
			return err
		}
		r.img, r.digest = img, d.Digest.String()
		if d.Platform != nil {
			r.platform = d.Platform.String()
		}
	} else {
		img, err := desc.Image()
		if err != nil {
			return registryError(ref, err)
		}
		r.img, r.digest = img, desc.Digest.String()
		if err := s.checkPlatform(r, ref.String()); err != nil {
			return err
		}
	}
	r.repoDigest = ref.Context().Name() + "@" + r.digest
	if t, ok := ref.(name.Tag); ok {
		r.tag = t.Name()
	}
	return nil
}

// registryError says what went wrong with a registry in words a user can act on.
func registryError(ref name.Reference, err error) error {
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusNotFound:
			return fmt.Errorf("%w: %s: not found in the registry", ErrUnreadable, ref)
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("%w: %s: the registry refused access (%d); log in with 'docker login %s' or give an image pull secret", ErrUnreadable, ref, te.StatusCode, ref.Context().RegistryStr())
		}
	}
	return fmt.Errorf("%w: %s: %w", ErrUnreadable, ref, err)
}

// checkPlatform reads the platform of a single-platform image from its
// config, and refuses an image of another platform than --platform.
func (s *Scanner) checkPlatform(r *resolved, what string) error {
	cf, err := r.img.ConfigFile()
	if err != nil {
		return fmt.Errorf("%w: %s: read image config: %w", ErrUnreadable, what, err)
	}
	p := cf.Platform()
	if p == nil || p.OS == "" {
		return nil
	}
	r.platform = p.String()
	if s.platform != nil && !p.Satisfies(*s.platform) {
		return fmt.Errorf("%w: %s is a %s image, not %s", ErrBadInput, what, p, s.platform)
	}
	return nil
}

// fromIndex picks the image of the wanted platform (the host's, linux/GOARCH,
// when none was given) from an index, looking into nested indexes.
func (s *Scanner) fromIndex(idx v1.ImageIndex, what string) (v1.Image, v1.Descriptor, error) {
	type candidate struct {
		idx v1.ImageIndex
		d   v1.Descriptor
	}
	var cands []candidate
	var walk func(v1.ImageIndex, int) error
	walk = func(ix v1.ImageIndex, depth int) error {
		if depth > 4 {
			return fmt.Errorf("%w: %s: indexes nested too deep", ErrUnreadable, what)
		}
		m, err := ix.IndexManifest()
		if err != nil {
			return fmt.Errorf("%w: %s: read index: %w", ErrUnreadable, what, err)
		}
		for _, d := range m.Manifests {
			switch {
			case d.MediaType.IsIndex():
				child, err := ix.ImageIndex(d.Digest)
				if err != nil {
					return fmt.Errorf("%w: %s: read index %s: %w", ErrUnreadable, what, d.Digest, err)
				}
				if err := walk(child, depth+1); err != nil {
					return err
				}
			case d.MediaType.IsImage():
				// Attestation manifests carry the platform unknown/unknown.
				if d.Platform != nil && d.Platform.OS == "unknown" {
					continue
				}
				cands = append(cands, candidate{ix, d})
			}
		}
		return nil
	}
	if err := walk(idx, 0); err != nil {
		return nil, v1.Descriptor{}, err
	}
	if len(cands) == 0 {
		return nil, v1.Descriptor{}, fmt.Errorf("%w: %s: the index lists no image", ErrUnreadable, what)
	}
	want := s.platform
	if want == nil {
		if len(cands) == 1 {
			c := cands[0]
			img, err := c.idx.Image(c.d.Digest)
			if err != nil {
				return nil, c.d, fmt.Errorf("%w: %s: read image %s: %w", ErrUnreadable, what, c.d.Digest, err)
			}
			return img, c.d, nil
		}
		want = &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	}
	var avail []string
	for _, c := range cands {
		if c.d.Platform == nil {
			avail = append(avail, "(no platform)")
			continue
		}
		avail = append(avail, c.d.Platform.String())
		if c.d.Platform.Satisfies(*want) {
			img, err := c.idx.Image(c.d.Digest)
			if err != nil {
				return nil, c.d, fmt.Errorf("%w: %s: read image %s: %w", ErrUnreadable, what, c.d.Digest, err)
			}
			return img, c.d, nil
		}
	}
	return nil, v1.Descriptor{}, fmt.Errorf("%w: %s has no %s image; it has %s: choose one with --platform", ErrBadInput, what, want, strings.Join(avail, ", "))
}

func (s *Scanner) resolveLayout(r *resolved, dir string) error {
	p, err := layout.FromPath(dir)
	if err != nil {
		return fmt.Errorf("%w: %s is not an OCI layout: %w", ErrUnreadable, dir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return fmt.Errorf("%w: %s: read index.json: %w", ErrUnreadable, dir, err)
	}
	img, d, err := s.fromIndex(idx, dir)
	if err != nil {
		return err
	}
	r.img, r.digest = img, d.Digest.String()
	if d.Platform != nil {
		r.platform = d.Platform.String()
		return nil
	}
	return s.checkPlatform(r, dir)
}

func (s *Scanner) resolveOCIArchive(r *resolved) error {
	dir, err := os.MkdirTemp("", "kubescape-oci-archive-")
	if err != nil {
		return fmt.Errorf("extract %s: %w", r.input.Location, err)
	}
	// best effort: a leftover temporary directory does not change the scan.
	r.cleanup = func() { _ = os.RemoveAll(dir) }
	if err := extractTar(r.input.Location, dir); err != nil {
		return fmt.Errorf("%w: extract %s: %w", ErrUnreadable, r.input.Location, err)
	}
	return s.resolveLayout(r, dir)
}

// extractTar unpacks the regular files and directories of a tar (plain or
// gzip) into dir; no entry can escape it.
func extractTar(file, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := maybeGunzip(f)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	// Every file written through root is closed and checked on its own;
	// closing the directory handle cannot lose data.
	defer func() { _ = root.Close() }()
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		clean := path.Clean(strings.TrimPrefix(h.Name, "/"))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := root.MkdirAll(clean, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if d := path.Dir(clean); d != "." {
				if err := root.MkdirAll(d, 0o755); err != nil {
					return err
				}
			}
			out, err := root.Create(clean)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, tr); err != nil {
				out.Close()
				return fmt.Errorf("%s: %w", h.Name, err)
			}
			if err := out.Close(); err != nil {
				return err
			}
		}
	}
}

func (s *Scanner) resolveDockerArchive(r *resolved) error {
	file := r.input.Location
	opener := func() (io.ReadCloser, error) {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		zr, err := maybeGunzip(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{zr, f}, nil
	}
	img, err := tarball.Image(opener, nil)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnreadable, file, err)
	}
	// A docker archive is identified by its image ID (the config digest): its
	// manifest digest depends on how the layers would be compressed.
	id, err := img.ConfigName()
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnreadable, file, err)
	}
	r.img, r.digest = img, id.String()
	return s.checkPlatform(r, file)
}
