package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"kubescape.io/kubescape/internal/image"
	"kubescape.io/kubescape/internal/image/vulnreport"
	"kubescape.io/kubescape/internal/report"
	"kubescape.io/kubescape/internal/result"
	"kubescape.io/kubescape/library"
)

// includeImagesFormats are the report formats that can carry the images'
// vulnerabilities next to the configuration results.
var includeImagesFormats = []string{"pretty", "json", "sarif"}

// imageFlagNames are the flags of ImageFlags, which need --include-images.
var imageFlagNames = []string{"platform", "vex", "db-dir", "max-db-age", "offline", "sbom-cache-dir", "no-cache", "image-workers"}

// validateIncludeImages checks the options of scan --include-images; changed
// lists the flags the user set.
func (o *ScanOptions) validateIncludeImages(changed func(string) bool) error {
	if !o.IncludeImages {
		for _, name := range imageFlagNames {
			if changed(name) {
				return usageError("--%s applies to image scanning: add --include-images", name)
			}
		}
		return nil
	}
	for _, f := range o.Formats {
		if !slices.Contains(includeImagesFormats, f) {
			return usageError("--include-images reports images in the %s formats, not %q; scan the configuration with --format %s in a separate run",
				strings.Join(includeImagesFormats, ", "), f, f)
		}
	}
	if o.ImageWorkers < 1 {
		return usageError("--image-workers must be at least 1")
	}
	return o.validate()
}

// workloadImages is what --include-images gathers from the objects before
// the scan: the images and the credentials to pull them.
type workloadImages struct {
	image.WorkloadImages
	// dockerConfigs are the docker configs of the pull secrets found among
	// the scanned manifests.
	dockerConfigs [][]byte
}

func collectImages(read *input) *workloadImages {
	w := &workloadImages{WorkloadImages: image.CollectWorkloadImages(read.Objects)}
	if read.scope != library.ScopeCluster {
		w.dockerConfigs = image.ManifestPullSecrets(read.Objects, w.PullSecrets)
	}
	return w
}

// scanImages scans the images of the scanned workloads, deduplicated by
// digest, with the pull secrets of their pods.
func (o *ScanOptions) scanImages(ctx context.Context, w *workloadImages) (_ *vulnreport.Report, err error) {
	configs := w.dockerConfigs
	if o.restConfig != nil {
		configs = append(configs, o.clusterPullSecrets(ctx, w)...)
	}
	keychain, err := image.NewKeychain(configs...)
	if err != nil {
		// A pull secret whose docker config does not parse: say which kind
		// of problem, never its content.
		return nil, withCode(ExitError, fmt.Errorf("image pull secrets: %w", err))
	}
	opts, err := o.open(true, o.exceptions, o.now)
	if err != nil {
		return nil, err
	}
	opts.Keychain = keychain
	s, err := image.NewScanner(opts)
	if err != nil {
		_ = opts.DB.Close() // the database was only read; the scanner error is the one to report
		return nil, imageError(err)
	}
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = withCode(ExitError, fmt.Errorf("close the vulnerability database: %w", cerr))
		}
	}()
	bar := &progress{w: o.ErrOut, label: "scanning images", unit: "images"}
	bar.start()
	defer bar.finish()
	rep, err := s.ScanImages(ctx, w.Refs, image.ScanImagesOptions{
		Workers: o.ImageWorkers,
		Now:     o.now,
		Progress: func(p image.Progress) {
			bar.setTotal(p.Total)
			bar.set(p.Done)
		},
	})
	if err != nil {
		return nil, withCode(ExitError, fmt.Errorf("scan images: %w", err))
	}
	return rep, nil
}

// clusterPullSecrets reads the pull secrets the workloads name, directly or
// through their service accounts. A secret that cannot be read is reported
// by name (never content) and the scan goes on: public images need none.
func (o *ScanOptions) clusterPullSecrets(ctx context.Context, w *workloadImages) [][]byte {
	client, err := kubernetes.NewForConfig(rest.CopyConfig(o.restConfig))
	if err != nil {
		fmt.Fprintf(o.ErrOut, "warning: image pull secrets not read: %v\n", err)
		return nil
	}
	names := slices.Clone(w.PullSecrets)
	for _, sa := range w.ServiceAccounts {
		acc, err := client.CoreV1().ServiceAccounts(sa.Namespace).Get(ctx, sa.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			fmt.Fprintf(o.ErrOut, "warning: service account %s/%s not read (%s): its image pull secrets are not used\n", sa.Namespace, sa.Name, reasonOf(err))
			continue
		}
		for _, ref := range acc.ImagePullSecrets {
			n := image.Name{Namespace: sa.Namespace, Name: ref.Name}
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	var out [][]byte
	for _, n := range names {
		sec, err := client.CoreV1().Secrets(n.Namespace).Get(ctx, n.Name, metav1.GetOptions{})
		if err != nil {
			fmt.Fprintf(o.ErrOut, "warning: image pull secret %s/%s not read (%s): images that need it may not be readable\n", n.Namespace, n.Name, reasonOf(err))
			continue
		}
		if cfg := image.DockerConfigOf(string(sec.Type), sec.Data); cfg != nil {
			out = append(out, cfg)
		}
	}
	return out
}

// reasonOf names an API error by its reason (forbidden, not found, ...).
func reasonOf(err error) string {
	if r := apierrors.ReasonForError(err); r != metav1.StatusReasonUnknown {
		return strings.ToLower(string(r))
	}
	return err.Error()
}

// writeCombined writes one format of the configuration report with the
// images' vulnerabilities: pretty shows both, json carries the image report
// in its "images" field, and sarif holds a second run.
func writeCombined(w io.Writer, format string, rep *result.Report, images *vulnreport.Report, opts report.Options, showSuppressed bool) error {
	vopts := vulnreport.Options{Color: opts.Color, ShowSuppressed: showSuppressed}
	switch format {
	case "pretty":
		if err := report.Write(w, format, rep, opts); err != nil {
			return err
		}
		fmt.Fprintln(w)
		return vulnreport.Write(w, format, images, vopts)
	case "json":
		var buf bytes.Buffer
		if err := vulnreport.Write(&buf, "json", images, vopts); err != nil {
			return err
		}
		withImages := *rep
		withImages.Images = json.RawMessage(bytes.TrimSpace(buf.Bytes()))
		return report.Write(w, format, &withImages, opts)
	case "sarif":
		var cfg, img bytes.Buffer
		if err := report.Write(&cfg, format, rep, opts); err != nil {
			return err
		}
		if err := vulnreport.Write(&img, format, images, vopts); err != nil {
			return err
		}
		return mergeSARIF(w, cfg.Bytes(), img.Bytes())
	}
	return fmt.Errorf("format %s cannot carry image results", format)
}

// sarifLog is the top level of a SARIF log, runs kept as they are.
type sarifLog struct {
	Schema  string            `json:"$schema"`
	Version string            `json:"version"`
	Runs    []json.RawMessage `json:"runs"`
}

// mergeSARIF writes one SARIF log with the runs of both.
func mergeSARIF(w io.Writer, first, second []byte) error {
	var a, b sarifLog
	if err := json.Unmarshal(first, &a); err != nil {
		return fmt.Errorf("merge SARIF: %w", err)
	}
	if err := json.Unmarshal(second, &b); err != nil {
		return fmt.Errorf("merge SARIF: %w", err)
	}
	a.Runs = append(a.Runs, b.Runs...)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(a)
}
