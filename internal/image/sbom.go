package image

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"sync"

	stfile "github.com/anchore/stereoscope/pkg/file"
	stimage "github.com/anchore/stereoscope/pkg/image"
	"github.com/anchore/syft/syft"
	"github.com/anchore/syft/syft/cataloging"
	"github.com/anchore/syft/syft/cataloging/filecataloging"
	"github.com/anchore/syft/syft/file"
	"github.com/anchore/syft/syft/format/cyclonedxjson"
	"github.com/anchore/syft/syft/format/spdxjson"
	"github.com/anchore/syft/syft/format/syftjson"
	"github.com/anchore/syft/syft/sbom"
	"github.com/anchore/syft/syft/source"
	"github.com/anchore/syft/syft/source/directorysource"
	"github.com/anchore/syft/syft/source/stereoscopesource"

	"kubescape.io/kubescape/internal/version"
)

// SBOMFormats lists the SBOM formats an SBOM can be written in.
var SBOMFormats = []string{"spdx-json", "cyclonedx-json", "syft-json"}

// IsSBOMFormat says whether format is one of SBOMFormats.
func IsSBOMFormat(format string) bool { return slices.Contains(SBOMFormats, format) }

// EncodeSBOM writes the SBOM in one of SBOMFormats.
func EncodeSBOM(w io.Writer, s *sbom.SBOM, format string) error {
	var enc sbom.FormatEncoder
	var err error
	switch format {
	case "spdx-json":
		enc, err = spdxjson.NewFormatEncoderWithConfig(spdxjson.DefaultEncoderConfig())
	case "cyclonedx-json":
		enc, err = cyclonedxjson.NewFormatEncoderWithConfig(cyclonedxjson.DefaultEncoderConfig())
	case "syft-json":
		enc = syftjson.NewFormatEncoder()
	default:
		return fmt.Errorf("unknown SBOM format %q; known: spdx-json, cyclonedx-json, syft-json", format)
	}
	if err != nil {
		return fmt.Errorf("%s encoder: %w", format, err)
	}
	if err := enc.Encode(w, *s); err != nil {
		return fmt.Errorf("write %s SBOM: %w", format, err)
	}
	return nil
}

// decodeSBOM reads a syft JSON SBOM.
func decodeSBOM(b []byte) (*sbom.SBOM, error) {
	s, _, _, err := syftjson.NewFormatDecoder().Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decode SBOM: %w", err)
	}
	return s, nil
}

// sbomConfig is how images are cataloged. Nothing in it reaches the network:
// remote license and POM lookups are off (they are off by default; this
// keeps them off whatever the defaults become).
func sbomConfig() *syft.CreateSBOMConfig {
	cfg := syft.DefaultCreateSBOMConfig().WithTool("kubescape", version.Get().Version)
	pk := cfg.Packages
	pk.Golang = pk.Golang.WithSearchRemoteLicenses(false)
	pk.JavaArchive = pk.JavaArchive.WithUseNetwork(false)
	pk.JavaScript = pk.JavaScript.WithSearchRemoteLicenses(false)
	pk.Python = pk.Python.WithSearchRemoteLicenses(false)
	cfg = cfg.WithPackagesConfig(pk)
	// File digests are not needed to match vulnerabilities and cost a read of
	// every file a package owns.
	return cfg.WithFilesConfig(filecataloging.DefaultConfig().WithSelection(file.NoFilesSelection))
}

// licenses carries Syft's license scanner: building it costs about a
// CPU-second, so it is built once per process, on the first cataloging, and
// its values are lent to the context of every later one.
var licenses licenseContext

type licenseContext struct {
	once sync.Once
	ctx  context.Context
	err  error
}

func (l *licenseContext) with(ctx context.Context) (context.Context, error) {
	l.once.Do(func() {
		l.ctx, l.err = syft.SetContextLicenseScanner(context.WithoutCancel(ctx), cataloging.DefaultLicenseConfig())
	})
	if l.err != nil {
		return nil, fmt.Errorf("license scanner: %w", l.err)
	}
	return valuesFrom{Context: ctx, values: l.ctx}, nil
}

// valuesFrom is ctx (its deadline and cancellation) with the values of
// another context as a fallback.
type valuesFrom struct {
	context.Context
	values context.Context
}

func (v valuesFrom) Value(key any) any {
	if x := v.Context.Value(key); x != nil {
		return x
	}
	return v.values.Value(key)
}

// catalog builds the SBOM of a resolved image or directory.
func (s *Scanner) catalog(ctx context.Context, r *resolved) (*sbom.SBOM, error) {
	tmp := stfile.NewTempDirGenerator("kubescape-image")
	defer func() { _ = tmp.Cleanup() }() // best effort: leftover temporary files do not change the SBOM
	var src source.Source
	if r.img != nil {
		dir, err := tmp.NewDirectory("layers")
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", r.input, err)
		}
		var meta []stimage.AdditionalMetadata
		if r.tag != "" {
			meta = append(meta, stimage.WithTags(r.tag))
		}
		if r.repoDigest != "" {
			meta = append(meta, stimage.WithRepoDigests(r.repoDigest))
		}
		img := stimage.New(r.img, tmp, dir, meta...)
		if err := img.Read(ctx); err != nil {
			_ = img.Cleanup() // best effort: the read error is the one to report
			return nil, fmt.Errorf("%w: %s: read the image layers: %w (the image is corrupt or incomplete)", ErrUnreadable, r.input.Location, err)
		}
		defer func() { _ = img.Cleanup() }() // best effort: leftover layer files do not change the SBOM
		src = stereoscopesource.New(img, stereoscopesource.ImageConfig{Reference: r.input.Location})
	} else {
		var err error
		src, err = directorysource.NewFromPath(r.input.Location)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrUnreadable, r.input.Location, err)
		}
	}
	defer func() { _ = src.Close() }() // best effort: the source was only read
	cctx, err := licenses.with(ctx)
	if err != nil {
		return nil, err
	}
	out, err := syft.CreateSBOM(cctx, src, sbomConfig())
	if err != nil {
		return nil, fmt.Errorf("%w: catalog %s: %w", ErrUnreadable, r.input.Location, err)
	}
	return out, nil
}
