// Package inventory keeps the related objects that relational controls read
// (RBAC roles, ...) in informer caches, and holds an evaluation session of
// the engine built from them. The session is rebuilt in the background, at
// most once per debounce interval, when the watched objects change, and is
// warmed (its queries prepared) before it replaces the current one, so that
// no admission request pays for either.
package inventory

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"kubescape.io/kubescape/internal/engine"
	"kubescape.io/kubescape/internal/resource"
)

// Source provides the session admission requests are evaluated with.
type Source interface {
	// Session returns the current session, or nil before the first is built.
	Session() *engine.Session
}

// Static is a Source with a fixed set of related objects (tests, benchmarks,
// and a webhook whose controls read none).
type Static struct{ s *engine.Session }

// NewStatic builds a session over the objects and warms it for the kinds.
func NewStatic(ctx context.Context, eng *engine.Engine, objects []*resource.Object, warm []string) *Static {
	s := eng.NewSession(objects)
	Warm(ctx, s, warm)
	return &Static{s: s}
}

// Session returns the fixed session.
func (s *Static) Session() *engine.Session { return s.s }

// Warm prepares the session's query of each kind, by evaluating an empty
// object of the kind once.
func Warm(ctx context.Context, s *engine.Session, kinds []string) {
	for _, k := range kinds {
		o := &resource.Object{Content: map[string]any{
			"apiVersion": "v1", "kind": k,
			"metadata": map[string]any{"name": "warm-up", "namespace": "default"},
		}}
		s.Evaluate(ctx, o)
	}
}

// Options configure a Cache.
type Options struct {
	// Config reaches the API server.
	Config *rest.Config
	// Kinds are the related kinds to watch (engine.Related).
	Kinds []string
	// Warm are the kinds admission requests are evaluated for.
	Warm []string
	// NamespaceLabels also watches Namespaces, for exemptions by namespace label.
	NamespaceLabels bool
	// Debounce is the least time between two rebuilds; one second when zero.
	Debounce time.Duration
	Log      *slog.Logger
	// OnRebuild, when set, is called after each rebuild with its duration
	// and the number of objects of each kind.
	OnRebuild func(took time.Duration, counts map[string]int)
}

// Cache watches the related objects and keeps a session built from them.
type Cache struct {
	eng  *engine.Engine
	opts Options

	current   atomic.Pointer[engine.Session]
	informers map[string]cache.SharedIndexInformer
	nsLister  listersv1.NamespaceLister
	nsSynced  cache.InformerSynced
	dirty     chan struct{}
	ready     atomic.Bool

	mu        sync.Mutex
	resources map[string]schema.GroupVersionResource
}

// Start resolves the kinds against the API, starts the informers and
// returns; the cache is ready once every informer has synced and the first
// session is built (see Ready and WaitReady). A kind the API does not serve
// is logged and left out; a kind the identity may not list is an error.
func Start(ctx context.Context, eng *engine.Engine, opts Options) (*Cache, error) {
	if opts.Debounce <= 0 {
		opts.Debounce = time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	c := &Cache{eng: eng, opts: opts, informers: map[string]cache.SharedIndexInformer{}, dirty: make(chan struct{}, 1), resources: map[string]schema.GroupVersionResource{}}
	cfg := rest.CopyConfig(opts.Config)
	cfg.WarningHandler = rest.NoWarnings{}
	var synced []cache.InformerSynced
	if len(opts.Kinds) > 0 {
		disco, err := discovery.NewDiscoveryClientForConfig(cfg)
		if err != nil {
			return nil, fmt.Errorf("connect to the API server: %w", err)
		}
		lists, err := disco.ServerPreferredResources()
		if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
			return nil, fmt.Errorf("discover the API: %w", err)
		}
		byKind := ResourcesByKind(lists)
		dyn, err := dynamic.NewForConfig(cfg)
		if err != nil {
			return nil, fmt.Errorf("connect to the API server: %w", err)
		}
		factory := dynamicinformer.NewDynamicSharedInformerFactory(dyn, 0)
		for _, kind := range opts.Kinds {
			gvr, ok := byKind[kind]
			if !ok {
				opts.Log.Warn("related kind not served by the API server; controls that read it see none", "kind", kind)
				continue
			}
			// An identity without list permission would leave the informer
			// retrying forever and the webhook never ready: say so now.
			if _, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
				return nil, fmt.Errorf("list %s (read by relational controls): %w", gvrLabel(gvr), err)
			}
			c.resources[kind] = gvr
			inf := factory.ForResource(gvr).Informer()
			if err := inf.SetTransform(identify(kind, gvr.GroupVersion().String())); err != nil {
				return nil, fmt.Errorf("watch %s: %w", gvrLabel(gvr), err)
			}
			if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
				AddFunc:    func(any) { c.markDirty() },
				UpdateFunc: func(any, any) { c.markDirty() },
				DeleteFunc: func(any) { c.markDirty() },
			}); err != nil {
				return nil, fmt.Errorf("watch %s: %w", gvrLabel(gvr), err)
			}
			c.informers[kind] = inf
			synced = append(synced, inf.HasSynced)
		}
		factory.Start(ctx.Done())
		go func() { <-ctx.Done(); factory.Shutdown() }()
	}
	if opts.NamespaceLabels {
		client, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return nil, fmt.Errorf("connect to the API server: %w", err)
		}
		if _, err := client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
			return nil, fmt.Errorf("list namespaces (exemptions.namespaceSelector needs their labels): %w", err)
		}
		factory := informers.NewSharedInformerFactory(client, 0)
		nsInf := factory.Core().V1().Namespaces()
		if err := nsInf.Informer().SetTransform(stripManagedFields); err != nil {
			return nil, fmt.Errorf("watch namespaces: %w", err)
		}
		c.nsLister, c.nsSynced = nsInf.Lister(), nsInf.Informer().HasSynced
		synced = append(synced, c.nsSynced)
		factory.Start(ctx.Done())
		go func() { <-ctx.Done(); factory.Shutdown() }()
	}
	go c.run(ctx, synced)
	return c, nil
}

// identify sets the kind and apiVersion that items of a list may lack (the
// engine indexes objects by kind) and drops the managed fields.
func identify(kind, apiVersion string) cache.TransformFunc {
	return func(obj any) (any, error) {
		if u, ok := obj.(*unstructured.Unstructured); ok {
			u.SetKind(kind)
			u.SetAPIVersion(apiVersion)
		}
		return stripManagedFields(obj)
	}
}

// stripManagedFields drops what no rule reads and the cache need not hold.
func stripManagedFields(obj any) (any, error) {
	if o, ok := obj.(metav1.Object); ok {
		o.SetManagedFields(nil)
	}
	return obj, nil
}

func (c *Cache) markDirty() {
	select {
	case c.dirty <- struct{}{}:
	default:
	}
}

// run waits for the informers, builds the first session, then rebuilds it
// after changes, at most once per debounce interval.
func (c *Cache) run(ctx context.Context, synced []cache.InformerSynced) {
	if len(synced) > 0 && !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return
	}
	// Events seen while syncing are in the first build.
	select {
	case <-c.dirty:
	default:
	}
	c.rebuild(ctx)
	c.ready.Store(true)
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.dirty:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.opts.Debounce):
		}
		// Changes during the wait are in this build.
		select {
		case <-c.dirty:
		default:
		}
		c.rebuild(ctx)
	}
}

func (c *Cache) rebuild(ctx context.Context) {
	start := time.Now()
	counts := map[string]int{}
	var objects []*resource.Object
	for kind, inf := range c.informers {
		for _, item := range inf.GetStore().List() {
			u, ok := item.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			objects = append(objects, &resource.Object{
				Content: u.UnstructuredContent(),
				Origin:  resource.Origin{Kind: resource.OriginCluster},
			})
			counts[kind]++
		}
	}
	s := c.eng.NewSession(objects)
	Warm(ctx, s, c.opts.Warm)
	c.current.Store(s)
	took := time.Since(start)
	c.opts.Log.Debug("inventory rebuilt", "objects", len(objects), "took", took.String())
	if c.opts.OnRebuild != nil {
		c.opts.OnRebuild(took, counts)
	}
}

// Session returns the current session, or nil before the cache is ready.
func (c *Cache) Session() *engine.Session { return c.current.Load() }

// Ready reports whether the informers have synced and a session is built.
func (c *Cache) Ready() bool { return c.ready.Load() }

// WaitReady waits until the cache is ready or ctx ends.
func (c *Cache) WaitReady(ctx context.Context) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for !c.Ready() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the informer caches: %w", ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// NamespaceLabels returns the labels of a namespace, and whether it is known.
func (c *Cache) NamespaceLabels(ns string) (map[string]string, bool) {
	if c.nsLister == nil {
		return nil, false
	}
	n, err := c.nsLister.Get(ns)
	if err != nil {
		return nil, false
	}
	return n.Labels, true
}

// Watched returns the watched kinds and their resources, as kind=resource.group.
func (c *Cache) Watched() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.resources))
	for k, gvr := range c.resources {
		out = append(out, k+"="+gvrLabel(gvr))
	}
	sort.Strings(out)
	return out
}

func gvrLabel(gvr schema.GroupVersionResource) string {
	if gvr.Group == "" {
		return gvr.Resource
	}
	return gvr.Resource + "." + gvr.Group
}

// ResourcesByKind maps each kind of discovered resource lists to its
// preferred listable and watchable resource; a kind served by several groups
// maps to the core group or the first group by name.
func ResourcesByKind(lists []*metav1.APIResourceList) map[string]schema.GroupVersionResource {
	out := map[string]schema.GroupVersionResource{}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") || !hasVerbs(r.Verbs, "list", "watch") {
				continue
			}
			gvr := gv.WithResource(r.Name)
			if prev, ok := out[r.Kind]; ok && (prev.Group == "" || prev.Group < gvr.Group) {
				continue
			}
			out[r.Kind] = gvr
		}
	}
	return out
}

func hasVerbs(verbs metav1.Verbs, want ...string) bool {
	for _, w := range want {
		found := false
		for _, v := range verbs {
			if v == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
