package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"kubescape.io/kubescape/internal/cluster"
	"kubescape.io/kubescape/internal/engine"
	"kubescape.io/kubescape/internal/exception"
	"kubescape.io/kubescape/internal/image/vulnreport"
	"kubescape.io/kubescape/internal/report"
	"kubescape.io/kubescape/internal/result"
	"kubescape.io/kubescape/internal/scan"
	"kubescape.io/kubescape/internal/source"
	"kubescape.io/kubescape/internal/version"
	"kubescape.io/kubescape/library"
)

// ScanOptions are the options of the scan command.
type ScanOptions struct {
	Formats             []string
	Output              string
	ExceptionsFile      string
	ControlsConfigFile  string
	ComplianceThreshold float64
	SeverityThreshold   string
	Verbose             bool
	Color               string
	HelmValues          []string
	HelmSet             []string
	ReleaseName         string
	ReleaseNamespace    string
	MaxFileSize         int64

	// Cluster scans (no PATH).
	ConfigFlags       *genericclioptions.ConfigFlags
	IncludeNamespaces []string
	ExcludeNamespaces []string
	IncludeKinds      []string
	Selector          string
	Timeout           time.Duration

	// Images of the scanned workloads (--include-images).
	IncludeImages bool
	ImageWorkers  int
	ImageFlags

	// Set by Complete.
	frameworks []string
	controlIDs []string
	targets    []string
	lib        *library.Library
	controls   []*library.Control
	inputs     map[string]any
	exceptions *exception.Set
	now        time.Time
	// changed reports whether the user set a flag (set by the command).
	changed func(name string) bool
	// restConfig reaches the cluster of a cluster scan (set by Run).
	restConfig *rest.Config

	genericiooptions.IOStreams
}

// NewScanOptions returns the default options.
func NewScanOptions(streams genericiooptions.IOStreams) *ScanOptions {
	return &ScanOptions{
		IOStreams:        streams,
		Formats:          []string{"pretty"},
		Color:            "auto",
		ReleaseName:      "release",
		ReleaseNamespace: "default",
		MaxFileSize:      20 << 20,
		ConfigFlags:      newConfigFlags(),
		Timeout:          10 * time.Minute,
		ImageWorkers:     2,
		ImageFlags:       defaultImageFlags(),
		changed:          func(string) bool { return false },
	}
}

// newConfigFlags are kubectl's connection flags, but for --namespace:
// cluster scans choose namespaces with --include-namespaces.
func newConfigFlags() *genericclioptions.ConfigFlags {
	f := genericclioptions.NewConfigFlags(true)
	f.Namespace = nil
	return f
}

// NewCmdScan builds the scan command.
func NewCmdScan(streams genericiooptions.IOStreams) *cobra.Command {
	o := NewScanOptions(streams)
	cmd := &cobra.Command{
		Use:   "scan [framework NAMES | control IDS] [PATH... | -]",
		Short: "Scan a cluster, manifests, Helm charts and Kustomize directories against security controls",
		Long: `Scan Kubernetes manifests (YAML, JSON, kind: List), Helm charts and Kustomize
directories against the controls of the library, or of the named frameworks or
controls. PATH is a file, a directory (read recursively), a glob, or - for
standard input. A directory holding Chart.yaml is rendered as a Helm chart, one
holding kustomization.yaml is built with Kustomize.

With no PATH, scan the current cluster of the kubeconfig (or --kubeconfig,
--context): the kinds the controls read are listed page by page; RBAC objects,
NetworkPolicies and Services are read from the whole cluster for the relational
controls, whatever the namespaces, kinds and labels selected for evaluation.
Objects run by a scanned pod controller (the ReplicaSets of a Deployment, its
Pods) are evaluated through their controller. Kinds the user may not list are
reported as not scanned, and the scan goes on.

With --include-images, the images the scanned workloads run are scanned for
known vulnerabilities too (as 'scan image' does, against the local database;
see 'vuln db'): each image once per digest, the digest taken from the status
of the cluster's Pods when it is known, with the pods' image pull secrets
(named in the pod spec or by its service account) as credentials. The pretty
report adds an image section, json an "images" field and sarif a second run;
--severity-threshold applies to vulnerabilities as well.

Exit codes: 0 no threshold breached, 1 a threshold breached, 2 usage error,
3 some inputs (or images) could not be read, 4 the scan could not run.`,
		Example: `  # Every control, on a directory of manifests
  kubectl kubescape scan ./deploy

  # The current cluster, then the NSA framework on two namespaces of another context
  kubectl kubescape scan
  kubectl kubescape scan framework nsa --context prod --include-namespaces shop,payments

  # Deployments labelled team=web, outside kube-system, as JSON
  kubectl kubescape scan --include-kinds deployments -l team=web --exclude-namespaces kube-system --format json

  # The NSA framework, on one file and standard input
  cat app.yaml | kubectl kubescape scan framework nsa - ./more.yaml

  # Two controls, on a Helm chart with values
  kubectl kubescape scan control C-0057,C-0016 ./charts/web --values prod.yaml --set replicas=3

  # Reports for CI: SARIF and JUnit files in a directory; exit 1 below 80% or on a high severity failure
  kubectl kubescape scan ./deploy --format sarif,junit --output reports/ \
      --compliance-threshold 80 --severity-threshold high

  # The cluster and the images its workloads run; fail on critical findings of either
  kubectl kubescape scan --include-images --severity-threshold critical

  # Accept known failures, and tune the controls' inputs
  kubectl kubescape scan ./deploy --exceptions exceptions.yaml --controls-config controls.yaml`,
		RunE: func(c *cobra.Command, args []string) error {
			o.changed = c.Flags().Changed
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
	f.StringSliceVar(&o.Formats, "format", o.Formats, "report formats, comma separated: "+strings.Join(report.Formats(), ", ")+"; with --include-images: "+strings.Join(includeImagesFormats, ", "))
	f.StringVarP(&o.Output, "output", "o", "", "write the report to this file (one format) or directory (several formats; report.<ext> each); default standard output")
	f.StringVar(&o.ExceptionsFile, "exceptions", "", "exceptions file (YAML or JSON) of accepted failures")
	f.StringVar(&o.ControlsConfigFile, "controls-config", "", "file (YAML or JSON) overriding the controls' inputs, by name")
	f.Float64Var(&o.ComplianceThreshold, "compliance-threshold", 0, "exit 1 when the overall compliance score (0-100) is below this")
	f.StringVar(&o.SeverityThreshold, "severity-threshold", "", "exit 1 when a control of this severity or higher fails: low, medium, high, critical")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "list every resource and its result for each control")
	f.StringVar(&o.Color, "color", o.Color, "colour the pretty report: auto (on a terminal), always, never")
	f.StringArrayVar(&o.HelmValues, "values", nil, "Helm values file (repeatable)")
	f.StringArrayVar(&o.HelmSet, "set", nil, "Helm value as key=value (repeatable)")
	f.StringVar(&o.ReleaseName, "release-name", o.ReleaseName, "Helm release name")
	f.StringVar(&o.ReleaseNamespace, "release-namespace", o.ReleaseNamespace, "Helm release namespace")
	f.Int64Var(&o.MaxFileSize, "max-file-size", o.MaxFileSize, "skip files larger than this many bytes")
	f.StringSliceVar(&o.IncludeNamespaces, "include-namespaces", nil, "cluster scan: evaluate only objects in these namespaces (comma separated)")
	f.StringSliceVar(&o.ExcludeNamespaces, "exclude-namespaces", nil, "cluster scan: do not evaluate objects in these namespaces (comma separated)")
	f.StringSliceVar(&o.IncludeKinds, "include-kinds", nil, "cluster scan: evaluate only these kinds or resources, e.g. Deployment,pods,roles.rbac.authorization.k8s.io")
	f.StringVarP(&o.Selector, "selector", "l", "", "cluster scan: evaluate only objects matching this label selector, e.g. app=web,tier!=db")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "cluster scan: give up listing the cluster after this long (0: no limit)")
	f.BoolVar(&o.IncludeImages, "include-images", false, "also scan the images the scanned workloads run for known vulnerabilities (offline database; see 'vuln db')")
	f.IntVar(&o.ImageWorkers, "image-workers", o.ImageWorkers, "images read and scanned at once (with --include-images)")
	o.addFlags(f, "--include-images", "sbom-cache-dir")
	o.ConfigFlags.AddFlags(f)
	cmd.ValidArgsFunction = completeScanArgs
	_ = cmd.RegisterFlagCompletionFunc("format", fixedValues(report.Formats()...))
	_ = cmd.RegisterFlagCompletionFunc("severity-threshold", fixedValues("low", "medium", "high", "critical"))
	_ = cmd.RegisterFlagCompletionFunc("color", fixedValues("auto", "always", "never"))
	cmd.AddCommand(NewCmdScanImage(streams))
	return cmd
}

// Complete splits the arguments into the control selection and the targets,
// and loads the library and the files named by flags.
func (o *ScanOptions) Complete(args []string) error {
	o.now = time.Now()
	if len(args) >= 2 && (args[0] == "framework" || args[0] == "control") {
		names := splitList(args[1])
		if args[0] == "framework" {
			o.frameworks = names
		} else {
			o.controlIDs = names
		}
		args = args[2:]
	}
	o.targets = args
	lib, err := library.Load()
	if err != nil {
		return withCode(ExitError, err)
	}
	o.lib = lib
	if o.controls, err = lib.Select(o.frameworks, o.controlIDs); err != nil {
		return usageError("%w", err)
	}
	if o.ControlsConfigFile != "" {
		b, err := os.ReadFile(o.ControlsConfigFile)
		if err != nil {
			return usageError("read controls config: %w", err)
		}
		if err := yaml.Unmarshal(b, &o.inputs); err != nil {
			return usageError("controls config %s: %w", o.ControlsConfigFile, err)
		}
	}
	if o.ExceptionsFile != "" {
		if o.exceptions, err = exception.Load(o.ExceptionsFile, o.now); err != nil {
			return usageError("%w", err)
		}
	}
	if o.IncludeImages {
		return o.complete()
	}
	return nil
}

// Validate checks the options.
func (o *ScanOptions) Validate() error {
	if err := o.validateIncludeImages(o.changed); err != nil {
		return err
	}
	if len(o.targets) > 0 {
		for flag, set := range map[string]bool{
			"--include-namespaces": len(o.IncludeNamespaces) > 0, "--exclude-namespaces": len(o.ExcludeNamespaces) > 0,
			"--include-kinds": len(o.IncludeKinds) > 0, "--selector": o.Selector != "",
		} {
			if set {
				return usageError("%s applies to cluster scans only: drop the paths to scan the cluster", flag)
			}
		}
	}
	if o.Timeout < 0 {
		return usageError("--timeout must not be negative")
	}
	if _, err := labels.Parse(o.Selector); err != nil {
		return usageError("--selector: label selector %q: %w", o.Selector, err)
	}
	stdin := 0
	for _, t := range o.targets {
		if t == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usageError("standard input (-) can be named only once")
	}
	if len(o.Formats) == 0 {
		return usageError("--format is empty; known formats: %s", strings.Join(report.Formats(), ", "))
	}
	known := map[string]bool{}
	for _, f := range report.Formats() {
		known[f] = true
	}
	for _, f := range o.Formats {
		if !known[f] {
			return usageError("unknown format %q; known formats: %s", f, strings.Join(report.Formats(), ", "))
		}
	}
	if len(o.Formats) > 1 && o.Output == "" {
		return usageError("several formats need --output DIR to write one file each")
	}
	if o.ComplianceThreshold < 0 || o.ComplianceThreshold > 100 {
		return usageError("--compliance-threshold %v: want 0 to 100", o.ComplianceThreshold)
	}
	if o.SeverityThreshold != "" && result.Severity(strings.ToLower(o.SeverityThreshold)).Rank() == 0 {
		return usageError("--severity-threshold %q: want low, medium, high or critical", o.SeverityThreshold)
	}
	if err := validateColor(o.Color); err != nil {
		return err
	}
	if o.MaxFileSize <= 0 {
		return usageError("--max-file-size must be positive")
	}
	return nil
}

// Run reads the inputs, scans them and writes the reports.
func (o *ScanOptions) Run(ctx context.Context) error {
	// A file scan compiles the library, and plans the kinds it meets, while
	// it reads. A cluster scan, which has time to spare and a lower memory
	// limit, lists first and compiles after, so that the garbage of
	// compiling does not pile on top of the lists.
	var eng *engineBuild
	var seen func(kind string)
	if len(o.targets) > 0 {
		eng = o.prepareEngine(ctx)
		seen = eng.seen
	} else {
		clusterScanMemory()
	}
	read, err := o.read(ctx, seen)
	if eng != nil {
		eng.readDone()
	}
	if err != nil {
		return err
	}
	if eng == nil {
		eng = o.prepareEngine(ctx)
		eng.readDone()
	}
	compiled, err := eng.wait()
	if err != nil {
		return withCode(ExitUsage, err)
	}
	evaluated := 0
	for i := range read.Objects {
		if !read.Objects[i].ContextOnly {
			evaluated++
		}
	}
	var images *workloadImages
	if o.IncludeImages {
		images = collectImages(read) // before the scan masks secret values
	}
	progress := newProgress(o.ErrOut, evaluated)
	rep, err := scan.Run(ctx, o.lib, read.Objects, scan.Options{
		Controls:   o.controls,
		Frameworks: o.frameworks,
		Inputs:     o.inputs,
		Exceptions: o.exceptions,
		Scope:      read.scope,
		Targets:    read.targets,
		Problems:   read.Problems,
		Tool:       result.Tool{Name: "kubescape", Version: version.Get().Version},
		Now:        o.now,
		Progress:   progress.step,
		Engine:     compiled,
	})
	progress.finish()
	if err != nil {
		return withCode(ExitUsage, err)
	}
	var vulns *vulnreport.Report
	if images != nil {
		if vulns, err = o.scanImages(ctx, images); err != nil {
			return err
		}
	}
	if err := o.write(rep, vulns); err != nil {
		return withCode(ExitError, err)
	}
	for _, ex := range rep.ExpiredExceptions {
		fmt.Fprintf(o.ErrOut, "warning: exception %q expired on %s and no longer applies\n", ex.Name, ex.Expires)
	}
	th := scan.Thresholds{Compliance: o.ComplianceThreshold, Severity: result.Severity(strings.ToLower(o.SeverityThreshold))}
	breaches := th.Breaches(rep)
	if vulns != nil && o.SeverityThreshold != "" {
		sev, _ := vulnreport.ParseSeverity(o.SeverityThreshold)
		if n := vulns.Breaches(sev); n > 0 {
			breaches = append(breaches, fmt.Sprintf("%d image vulnerabilit(ies) of severity %s or higher", n, sev))
		}
	}
	if len(breaches) > 0 {
		return &exitError{code: ExitThreshold, err: errors.New(strings.Join(breaches, "; "))}
	}
	unreadable := 0
	for _, p := range rep.Unreadable {
		if !p.Skipped {
			unreadable++
		}
	}
	if unreadable > 0 {
		return &exitError{code: ExitUnreadable, err: fmt.Errorf("%d input(s) could not be read; the report lists them", unreadable)}
	}
	if vulns != nil && len(vulns.Failed) > 0 {
		return &exitError{code: ExitUnreadable, err: fmt.Errorf("%d image(s) could not be scanned; the report lists them", len(vulns.Failed))}
	}
	return nil
}

// input is what a scan reads: objects and the problems met reading them.
type input struct {
	source.Result
	scope   string
	targets []string
}

func (o *ScanOptions) read(ctx context.Context, seen func(kind string)) (*input, error) {
	if len(o.targets) == 0 {
		return o.readCluster(ctx)
	}
	read, err := source.Read(ctx, o.targets, source.Options{
		Stdin:            o.In,
		HelmValues:       o.HelmValues,
		HelmSet:          o.HelmSet,
		ReleaseName:      o.ReleaseName,
		ReleaseNamespace: o.ReleaseNamespace,
		MaxFileSize:      o.MaxFileSize,
		Seen:             seen,
		Compact:          true,
	})
	if err != nil {
		if errors.Is(err, source.ErrNotFound) {
			return nil, usageError("%w", err)
		}
		return nil, withCode(ExitError, err)
	}
	return &input{Result: *read, scope: library.ScopeFile, targets: o.targets}, nil
}

// readCluster lists the current cluster's objects of the kinds the selected
// controls read.
func (o *ScanOptions) readCluster(ctx context.Context) (*input, error) {
	raw, err := o.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return nil, usageError("read the kubeconfig: %w", err)
	}
	server := o.ConfigFlags.APIServer != nil && *o.ConfigFlags.APIServer != ""
	if len(raw.Clusters) == 0 && !server && os.Getenv("KUBERNETES_SERVICE_HOST") == "" {
		return nil, usageError("nothing to scan: name files, directories, globs, Helm charts or Kustomize directories, or - for standard input; " +
			"or configure a cluster (kubeconfig, KUBECONFIG, --kubeconfig) to scan it")
	}
	cfg, err := o.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, usageError("cluster configuration: %w", err)
	}
	o.restConfig = cfg
	target := cfg.Host
	name := raw.CurrentContext
	if o.ConfigFlags.Context != nil && *o.ConfigFlags.Context != "" {
		name = *o.ConfigFlags.Context
	}
	if name != "" && len(raw.Clusters) > 0 {
		target = name + " (" + cfg.Host + ")"
	}
	var kinds, related []string
	for _, c := range o.controls {
		if c.Requires == "" && c.HasScope(library.ScopeCluster) {
			kinds = append(kinds, c.Kinds...)
			related = append(related, c.Related...)
		}
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	counter := newCounter(o.ErrOut, "listing "+target)
	read, err := cluster.Read(ctx, cluster.Options{
		Config:            cfg,
		Kinds:             kinds,
		Related:           related,
		IncludeNamespaces: o.IncludeNamespaces,
		ExcludeNamespaces: o.ExcludeNamespaces,
		IncludeKinds:      o.IncludeKinds,
		Selector:          o.Selector,
		Listed:            counter.set,
	})
	counter.finish()
	if err != nil {
		return nil, withCode(ExitError, err)
	}
	return &input{
		Result:  source.Result{Objects: read.Objects, Problems: read.Problems},
		scope:   library.ScopeCluster,
		targets: []string{"cluster " + target + " " + read.Version},
	}, nil
}

func (o *ScanOptions) write(rep *result.Report, images *vulnreport.Report) error {
	return writeReports(o.Out, o.Output, o.Color, o.Formats, report.Extension, func(w io.Writer, format string, color bool) error {
		opts := report.Options{Verbose: o.Verbose, Color: color}
		if images != nil {
			return writeCombined(w, format, rep, images, opts, false)
		}
		return report.Write(w, format, rep, opts)
	})
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// progress draws a progress bar on a terminal, and nothing elsewhere.
// progress shows, on a terminal only, a bar of the objects evaluated out of
// total, or (total zero) a count of the objects listed so far.
type progress struct {
	w     io.Writer
	total atomic.Int64
	label string
	unit  string // what is counted: objects unless set
	done  atomic.Int64
	stop  chan struct{}
	ended chan struct{}
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w}
	p.total.Store(int64(total))
	if total > 0 {
		p.start()
	}
	return p
}

func newCounter(w io.Writer, label string) *progress {
	p := &progress{w: w, label: label}
	p.start()
	return p
}

func (p *progress) start() {
	if !isTerminal(p.w) {
		return
	}
	p.stop, p.ended = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.ended)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				fmt.Fprint(p.w, "\r\033[K")
				return
			case <-tick.C:
				p.draw()
			}
		}
	}()
}

func (p *progress) step()          { p.done.Add(1) }
func (p *progress) set(n int)      { p.done.Store(int64(n)) }
func (p *progress) setTotal(n int) { p.total.Store(int64(n)) }

func (p *progress) draw() {
	done, total := p.done.Load(), p.total.Load()
	unit := p.unit
	if unit == "" {
		unit = "objects"
	}
	if total == 0 {
		if p.label != "" {
			fmt.Fprintf(p.w, "\r%s: %d %s", p.label, done, unit)
		}
		return
	}
	const width = 30
	filled := int(min(done, total) * width / total)
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, unit)
}

func (p *progress) finish() {
	if p.stop != nil {
		close(p.stop)
		<-p.ended
	}
}

// engineBuild compiles the library for a scan while its inputs are read,
// and plans the query of each kind as soon as an object of it is read: the
// compilation (about 0.4 s) and the plans (0.3 s for the kinds of a
// typical corpus) would otherwise run before evaluation, on one core.
type engineBuild struct {
	done  chan struct{}
	eng   *engine.Engine
	err   error
	kinds chan string
	seen  func(kind string)
}

// kindsBuffered bounds the kinds waiting to be planned; when it is full, a
// kind is planned when first evaluated instead.
const kindsBuffered = 256

func (o *ScanOptions) prepareEngine(ctx context.Context) *engineBuild {
	b := &engineBuild{done: make(chan struct{}), kinds: make(chan string, kindsBuffered)}
	var known sync.Map
	b.seen = func(kind string) {
		if _, dup := known.LoadOrStore(kind, true); dup {
			return
		}
		select {
		case b.kinds <- kind:
		default:
		}
	}
	go func() {
		b.eng, b.err = engine.New(o.lib, o.controls, o.inputs)
		close(b.done)
		for kind := range b.kinds {
			if b.err != nil || ctx.Err() != nil {
				continue
			}
			// A kind the planner refuses is evaluated by OPA's evaluator,
			// and its error reported then.
			_ = b.eng.Prepare(ctx, kind)
		}
	}()
	return b
}

// readDone says no more kinds will be seen.
func (b *engineBuild) readDone() { close(b.kinds) }

// wait returns the compiled engine; plans may still be in the making.
func (b *engineBuild) wait() (*engine.Engine, error) {
	<-b.done
	return b.eng, b.err
}
