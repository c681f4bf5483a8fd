package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"kubescape.io/kubescape/internal/exception"
	"kubescape.io/kubescape/internal/image"
	"kubescape.io/kubescape/internal/image/vulnreport"
	"kubescape.io/kubescape/internal/result"
	"kubescape.io/kubescape/internal/version"
)

// Environment variables that set the defaults of the image scanning flags.
const (
	envDBDir    = "KUBESCAPE_VULNDB_DIR"
	envDBURL    = "KUBESCAPE_VULNDB_URL"
	envCacheDir = "KUBESCAPE_SBOM_CACHE_DIR"
)

// ScanImageOptions are the options of the scan image command.
type ScanImageOptions struct {
	Formats           []string
	Output            string
	SeverityThreshold string
	ExceptionsFile    string
	Color             string
	ShowSuppressed    bool
	ImageFlags

	// Set by Complete.
	inputs     []image.Input
	exceptions *exception.Set
	threshold  vulnreport.Severity
	now        time.Time

	genericiooptions.IOStreams
}

// ImageFlags say how images are read and matched: platform, VEX documents,
// the vulnerability database and the SBOM cache. Both 'scan image' and
// 'scan --include-images' take them.
type ImageFlags struct {
	Platform string
	VEX      []string
	DBDir    string
	MaxDBAge string
	Offline  bool
	CacheDir string
	NoCache  bool

	maxAge time.Duration // set by complete
}

func defaultImageFlags() ImageFlags {
	return ImageFlags{
		DBDir:    envOr(envDBDir, image.DefaultDBDir()),
		CacheDir: envOr(envCacheDir, image.DefaultCacheDir()),
		MaxDBAge: "5d",
	}
}

// addFlags declares the flags; scope names a feature ("" for scan image,
// "--include-images" for scan) that the help text ties them to, and
// cacheFlag the name of the SBOM cache flag (scan has kubectl's --cache-dir).
func (o *ImageFlags) addFlags(f *pflag.FlagSet, scope, cacheFlag string) {
	if scope != "" {
		scope = " (with " + scope + ")"
	}
	f.StringVar(&o.Platform, "platform", "", "platform of a multi-platform image, os/arch[/variant] (default linux/<host arch>)"+scope)
	f.StringArrayVar(&o.VEX, "vex", nil, "OpenVEX or CSAF document whose not_affected and fixed statements suppress findings (repeatable)"+scope)
	f.StringVar(&o.DBDir, "db-dir", o.DBDir, "vulnerability database directory (env "+envDBDir+")"+scope)
	f.StringVar(&o.MaxDBAge, "max-db-age", o.MaxDBAge, "refuse a database built longer ago than this (e.g. 5d, 36h)"+scope)
	f.BoolVar(&o.Offline, "offline", false, "refuse any network access but to the image's registry (and its token service and blob redirects)"+scope)
	f.StringVar(&o.CacheDir, cacheFlag, o.CacheDir, "SBOM cache directory (env "+envCacheDir+")"+scope)
	f.BoolVar(&o.NoCache, "no-cache", false, "catalog every image, neither reading nor writing the SBOM cache"+scope)
}

func (o *ImageFlags) complete() error {
	var err error
	if o.maxAge, err = parseAge(o.MaxDBAge); err != nil {
		return usageError("--max-db-age %q: %w", o.MaxDBAge, err)
	}
	return nil
}

func (o *ImageFlags) validate() error {
	for _, v := range o.VEX {
		if _, err := os.Stat(v); err != nil {
			return usageError("--vex: %w", err)
		}
	}
	return nil
}

// open opens the database (unless withDB is false) and the cache and
// returns the scanner options; the caller closes opts.DB.
func (o *ImageFlags) open(withDB bool, exceptions *exception.Set, now time.Time) (image.Options, error) {
	opts := image.Options{
		Platform:     o.Platform,
		Offline:      o.Offline,
		VEXDocuments: o.VEX,
		Exceptions:   exceptions,
		Tool:         result.Tool{Name: "kubescape", Version: version.Get().Version},
	}
	if withDB {
		db, err := image.OpenDB(image.DBConfig{Dir: o.DBDir, MaxAge: o.maxAge}, now)
		if err != nil {
			return opts, withCode(ExitError, err)
		}
		opts.DB = db
	}
	if !o.NoCache {
		cache, err := image.OpenCache(o.CacheDir)
		if err != nil {
			_ = opts.DB.Close() // the database was only read; the cache error is the one to report
			return opts, withCode(ExitError, err)
		}
		opts.Cache = cache
	}
	return opts, nil
}

// NewScanImageOptions returns the default options.
func NewScanImageOptions(streams genericiooptions.IOStreams) *ScanImageOptions {
	return &ScanImageOptions{
		IOStreams:  streams,
		Formats:    []string{"pretty"},
		Color:      "auto",
		ImageFlags: defaultImageFlags(),
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// NewCmdScanImage builds the scan image command.
func NewCmdScanImage(streams genericiooptions.IOStreams) *cobra.Command {
	o := NewScanImageOptions(streams)
	cmd := &cobra.Command{
		Use:   "image IMAGE...",
		Short: "Scan container images for known vulnerabilities, offline",
		Long: `Scan container images for known vulnerabilities: catalog the packages of each
image into an SBOM (Syft), and match them against the local vulnerability
database (Grype, schema v6). Nothing is downloaded but the image itself: get
or refresh the database with 'kubectl kubescape vuln db update' or
'vuln db import FILE'.

IMAGE is a registry reference (nginx:1.27, registry.example.com/app@sha256:...),
an OCI layout directory, an OCI or docker archive (docker save), or a plain
directory (a root file system). A prefix registry:, oci-dir:, oci-archive:,
docker-archive: or dir: says which when the name is ambiguous. Registry
credentials come from the docker config ($DOCKER_CONFIG or ~/.docker/config.json)
and its credential helpers.

SBOMs are cached by image digest in --cache-dir: scanning the same image again
skips cataloging. With --format spdx-json, cyclonedx-json or syft-json the
SBOM itself is written, and no database is needed.

Exit codes: 0 no threshold breached, 1 --severity-threshold breached, 2 usage
error, 3 some images could not be read, 4 the scan could not run (no usable
vulnerability database).`,
		Example: `  # Scan an image from a registry
  kubectl kubescape scan image nginx:1.27

  # The arm64 image of a multi-platform index; fail CI on high or critical findings
  kubectl kubescape scan image registry.example.com/app:2.1 --platform linux/arm64 --severity-threshold high

  # Images saved to files, with accepted findings and a VEX document
  docker save app:dev -o app.tar
  kubectl kubescape scan image app.tar ./oci-layout --exceptions exceptions.yaml --vex app.openvex.json

  # Reports for CI: SARIF and CycloneDX (with VEX) files in a directory
  kubectl kubescape scan image app:2.1 --format sarif,cyclonedx --output reports/

  # Write the SBOM of an image as SPDX JSON
  kubectl kubescape scan image app:2.1 --format spdx-json -o app.spdx.json

  # Air-gapped: never contact anything but the image's registry
  kubectl kubescape scan image registry.internal/app:2.1 --offline`,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.Formats, "format", o.Formats, "report formats, comma separated: "+strings.Join(vulnreport.Formats(), ", ")+"; or one SBOM format: "+strings.Join(image.SBOMFormats, ", "))
	f.StringVarP(&o.Output, "output", "o", "", "write to this file (one format) or directory (several formats; report.<ext> each); default standard output")
	f.StringVar(&o.SeverityThreshold, "severity-threshold", "", "exit 1 when a finding of this severity or higher is not suppressed: negligible, low, medium, high, critical")
	f.StringVar(&o.ExceptionsFile, "exceptions", "", "exceptions file whose 'vulnerabilities' rules ignore findings (by ID, package, fix state, image)")
	f.StringVar(&o.Color, "color", o.Color, "colour the pretty report: auto (on a terminal), always, never")
	f.BoolVar(&o.ShowSuppressed, "show-suppressed", false, "list the findings that ignore rules or VEX statements suppressed, with the reason (pretty format)")
	o.addFlags(f, "", "cache-dir")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedValues(append(vulnreport.Formats(), image.SBOMFormats...)...))
	_ = cmd.RegisterFlagCompletionFunc("severity-threshold", fixedValues("negligible", "low", "medium", "high", "critical"))
	_ = cmd.RegisterFlagCompletionFunc("color", fixedValues("auto", "always", "never"))
	return cmd
}

// Complete parses the images and reads the files named by flags.
func (o *ScanImageOptions) Complete(args []string) error {
	o.now = time.Now()
	for _, a := range args {
		in, err := image.ParseInput(a)
		if err != nil {
			return usageError("%w", err)
		}
		o.inputs = append(o.inputs, in)
	}
	if err := o.complete(); err != nil {
		return err
	}
	var err error
	if o.SeverityThreshold != "" {
		sev, ok := vulnreport.ParseSeverity(o.SeverityThreshold)
		if !ok || sev == vulnreport.SeverityUnknown {
			return usageError("--severity-threshold %q: want negligible, low, medium, high or critical", o.SeverityThreshold)
		}
		o.threshold = sev
	}
	if o.ExceptionsFile != "" {
		if o.exceptions, err = exception.Load(o.ExceptionsFile, o.now); err != nil {
			return usageError("%w", err)
		}
	}
	return nil
}

// parseAge reads a duration, with d for days as well as Go's units.
func parseAge(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.ParseFloat(n, 64)
		if err != nil || d <= 0 {
			return 0, errors.New("want a positive number of days (5d) or a duration (36h)")
		}
		return time.Duration(d * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, errors.New("want a positive number of days (5d) or a duration (36h)")
	}
	return d, nil
}

// sbomFormat returns the SBOM format asked for, if any.
func (o *ScanImageOptions) sbomFormat() string {
	if len(o.Formats) == 1 && image.IsSBOMFormat(o.Formats[0]) {
		return o.Formats[0]
	}
	return ""
}

// Validate checks the options.
func (o *ScanImageOptions) Validate() error {
	if len(o.inputs) == 0 {
		return usageError("no image to scan: name a registry reference, an OCI layout directory, an image archive or a directory")
	}
	if len(o.Formats) == 0 {
		return usageError("--format is empty; known formats: %s", strings.Join(append(vulnreport.Formats(), image.SBOMFormats...), ", "))
	}
	for _, f := range o.Formats {
		if image.IsSBOMFormat(f) {
			if len(o.Formats) > 1 {
				return usageError("--format %s writes an SBOM and cannot be combined with other formats", f)
			}
			if len(o.inputs) > 1 {
				return usageError("--format %s writes the SBOM of one image; name one image", f)
			}
			continue
		}
		if !slices.Contains(vulnreport.Formats(), f) {
			return usageError("unknown format %q; known formats: %s", f, strings.Join(append(vulnreport.Formats(), image.SBOMFormats...), ", "))
		}
	}
	if len(o.Formats) > 1 && o.Output == "" {
		return usageError("several formats need --output DIR to write one file each")
	}
	if err := validateColor(o.Color); err != nil {
		return err
	}
	return o.validate()
}

// Run scans the images and writes the reports.
func (o *ScanImageOptions) Run(ctx context.Context) (err error) {
	opts, err := o.open(o.sbomFormat() == "", o.exceptions, o.now)
	if err != nil {
		return err
	}
	db := opts.DB
	if f := o.sbomFormat(); f != "" {
		return o.writeSBOM(ctx, opts, f)
	}
	s, err := image.NewScanner(opts)
	if err != nil {
		_ = db.Close() // the database was only read; the scanner error is the one to report
		return imageError(err)
	}
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = withCode(ExitError, fmt.Errorf("close the vulnerability database: %w", cerr))
		}
	}()
	rep := &vulnreport.Report{
		SchemaVersion: vulnreport.SchemaVersion,
		Tool:          opts.Tool,
		GeneratedAt:   o.now,
		DB:            db.Status.Info(),
		ExpiredRules:  o.exceptions.ExpiredVulnerabilityRules(),
	}
	for _, in := range o.inputs {
		img, err := s.Scan(ctx, in)
		if err != nil {
			if errors.Is(err, image.ErrBadInput) || ctx.Err() != nil {
				return imageError(err)
			}
			rep.Failed = append(rep.Failed, vulnreport.ImageError{Ref: in.Location, Error: err.Error()})
			continue
		}
		rep.Images = append(rep.Images, img)
	}
	if err := o.write(rep); err != nil {
		return withCode(ExitError, err)
	}
	for _, ex := range rep.ExpiredRules {
		fmt.Fprintf(o.ErrOut, "warning: vulnerability rule %q expired on %s and no longer applies\n", ex.Name, ex.Expires)
	}
	if o.threshold != "" {
		if n := rep.Breaches(o.threshold); n > 0 {
			return &exitError{code: ExitThreshold, err: fmt.Errorf("%d finding(s) of severity %s or higher", n, o.threshold)}
		}
	}
	if len(rep.Failed) > 0 {
		return &exitError{code: ExitUnreadable, err: fmt.Errorf("%d image(s) could not be scanned; the report lists them", len(rep.Failed))}
	}
	return nil
}

// imageError gives an image scanning error its exit code.
func imageError(err error) error {
	switch {
	case errors.Is(err, image.ErrBadInput):
		return usageError("%w", err)
	case errors.Is(err, image.ErrUnreadable):
		return withCode(ExitUnreadable, err)
	}
	return withCode(ExitError, err)
}

func (o *ScanImageOptions) writeSBOM(ctx context.Context, opts image.Options, format string) error {
	s, err := image.NewScanner(opts)
	if err != nil {
		return imageError(err)
	}
	sb, err := s.BuildSBOM(ctx, o.inputs[0])
	if err != nil {
		return imageError(err)
	}
	return o.toOutput(func(w io.Writer) error { return image.EncodeSBOM(w, sb.SBOM, format) })
}

// toOutput writes to --output, or standard output.
func (o *ScanImageOptions) toOutput(write func(io.Writer) error) error {
	if o.Output == "" {
		if err := write(o.Out); err != nil {
			return withCode(ExitError, err)
		}
		return nil
	}
	if err := writeTo(o.Output, write); err != nil {
		return withCode(ExitError, err)
	}
	return nil
}

func (o *ScanImageOptions) write(rep *vulnreport.Report) error {
	return writeReports(o.Out, o.Output, o.Color, o.Formats, vulnreport.Extension, func(w io.Writer, format string, color bool) error {
		return vulnreport.Write(w, format, rep, vulnreport.Options{Color: color, ShowSuppressed: o.ShowSuppressed})
	})
}
