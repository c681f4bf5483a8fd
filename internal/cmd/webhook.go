package cmd

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"kubescape.io/kubescape/internal/engine"
	"kubescape.io/kubescape/internal/exception"
	"kubescape.io/kubescape/internal/scan"
	"kubescape.io/kubescape/library"
	"kubescape.io/kubescape/webhook"
	"kubescape.io/kubescape/webhook/certs"
	"kubescape.io/kubescape/webhook/install"
	"kubescape.io/kubescape/webhook/inventory"
	"kubescape.io/kubescape/webhook/policy"
)

// NewCmdWebhook builds the webhook command and its serve, install and
// uninstall subcommands.
func NewCmdWebhook(streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Run, install or remove the admission webhook that enforces the controls on kubectl apply",
		Long: `The admission webhook evaluates every object the API server is asked to
create or update, for the kinds the admission controls read, with the same
controls as 'kubectl kubescape scan'. A policy file says which failing controls
deny the request, which only warn (kubectl prints "Warning: ...") and which only
annotate the audit log; namespaces and labels can be exempt, and the
exceptions file of scans applies.

'webhook install' registers it (a private CA and serving certificate in a
Secret, the ValidatingWebhookConfiguration, least-privileged RBAC, and the
Deployment and Service that run 'webhook serve' in the cluster), or registers a
server you run yourself with --url. 'webhook uninstall' removes it all.`,
		Example: `  # Run the webhook in the cluster, denying on high and critical controls
  kubectl kubescape webhook install --image registry.example.com/kubescape:v1.0.0

  # With a policy, and failing closed when the webhook does not answer
  kubectl kubescape webhook install --image registry.example.com/kubescape:v1.0.0 \
      --policy webhook-policy.yaml --failure-policy Fail

  # Remove it
  kubectl kubescape webhook uninstall`,
	}
	cmd.AddCommand(newCmdWebhookServe(streams), newCmdWebhookInstall(streams), newCmdWebhookUninstall(streams))
	return cmd
}

// WebhookServeOptions are the options of webhook serve.
type WebhookServeOptions struct {
	ListenAddress      string
	MetricsAddress     string
	TLSCertFile        string
	TLSKeyFile         string
	TLSSecret          string
	WebhookConfig      string
	RotateCerts        bool
	PolicyFile         string
	ExceptionsFile     string
	ControlsConfigFile string
	MaxRequestBytes    int64
	Debounce           time.Duration
	ShutdownGrace      time.Duration
	CertCheckInterval  time.Duration
	FileCheckInterval  time.Duration
	LogLevel           string
	LogFormat          string
	ConfigFlags        *genericclioptions.ConfigFlags

	// Set by Complete.
	namespace  string
	lib        *library.Library
	policy     *policy.Policy
	inputs     map[string]any
	exceptions *exception.Set
	log        *slog.Logger

	genericiooptions.IOStreams
}

func newCmdWebhookServe(streams genericiooptions.IOStreams) *cobra.Command {
	o := &WebhookServeOptions{
		IOStreams:         streams,
		ListenAddress:     ":8443",
		MetricsAddress:    ":9090",
		RotateCerts:       true,
		MaxRequestBytes:   webhook.DefaultMaxRequestBytes,
		Debounce:          time.Second,
		ShutdownGrace:     10 * time.Second,
		CertCheckInterval: time.Hour,
		FileCheckInterval: 10 * time.Second,
		LogLevel:          "info",
		LogFormat:         "json",
		ConfigFlags:       genericclioptions.NewConfigFlags(true),
	}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the admission webhook over HTTPS (in the cluster, or as a local process registered with install --url)",
		Long: `Serve AdmissionReview (admission.k8s.io/v1) requests on --listen-address over
HTTPS at /validate, with /healthz and /readyz; Prometheus metrics, /healthz and
/readyz over HTTP on --metrics-address. Logs are JSON lines on standard error,
one per decision, without object contents or secret values.

The serving certificate comes from --tls-cert-file and --tls-key-file (re-read
when they change) or from the Secret named by --tls-secret in --namespace, as
'webhook install' creates it: the server watches the Secret, renews the CA and
the certificate before they expire (publishing a renewed CA in the caBundle of
--webhook-configuration first), and serves a renewed certificate from the next
connection on, without a restart.

Relational controls read related objects (Roles, ClusterRoles, ...) from
informer caches of the cluster of the kubeconfig (in a Pod, its ServiceAccount);
the server is ready once they are synced. The exceptions file is re-read when
it changes; a policy or controls configuration change needs a restart.`,
		Example: `  # In a Pod, as 'webhook install' runs it
  kubectl kubescape webhook serve --namespace kubescape --tls-secret kubescape-webhook-tls \
      --webhook-configuration kubescape-webhook --policy /etc/kubescape-webhook/policy.yaml

  # On a workstation, registered with 'webhook install --url https://192.168.1.20:8443/validate'
  kubectl kubescape webhook serve --namespace kubescape --tls-secret kubescape-webhook-tls

  # With certificate files (cert-manager, or your own CA), on another port, with debug logs
  kubectl kubescape webhook serve --tls-cert-file tls.crt --tls-key-file tls.key \
      --listen-address 127.0.0.1:9443 --metrics-address 127.0.0.1:9091 --log-level debug`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.ListenAddress, "listen-address", o.ListenAddress, "HTTPS address of the admission endpoint (/validate), /healthz and /readyz")
	f.StringVar(&o.MetricsAddress, "metrics-address", o.MetricsAddress, "HTTP address of /metrics, /healthz and /readyz; empty to disable")
	f.StringVar(&o.TLSCertFile, "tls-cert-file", "", "PEM serving certificate (chain), re-read when it changes")
	f.StringVar(&o.TLSKeyFile, "tls-key-file", "", "PEM private key of --tls-cert-file")
	f.StringVar(&o.TLSSecret, "tls-secret", "", "Secret in --namespace holding the CA and serving certificate (as webhook install creates it)")
	f.StringVar(&o.WebhookConfig, "webhook-configuration", "", "ValidatingWebhookConfiguration whose caBundle follows a renewed CA (with --tls-secret)")
	f.BoolVar(&o.RotateCerts, "rotate-certificates", o.RotateCerts, "renew the CA and certificate of --tls-secret before they expire")
	f.StringVar(&o.PolicyFile, "policy", "", "webhook policy file (YAML); default: high and critical controls deny, medium warn, low audit")
	f.StringVar(&o.ExceptionsFile, "exceptions", "", "exceptions file (as for scan), re-read when it changes")
	f.StringVar(&o.ControlsConfigFile, "controls-config", "", "file (YAML or JSON) overriding the controls' inputs, by name")
	f.Int64Var(&o.MaxRequestBytes, "max-request-bytes", o.MaxRequestBytes, "largest AdmissionReview body accepted")
	f.DurationVar(&o.Debounce, "inventory-debounce", o.Debounce, "least time between two rebuilds of the related objects' index after changes")
	f.DurationVar(&o.ShutdownGrace, "shutdown-grace", o.ShutdownGrace, "time in-flight requests get to finish on SIGTERM")
	f.DurationVar(&o.CertCheckInterval, "certificate-check-interval", o.CertCheckInterval, "how often --tls-secret is checked for renewal")
	f.DurationVar(&o.FileCheckInterval, "file-check-interval", o.FileCheckInterval, "how often certificate and exceptions files are checked for changes")
	f.StringVar(&o.LogLevel, "log-level", o.LogLevel, "debug (every decision), info (denials and warnings), warn or error")
	f.StringVar(&o.LogFormat, "log-format", o.LogFormat, "json or text")
	o.ConfigFlags.AddFlags(f)
	return cmd
}

// Complete loads the library, the policy and the files named by flags.
func (o *WebhookServeOptions) Complete() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.LogLevel)); err != nil {
		return usageError("--log-level %q: want debug, info, warn or error", o.LogLevel)
	}
	hopts := &slog.HandlerOptions{Level: level}
	switch o.LogFormat {
	case "json":
		o.log = slog.New(slog.NewJSONHandler(o.ErrOut, hopts))
	case "text":
		o.log = slog.New(slog.NewTextHandler(o.ErrOut, hopts))
	default:
		return usageError("--log-format %q: want json or text", o.LogFormat)
	}
	ns, _, err := o.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil || ns == "" {
		ns = install.DefaultNamespace
	}
	if o.ConfigFlags.Namespace != nil && *o.ConfigFlags.Namespace != "" {
		ns = *o.ConfigFlags.Namespace
	}
	o.namespace = ns
	if o.lib, err = library.Load(); err != nil {
		return withCode(ExitError, err)
	}
	if o.policy, err = policy.Load(o.lib, o.PolicyFile, o.namespace); err != nil {
		return usageError("%w", err)
	}
	if o.inputs, err = readControlsConfig(o.ControlsConfigFile); err != nil {
		return err
	}
	if o.ExceptionsFile != "" {
		if o.exceptions, err = exception.Load(o.ExceptionsFile, time.Now()); err != nil {
			return usageError("%w", err)
		}
	}
	return nil
}

func readControlsConfig(file string) (map[string]any, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, usageError("read controls config: %w", err)
	}
	var inputs map[string]any
	if err := yaml.Unmarshal(b, &inputs); err != nil {
		return nil, usageError("controls config %s: %w", file, err)
	}
	return inputs, nil
}

// Validate checks the flags.
func (o *WebhookServeOptions) Validate() error {
	files := o.TLSCertFile != "" || o.TLSKeyFile != ""
	switch {
	case files && o.TLSSecret != "":
		return usageError("--tls-secret and --tls-cert-file/--tls-key-file exclude each other: take the certificate from one place")
	case files && (o.TLSCertFile == "" || o.TLSKeyFile == ""):
		return usageError("--tls-cert-file and --tls-key-file go together")
	case !files && o.TLSSecret == "":
		return usageError("no serving certificate: give --tls-secret (as created by 'kubectl kubescape webhook install') or --tls-cert-file and --tls-key-file")
	case o.WebhookConfig != "" && o.TLSSecret == "":
		return usageError("--webhook-configuration needs --tls-secret: it publishes the Secret's renewed CA")
	}
	if _, _, err := net.SplitHostPort(o.ListenAddress); err != nil {
		return usageError("--listen-address %q: want host:port, e.g. :8443", o.ListenAddress)
	}
	if o.MetricsAddress != "" {
		if _, _, err := net.SplitHostPort(o.MetricsAddress); err != nil {
			return usageError("--metrics-address %q: want host:port, e.g. :9090, or empty to disable", o.MetricsAddress)
		}
	}
	for name, d := range map[string]time.Duration{
		"--inventory-debounce": o.Debounce, "--shutdown-grace": o.ShutdownGrace,
		"--certificate-check-interval": o.CertCheckInterval, "--file-check-interval": o.FileCheckInterval,
	} {
		if d <= 0 {
			return usageError("%s must be positive", name)
		}
	}
	if o.MaxRequestBytes < 64<<10 {
		return usageError("--max-request-bytes %d: want at least 65536 (objects reach 1.5 MiB)", o.MaxRequestBytes)
	}
	return nil
}

// Run serves until SIGINT or SIGTERM (or ctx ends).
func (o *WebhookServeOptions) Run(ctx context.Context) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	eng, err := webhook.NewEngine(o.lib, o.policy.Controls(), o.inputs)
	if err != nil {
		return usageError("%w", err)
	}
	metrics := webhook.NewMetrics()
	kinds := o.policy.Kinds()
	related := relatedKinds(o.policy.Controls())
	needCluster := len(related) > 0 || o.policy.NeedsNamespaceLabels() || o.TLSSecret != ""
	var cfg *rest.Config
	if needCluster {
		if cfg, err = o.ConfigFlags.ToRESTConfig(); err != nil {
			return usageError("cluster configuration (needed for related objects and --tls-secret): %w", err)
		}
	}

	keypair := &certs.Keypair{}
	keypair.OnChange(metrics.Certificate)
	if o.TLSSecret != "" {
		client, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return withCode(ExitError, fmt.Errorf("connect to the cluster: %w", err))
		}
		m := &certs.SecretManager{
			Client: client, Namespace: o.namespace, Name: o.TLSSecret, Webhook: o.WebhookConfig,
			Rotate: o.RotateCerts, CheckEvery: o.CertCheckInterval, Keypair: keypair, Log: o.log,
		}
		if err := m.Start(ctx); err != nil {
			return withCode(ExitError, err)
		}
	} else {
		if _, err := keypair.LoadFiles(o.TLSCertFile, o.TLSKeyFile); err != nil {
			return usageError("%w", err)
		}
		go keypair.WatchFiles(ctx, o.TLSCertFile, o.TLSKeyFile, o.FileCheckInterval, o.log)
	}
	logExpiry(o.log, keypair.Leaf())

	var sessions inventory.Source
	ready := func() bool { return true }
	var nsLabels func(string) (map[string]string, bool)
	if len(related) > 0 || o.policy.NeedsNamespaceLabels() {
		c, err := inventory.Start(ctx, eng, inventory.Options{
			Config: cfg, Kinds: related, Warm: kinds, NamespaceLabels: o.policy.NeedsNamespaceLabels(),
			Debounce: o.Debounce, Log: o.log, OnRebuild: metrics.Rebuilt,
		})
		if err != nil {
			return withCode(ExitError, err)
		}
		sessions, ready, nsLabels = c, c.Ready, c.NamespaceLabels
	} else {
		sessions = inventory.NewStatic(ctx, eng, nil, kinds)
	}
	names, _ := eng.Inputs()[scan.SensitiveKeyNamesInput].([]any)
	sensitive := make([]string, 0, len(names))
	for _, n := range names {
		if s, ok := n.(string); ok {
			sensitive = append(sensitive, s)
		}
	}
	handler := webhook.NewHandler(webhook.Config{
		Engine: eng, Sessions: sessions, Policy: o.policy, Exceptions: o.exceptions,
		NamespaceLabels: nsLabels, SensitiveNames: sensitive, MaxRequestBytes: o.MaxRequestBytes,
		Metrics: metrics, Log: o.log,
	})
	defer handler.Close()
	if o.ExceptionsFile != "" {
		go watchExceptions(ctx, o.ExceptionsFile, o.FileCheckInterval, handler, o.log)
	}

	ln, err := net.Listen("tcp", o.ListenAddress)
	if err != nil {
		return withCode(ExitError, fmt.Errorf("listen on %s: %w", o.ListenAddress, err))
	}
	var mln net.Listener
	if o.MetricsAddress != "" {
		if mln, err = net.Listen("tcp", o.MetricsAddress); err != nil {
			return withCode(ExitError, errors.Join(fmt.Errorf("listen on %s: %w", o.MetricsAddress, err), ln.Close()))
		}
	}
	o.log.Info("webhook starting", "controls", len(o.policy.Controls()), "kinds", kinds, "related", related, "namespace", o.namespace)
	srv := &webhook.Server{Handler: handler, Keypair: keypair, Ready: ready, Metrics: metrics, Log: o.log, ShutdownGrace: o.ShutdownGrace}
	if err := srv.Serve(ctx, ln, mln); err != nil {
		return withCode(ExitError, err)
	}
	return nil
}

func logExpiry(log *slog.Logger, leaf *x509.Certificate) {
	if leaf != nil {
		log.Info("serving certificate loaded", "notAfter", leaf.NotAfter.UTC().Format(time.RFC3339), "dnsNames", leaf.DNSNames, "ips", fmt.Sprint(leaf.IPAddresses))
	}
}

// relatedKinds are the kinds the controls read from the inventory, sorted.
func relatedKinds(controls []*library.Control) []string {
	var out []string
	for _, c := range controls {
		for _, k := range c.Related {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// watchExceptions re-reads the exceptions file when it changes, and hourly
// so that exceptions expire on time; a file that does not load is reported
// and the previous one kept.
func watchExceptions(ctx context.Context, file string, every time.Duration, h *webhook.Handler, log *slog.Logger) {
	stamp := func() string {
		st, err := os.Stat(file)
		if err != nil {
			return ""
		}
		return fmt.Sprintf("%d/%d", st.ModTime().UnixNano(), st.Size())
	}
	last, loaded := stamp(), time.Now()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur := stamp()
		if cur == last && time.Since(loaded) < time.Hour {
			continue
		}
		set, err := exception.Load(file, time.Now())
		if err != nil {
			log.Error("exceptions file not reloaded; keeping the previous one", "file", file, "error", err)
			last = cur
			continue
		}
		h.SetExceptions(set)
		last, loaded = cur, time.Now()
		log.Info("exceptions reloaded", "file", file, "expired", len(set.Expired()))
	}
}

// WebhookInstallOptions are the options of webhook install.
type WebhookInstallOptions struct {
	Name               string
	WebhookName        string
	URL                string
	Image              string
	ImagePullPolicy    string
	Replicas           int32
	FailurePolicy      string
	TimeoutSeconds     int32
	PolicyFile         string
	ExceptionsFile     string
	ControlsConfigFile string
	CertValidity       time.Duration
	CAValidity         time.Duration
	Wait               time.Duration
	DryRun             bool
	LogLevel           string
	ConfigFlags        *genericclioptions.ConfigFlags

	// Set by Complete.
	opts *install.Options

	genericiooptions.IOStreams
}

func newCmdWebhookInstall(streams genericiooptions.IOStreams) *cobra.Command {
	o := &WebhookInstallOptions{
		IOStreams:      streams,
		Name:           install.DefaultName,
		WebhookName:    install.DefaultWebhookName,
		Replicas:       2,
		FailurePolicy:  string(admissionregistrationv1.Ignore),
		TimeoutSeconds: 10,
		CertValidity:   certs.DefaultCertValidity,
		CAValidity:     certs.DefaultCAValidity,
		Wait:           2 * time.Minute,
		ConfigFlags:    genericclioptions.NewConfigFlags(true),
	}
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Register the admission webhook: TLS Secret, ValidatingWebhookConfiguration, RBAC, and the Deployment that serves it",
		Long: `Create (or update in place) everything the admission webhook needs, with
server-side apply, in --namespace (default kubescape):

  - a Secret NAME-tls with a private CA and a serving certificate it signs
    (kept when valid, renewed when less than a third of its lifetime is left);
  - unless --url: a ServiceAccount with least privileges (list and watch the
    kinds relational controls read, read and renew its own Secret, publish a
    renewed CA in its own webhook configuration), a ConfigMap with the policy,
    exceptions and controls configuration, a Deployment of --replicas running
    'kubectl kubescape webhook serve' from --image, a Service and a
    PodDisruptionBudget; install waits for the Deployment before registering;
  - the ValidatingWebhookConfiguration NAME: CREATE and UPDATE of every kind
    the policy's controls read (and the ephemeral containers of Pods), with the
    caBundle, failurePolicy Ignore (or Fail), timeoutSeconds, sideEffects None,
    admissionReviewVersions [v1], a namespaceSelector leaving out kube-system,
    the webhook's namespace and the policy's exempt namespaces, and
    matchConditions that skip objects being deleted and exempt namespace patterns.

With --url, the webhook is served by a process you run (for example
'kubectl kubescape webhook serve --tls-secret NAME-tls' on a workstation): the
certificate names the URL's host. --dry-run prints every object as YAML and
applies nothing.`,
		Example: `  # In the cluster, from your image of the plugin (entrypoint kubectl-kubescape)
  kubectl kubescape webhook install --image registry.example.com/kubescape:v1.0.0

  # Deny on every NSA control, fail closed, three replicas
  kubectl kubescape webhook install --image registry.example.com/kubescape:v1.0.0 \
      --policy nsa-deny.yaml --failure-policy Fail --replicas 3

  # Register a local process, then run it
  kubectl kubescape webhook install --url https://192.168.1.20:8443/validate
  kubectl kubescape webhook serve --tls-secret kubescape-webhook-tls --listen-address 192.168.1.20:8443

  # Review what would be applied
  kubectl kubescape webhook install --image registry.example.com/kubescape:v1.0.0 --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Name, "name", o.Name, "name of the Deployment, Service, RBAC objects, ConfigMap and ValidatingWebhookConfiguration (the Secret is NAME-tls)")
	f.StringVar(&o.WebhookName, "webhook-name", o.WebhookName, "name of the webhook in the configuration (a DNS name with three labels or more)")
	f.StringVar(&o.URL, "url", "", "register a webhook served outside the cluster at this https URL (nothing is deployed)")
	f.StringVar(&o.Image, "image", "", "image of the plugin to run the server in the cluster (required without --url)")
	f.StringVar(&o.ImagePullPolicy, "image-pull-policy", "IfNotPresent", "Always, IfNotPresent or Never")
	f.Int32Var(&o.Replicas, "replicas", o.Replicas, "server replicas (with a PodDisruptionBudget when more than one)")
	f.StringVar(&o.FailurePolicy, "failure-policy", o.FailurePolicy, "what the API server does when the webhook does not answer: Ignore (admit) or Fail (deny)")
	f.Int32Var(&o.TimeoutSeconds, "timeout-seconds", o.TimeoutSeconds, "how long the API server waits for the webhook, 1 to 30")
	f.StringVar(&o.PolicyFile, "policy", "", "webhook policy file (YAML), stored in the ConfigMap; default: high and critical controls deny, medium warn, low audit")
	f.StringVar(&o.ExceptionsFile, "exceptions", "", "exceptions file (as for scan), stored in the ConfigMap")
	f.StringVar(&o.ControlsConfigFile, "controls-config", "", "controls configuration file (inputs), stored in the ConfigMap")
	f.DurationVar(&o.CertValidity, "cert-validity", o.CertValidity, "lifetime of a new serving certificate")
	f.DurationVar(&o.CAValidity, "ca-validity", o.CAValidity, "lifetime of a new CA")
	f.DurationVar(&o.Wait, "wait", o.Wait, "wait this long for the Deployment before registering the webhook; 0 registers at once")
	f.BoolVar(&o.DryRun, "dry-run", false, "print the objects as YAML and apply nothing")
	f.StringVar(&o.LogLevel, "log-level", "", "log level of the server: debug, info, warn or error")
	o.ConfigFlags.AddFlags(f)
	return cmd
}

// Complete reads the files and builds the installation.
func (o *WebhookInstallOptions) Complete() error {
	ns := install.DefaultNamespace
	if o.ConfigFlags.Namespace != nil && *o.ConfigFlags.Namespace != "" {
		ns = *o.ConfigFlags.Namespace
	}
	lib, err := library.Load()
	if err != nil {
		return withCode(ExitError, err)
	}
	read := func(flag, file string) ([]byte, error) {
		if file == "" {
			return nil, nil
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, usageError("%s: %w", flag, err)
		}
		return b, nil
	}
	o.opts = &install.Options{
		Namespace: ns, Name: o.Name, WebhookName: o.WebhookName, URL: o.URL, Image: o.Image,
		ImagePullPolicy: corev1.PullPolicy(o.ImagePullPolicy), Replicas: o.Replicas,
		FailurePolicy:  admissionregistrationv1.FailurePolicyType(o.FailurePolicy),
		TimeoutSeconds: o.TimeoutSeconds, CAValidity: o.CAValidity, CertValidity: o.CertValidity,
		LogLevel: o.LogLevel,
	}
	if o.opts.PolicyYAML, err = read("--policy", o.PolicyFile); err != nil {
		return err
	}
	if o.opts.ExceptionsYAML, err = read("--exceptions", o.ExceptionsFile); err != nil {
		return err
	}
	if o.opts.ControlsConfigYAML, err = read("--controls-config", o.ControlsConfigFile); err != nil {
		return err
	}
	// Check the files now, as the server will read them.
	if o.opts.Policy, err = policy.Load(lib, o.PolicyFile, ns); err != nil {
		return usageError("%w", err)
	}
	if o.ExceptionsFile != "" {
		if _, err := exception.Load(o.ExceptionsFile, time.Now()); err != nil {
			return usageError("%w", err)
		}
	}
	inputs, err := readControlsConfig(o.ControlsConfigFile)
	if err != nil {
		return err
	}
	if _, err := engine.New(lib, o.opts.Policy.Controls(), inputs); err != nil {
		return usageError("%w", err)
	}
	return nil
}

// Validate checks the flags.
func (o *WebhookInstallOptions) Validate() error {
	switch admissionregistrationv1.FailurePolicyType(o.FailurePolicy) {
	case admissionregistrationv1.Ignore, admissionregistrationv1.Fail:
	default:
		return usageError("--failure-policy %q: want Ignore or Fail", o.FailurePolicy)
	}
	if o.TimeoutSeconds < 1 || o.TimeoutSeconds > 30 {
		return usageError("--timeout-seconds %d: want 1 to 30 (the API server's limits)", o.TimeoutSeconds)
	}
	if strings.Count(o.WebhookName, ".") < 2 {
		return usageError("--webhook-name %q: want a DNS name with three labels or more, e.g. validate.kubescape.io", o.WebhookName)
	}
	if o.URL != "" {
		u, err := url.Parse(o.URL)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" || u.RawQuery != "" {
			return usageError("--url %q: want https://HOST[:PORT]/PATH with no user, query or fragment (the API server's rules)", o.URL)
		}
		if o.Image != "" {
			return usageError("--image and --url exclude each other: --url registers a server that runs elsewhere")
		}
	} else if o.Image == "" {
		return usageError("--image is required to run the webhook in the cluster (an image whose entrypoint is kubectl-kubescape); or register a server you run with --url")
	}
	switch corev1.PullPolicy(o.ImagePullPolicy) {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		return usageError("--image-pull-policy %q: want Always, IfNotPresent or Never", o.ImagePullPolicy)
	}
	if o.Replicas < 1 {
		return usageError("--replicas must be at least 1")
	}
	if o.CertValidity < time.Hour || o.CAValidity < o.CertValidity {
		return usageError("--cert-validity must be at least 1h and --ca-validity at least --cert-validity")
	}
	if o.Wait < 0 {
		return usageError("--wait must not be negative")
	}
	if o.LogLevel != "" {
		var l slog.Level
		if err := l.UnmarshalText([]byte(o.LogLevel)); err != nil {
			return usageError("--log-level %q: want debug, info, warn or error", o.LogLevel)
		}
	}
	return nil
}

// Run resolves the kinds against the cluster and applies the objects (or prints them).
func (o *WebhookInstallOptions) Run(ctx context.Context) error {
	cfg, err := o.ConfigFlags.ToRESTConfig()
	if err != nil {
		return usageError("cluster configuration: %w", err)
	}
	client, err := install.NewClient(cfg)
	if err != nil {
		return withCode(ExitError, err)
	}
	if !o.DryRun {
		client.Logf = func(format string, args ...any) { fmt.Fprintf(o.Out, format+"\n", args...) }
	}
	var missing []string
	if o.opts.Resources, missing, err = client.Resolve(o.opts.Policy.Kinds()); err != nil {
		return withCode(ExitError, err)
	}
	if len(missing) > 0 {
		fmt.Fprintf(o.ErrOut, "warning: the cluster serves no %s: the webhook does not watch them\n", strings.Join(missing, ", "))
	}
	if o.opts.Related, _, err = client.Resolve(relatedKinds(o.opts.Policy.Controls())); err != nil {
		return withCode(ExitError, err)
	}
	bundle, changes, err := client.TLS(ctx, o.opts, time.Now())
	if err != nil {
		return withCode(ExitError, err)
	}
	if o.DryRun {
		return o.print(bundle)
	}
	if changes.Changed() {
		fmt.Fprintf(o.Out, "TLS: %s\n", strings.Join(changes.Reasons, "; "))
	}
	if err := client.Install(ctx, o.opts, bundle, o.Wait); err != nil {
		return withCode(ExitError, err)
	}
	target := "service " + o.opts.Namespace + "/" + o.opts.Name
	if o.URL != "" {
		target = o.URL
	}
	fmt.Fprintf(o.Out, "webhook %s registered: %d controls on %d kinds, served by %s, failurePolicy %s\n",
		o.WebhookName, len(o.opts.Policy.Controls()), len(o.opts.Resources), target, o.FailurePolicy)
	if o.URL != "" {
		fmt.Fprintf(o.Out, "start the server: kubectl kubescape webhook serve --namespace %s --tls-secret %s --webhook-configuration %s\n",
			o.opts.Namespace, o.opts.SecretName(), o.opts.Name)
	}
	return nil
}

func (o *WebhookInstallOptions) print(bundle *certs.Bundle) error {
	manifests, err := o.opts.Manifests(bundle)
	if err != nil {
		return withCode(ExitError, err)
	}
	for i, m := range manifests {
		b, err := yaml.Marshal(m)
		if err != nil {
			return withCode(ExitError, err)
		}
		if i > 0 {
			fmt.Fprintln(o.Out, "---")
		}
		if _, err := o.Out.Write(b); err != nil {
			return withCode(ExitError, err)
		}
	}
	return nil
}

// WebhookUninstallOptions are the options of webhook uninstall.
type WebhookUninstallOptions struct {
	Name          string
	KeepNamespace bool
	ConfigFlags   *genericclioptions.ConfigFlags

	genericiooptions.IOStreams
}

func newCmdWebhookUninstall(streams genericiooptions.IOStreams) *cobra.Command {
	o := &WebhookUninstallOptions{IOStreams: streams, Name: install.DefaultName, ConfigFlags: genericclioptions.NewConfigFlags(true)}
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove the admission webhook: its registration first, then the server, RBAC, Secret and namespace",
		Long: `Delete what 'webhook install' created in --namespace (default kubescape): the
ValidatingWebhookConfiguration first, so that the API server stops calling the
webhook, then the Deployment, PodDisruptionBudget, Service, ConfigMap, TLS
Secret, RBAC objects and ServiceAccount, and the namespace itself when install
created it (unless --keep-namespace). Objects already gone are skipped.`,
		Example: `  # Remove the webhook installed with the defaults
  kubectl kubescape webhook uninstall

  # Installed with --name and -n, in a namespace to keep
  kubectl kubescape webhook uninstall --name policy-webhook -n security --keep-namespace`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	cmd.Flags().StringVar(&o.Name, "name", o.Name, "name given to webhook install")
	cmd.Flags().BoolVar(&o.KeepNamespace, "keep-namespace", false, "keep the namespace even if install created it")
	o.ConfigFlags.AddFlags(cmd.Flags())
	return cmd
}

// Validate checks the flags.
func (o *WebhookUninstallOptions) Validate() error {
	if strings.TrimSpace(o.Name) == "" {
		return usageError("--name must not be empty")
	}
	return nil
}

// Run deletes the objects.
func (o *WebhookUninstallOptions) Run(ctx context.Context) error {
	ns := install.DefaultNamespace
	if o.ConfigFlags.Namespace != nil && *o.ConfigFlags.Namespace != "" {
		ns = *o.ConfigFlags.Namespace
	}
	cfg, err := o.ConfigFlags.ToRESTConfig()
	if err != nil {
		return usageError("cluster configuration: %w", err)
	}
	client, err := install.NewClient(cfg)
	if err != nil {
		return withCode(ExitError, err)
	}
	client.Logf = func(format string, args ...any) { fmt.Fprintf(o.Out, format+"\n", args...) }
	if err := client.Uninstall(ctx, ns, o.Name, o.KeepNamespace); err != nil {
		return withCode(ExitError, err)
	}
	fmt.Fprintf(o.Out, "webhook %s uninstalled from namespace %s\n", o.Name, ns)
	return nil
}
