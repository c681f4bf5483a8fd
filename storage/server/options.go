package server

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	genericoptions "k8s.io/apiserver/pkg/server/options"

	"kubescape.io/kubescape/storage/registry"
)

// Options are the command-line options of the storage server, in the
// Complete/Validate/Run shape of kubectl and the sample-apiserver.
type Options struct {
	// Recommended are k8s.io/apiserver's options of an aggregated server:
	// serving, delegated authentication and authorization, audit, admission.
	// Their etcd options are unused (nil): objects live in DataDir.
	Recommended *genericoptions.RecommendedOptions

	// DataDir holds the SQLite database and the payload files.
	DataDir string
	// MaxObjectSize overrides the per-resource size limits (resource -> bytes).
	MaxObjectSize map[string]string
	// AlertMaxAge and AlertMaxCount bound the RuntimeAlerts kept; the pruner
	// runs every AlertPruneInterval.
	AlertMaxAge        time.Duration
	AlertMaxCount      int
	AlertPruneInterval time.Duration
	// History is how long superseded versions are kept for watches from an
	// older resourceVersion and for paginated lists; older requests get
	// 410 Gone ("too old resource version") and clients re-list.
	History time.Duration
	// HistoryRevisions is how many of the latest resource versions are kept
	// regardless of age; CompactionInterval is how often history is trimmed.
	HistoryRevisions   int64
	CompactionInterval time.Duration

	// AlternateDNS and AlternateIPs are added to a self-signed serving
	// certificate when none is given.
	AlternateDNS []string
	AlternateIPs []net.IP

	maxSizes map[string]int64
}

// NewOptions returns the options with their defaults.
func NewOptions() *Options {
	rec := genericoptions.NewRecommendedOptions("", nil)
	rec.Etcd = nil
	rec.SecureServing.BindPort = 6443
	rec.SecureServing.ServerCert.CertDirectory = ""
	rec.SecureServing.ServerCert.PairName = "kubescape-storage"
	// The server has no admission plugins of its own; NamespaceLifecycle
	// (objects only in existing namespaces) is kept from the defaults.
	rec.Admission.DefaultOffPlugins.Insert("MutatingAdmissionWebhook", "ValidatingAdmissionWebhook",
		"ValidatingAdmissionPolicy", "MutatingAdmissionPolicy")
	return &Options{
		Recommended:        rec,
		DataDir:            "/var/lib/kubescape-storage",
		MaxObjectSize:      map[string]string{},
		AlertMaxAge:        7 * 24 * time.Hour,
		AlertMaxCount:      10000,
		AlertPruneInterval: time.Minute,
		History:            5 * time.Minute,
		HistoryRevisions:   1000,
		CompactionInterval: time.Minute,
	}
}

// AddFlags registers the options. The --kubeconfig flag of the core API
// client (namespaces for admission) is left to the caller: the kubectl plugin
// already owns one.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	r := o.Recommended
	r.SecureServing.AddFlags(fs)
	r.Authentication.AddFlags(fs)
	r.Authorization.AddFlags(fs)
	r.Audit.AddFlags(fs)
	r.Features.AddFlags(fs)
	r.Admission.AddFlags(fs)
	r.EgressSelector.AddFlags(fs)
	r.Traces.AddFlags(fs)
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir, "Directory of the SQLite database and the payload files (a persistent volume in a cluster)")
	fs.StringToStringVar(&o.MaxObjectSize, "max-object-size", o.MaxObjectSize,
		"Per-resource size limit of a stored object, as RESOURCE=QUANTITY (e.g. sboms=64Mi); defaults: "+defaultSizesHelp())
	fs.DurationVar(&o.AlertMaxAge, "alert-max-age", o.AlertMaxAge, "RuntimeAlerts older than this are deleted (0 keeps them regardless of age)")
	fs.IntVar(&o.AlertMaxCount, "alert-max-count", o.AlertMaxCount, "At most this many RuntimeAlerts are kept, the newest (0: no limit)")
	fs.DurationVar(&o.AlertPruneInterval, "alert-prune-interval", o.AlertPruneInterval, "How often the RuntimeAlert retention runs")
	fs.DurationVar(&o.History, "history", o.History, "How long superseded versions are kept for watches and paginated lists that start at an older resourceVersion")
	fs.Int64Var(&o.HistoryRevisions, "history-revisions", o.HistoryRevisions, "How many of the latest resource versions are kept whatever their age (history lasts while either limit asks for it)")
	fs.DurationVar(&o.CompactionInterval, "compaction-interval", o.CompactionInterval, "How often history older than --history and --history-revisions is removed")
}

// SetKubeconfig points the core API client (namespaces, delegated
// authentication and authorization when their own kubeconfigs are not given)
// at a kubeconfig file instead of the in-cluster configuration.
func (o *Options) SetKubeconfig(path string) {
	if path == "" {
		return
	}
	r := o.Recommended
	r.CoreAPI.CoreAPIKubeconfigPath = path
	if r.Authentication.RemoteKubeConfigFile == "" {
		r.Authentication.RemoteKubeConfigFile = path
	}
	if r.Authorization.RemoteKubeConfigFile == "" {
		r.Authorization.RemoteKubeConfigFile = path
	}
}

// Complete fills in the derived values: the size limits.
func (o *Options) Complete() error {
	o.maxSizes = registry.DefaultMaxObjectSizes()
	for res, q := range o.MaxObjectSize {
		v, err := resource.ParseQuantity(q)
		if err != nil {
			return fmt.Errorf("--max-object-size %s=%s: %w (use a quantity such as 8Mi)", res, q, err)
		}
		o.maxSizes[res] = v.Value()
	}
	return nil
}

// Validate checks the options.
func (o *Options) Validate() error {
	var errs []error
	if o.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	known := registry.DefaultMaxObjectSizes()
	for res, n := range o.maxSizes {
		if _, ok := known[res]; !ok {
			errs = append(errs, fmt.Errorf("--max-object-size: unknown resource %q (one of %s)", res, strings.Join(sortedKeys(known), ", ")))
		} else if n <= 0 {
			errs = append(errs, fmt.Errorf("--max-object-size %s: must be positive", res))
		}
	}
	if o.AlertMaxAge < 0 || o.AlertMaxCount < 0 {
		errs = append(errs, errors.New("--alert-max-age and --alert-max-count must not be negative"))
	}
	if o.AlertPruneInterval <= 0 {
		errs = append(errs, errors.New("--alert-prune-interval must be positive"))
	}
	if o.History < time.Second {
		errs = append(errs, errors.New("--history must be at least 1s"))
	}
	if o.HistoryRevisions < 0 {
		errs = append(errs, errors.New("--history-revisions must not be negative"))
	}
	if o.CompactionInterval < time.Second {
		errs = append(errs, errors.New("--compaction-interval must be at least 1s"))
	}
	r := o.Recommended
	errs = append(errs, r.SecureServing.Validate()...)
	errs = append(errs, r.Authentication.Validate()...)
	errs = append(errs, r.Authorization.Validate()...)
	errs = append(errs, r.Audit.Validate()...)
	errs = append(errs, r.Features.Validate()...)
	errs = append(errs, r.Admission.Validate()...)
	errs = append(errs, r.EgressSelector.Validate()...)
	errs = append(errs, r.Traces.Validate()...)
	return utilerrors.NewAggregate(errs)
}

func defaultSizesHelp() string {
	d := registry.DefaultMaxObjectSizes()
	var parts []string
	for _, k := range sortedKeys(d) {
		parts = append(parts, k+"="+resource.NewQuantity(d[k], resource.BinarySI).String())
	}
	return strings.Join(parts, ",")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
