package image

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Kind is where an image is read from.
type Kind string

// The kinds of input.
const (
	KindRegistry      Kind = "registry"
	KindOCIDir        Kind = "oci-dir"
	KindOCIArchive    Kind = "oci-archive"
	KindDockerArchive Kind = "docker-archive"
	KindDir           Kind = "dir"
)

var kinds = []Kind{KindRegistry, KindOCIDir, KindOCIArchive, KindDockerArchive, KindDir}

// ErrBadInput marks an input that names no image: the user's to fix.
var ErrBadInput = errors.New("bad image input")

// Input is an image to scan: its kind and its location (a reference or a path).
type Input struct {
	Kind     Kind
	Location string
}

// String is the input as the user would write it, with its kind.
func (in Input) String() string { return string(in.Kind) + ":" + in.Location }

// ParseInput reads an image input. A kind prefix (registry:, oci-dir:,
// oci-archive:, docker-archive:, dir:) says what it is; without one, an
// existing path is a directory (an OCI layout when it holds an oci-layout
// file) or an archive (OCI when it holds oci-layout, docker when it holds
// manifest.json), and anything else is a registry reference.
func ParseInput(s string) (Input, error) {
	if s == "" {
		return Input{}, fmt.Errorf("%w: empty image reference", ErrBadInput)
	}
	for _, k := range kinds {
		if rest, ok := strings.CutPrefix(s, string(k)+":"); ok {
			if rest == "" {
				return Input{}, fmt.Errorf("%w: %q names no %s", ErrBadInput, s, k)
			}
			in := Input{Kind: k, Location: rest}
			if k == KindRegistry {
				if _, err := name.ParseReference(rest); err != nil {
					return Input{}, fmt.Errorf("%w: %q is not an image reference: %w", ErrBadInput, rest, err)
				}
				return in, nil
			}
			if _, err := os.Stat(rest); err != nil {
				return Input{}, fmt.Errorf("%w: %s: %w", ErrBadInput, s, err)
			}
			return in, nil
		}
	}
	st, err := os.Stat(s)
	if err == nil {
		if st.IsDir() {
			if _, err := os.Stat(filepath.Join(s, "oci-layout")); err == nil {
				return Input{Kind: KindOCIDir, Location: s}, nil
			}
			return Input{Kind: KindDir, Location: s}, nil
		}
		k, err := archiveKind(s)
		if err != nil {
			return Input{}, err
		}
		return Input{Kind: k, Location: s}, nil
	}
	if _, perr := name.ParseReference(s); perr != nil {
		return Input{}, fmt.Errorf("%w: %q is not a file, a directory or an image reference (%w)", ErrBadInput, s, perr)
	}
	return Input{Kind: KindRegistry, Location: s}, nil
}

// archiveKind looks into a tar (plain or gzip) for the file that tells an
// OCI archive (oci-layout) from a docker archive (manifest.json).
func archiveKind(path string) (Kind, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	defer f.Close()
	r, err := maybeGunzip(f)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrBadInput, path, err)
	}
	tr := tar.NewReader(r)
	docker := false
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("%w: %s is not a tar archive of an image (%w); name a directory, an OCI or docker archive, or an image reference", ErrBadInput, path, err)
		}
		switch strings.TrimPrefix(h.Name, "./") {
		case "oci-layout":
			return KindOCIArchive, nil
		case "manifest.json":
			docker = true
		}
	}
	if docker {
		return KindDockerArchive, nil
	}
	return "", fmt.Errorf("%w: %s holds neither oci-layout nor manifest.json: not an OCI or docker image archive", ErrBadInput, path)
}

// maybeGunzip returns a reader of the uncompressed content of r, gzip or not.
func maybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		return gzip.NewReader(br)
	}
	return br, nil
}
