// Package cluster reads the objects of a live cluster for a scan. It
// discovers the API, lists, page by page, the kinds the selected controls
// evaluate or read as context, and reports the kinds it may not list instead
// of failing: a user with few permissions gets a partial scan.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/pager"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/internal/result"
)

// Options select what Read lists.
type Options struct {
	// Config reaches the API server.
	Config *rest.Config
	// Kinds are the kinds the controls evaluate; Related are the kinds they
	// read as context (RBAC, NetworkPolicies, Services, ...). Only these
	// kinds are listed.
	Kinds, Related []string
	// IncludeNamespaces, when set, restricts the evaluated objects to those
	// in these namespaces and to these Namespace objects (cluster-scoped
	// objects are then context only); ExcludeNamespaces leaves out the
	// objects in, and the Namespace objects of, the named namespaces.
	IncludeNamespaces, ExcludeNamespaces []string
	// IncludeKinds, when set, restricts the evaluated kinds. An entry is a
	// kind (Deployment), a resource (deployments) or a resource with its
	// group (deployments.apps), in any case.
	IncludeKinds []string
	// Selector is a label selector for the evaluated objects.
	Selector string
	// PageSize is the limit of each list request; 500 when zero.
	PageSize int64
	// Workers bounds the concurrent list requests; 4 when zero.
	Workers int
	// Listed, when set, is called with the number of objects listed so far.
	Listed func(n int)
}

// Result is what Read found.
type Result struct {
	// Objects are the objects listed. Objects that only serve as context for
	// relational controls have ContextOnly set.
	Objects []resource.Object
	// Problems are the kinds or groups that could not be listed.
	Problems []result.InputProblem
	// Version is the API server's version.
	Version string
}

// podControllers are the kinds whose pods (or whose ReplicaSets and Jobs) are
// evaluated through them rather than one by one.
var podControllers = map[string]bool{
	"Deployment": true, "ReplicaSet": true, "StatefulSet": true, "DaemonSet": true,
	"Job": true, "CronJob": true, "ReplicationController": true,
}

// apiResource is one listable resource of the discovered API.
type apiResource struct {
	gvr        schema.GroupVersionResource
	kind       string
	namespaced bool
	singular   string
}

func (r apiResource) label() string {
	if r.gvr.Group == "" {
		return r.gvr.Resource
	}
	return r.gvr.Resource + "." + r.gvr.Group
}

// Read lists the cluster's objects of the kinds the options name.
func Read(ctx context.Context, opts Options) (*Result, error) {
	if opts.Config == nil {
		return nil, errors.New("no cluster configuration")
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 500
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	selector := labels.Everything()
	if opts.Selector != "" {
		s, err := labels.Parse(opts.Selector)
		if err != nil {
			return nil, fmt.Errorf("label selector %q: %w", opts.Selector, err)
		}
		selector = s
	}
	cfg := rest.CopyConfig(opts.Config)
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 100
	}
	// Deprecation warnings of listed kinds (v1 Endpoints) would be printed
	// amid the report; the scan reads, it does not choose API versions.
	cfg.WarningHandler = rest.NoWarnings{}
	disco, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the cluster: %w", err)
	}
	res := &Result{}
	v, err := disco.ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("reach the API server at %s: %w", cfg.Host, err)
	}
	res.Version = v.GitVersion
	lists, err := disco.ServerPreferredResources()
	if err != nil {
		var failed *discovery.ErrGroupDiscoveryFailed
		if !errors.As(err, &failed) {
			return nil, fmt.Errorf("discover the API of %s: %w", cfg.Host, err)
		}
		for gv, gerr := range failed.Groups {
			res.Problems = append(res.Problems, result.InputProblem{
				Source: "cluster: API group " + gv.String(),
				Reason: "not scanned: discovery failed: " + gerr.Error(),
			})
		}
	}
	resources := listable(lists)
	include, err := kindFilter(opts.IncludeKinds, resources)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the cluster: %w", err)
	}
	r := &reader{
		opts: opts, dyn: dyn, selector: selector,
		kinds:   set(opts.Kinds),
		related: set(opts.Related),
		include: include,
		incNS:   set(opts.IncludeNamespaces),
		excNS:   set(opts.ExcludeNamespaces),
	}
	var tasks []apiResource
	for _, ar := range resources {
		if r.evaluated(ar) || r.related[ar.kind] {
			tasks = append(tasks, ar)
		}
	}
	if err := r.listAll(ctx, tasks); err != nil {
		return nil, err
	}
	res.Objects = r.objects
	res.Problems = append(res.Problems, r.problems...)
	contextOnlyOwned(res.Objects)
	sort.SliceStable(res.Objects, func(i, j int) bool {
		return res.Objects[i].Origin.Path < res.Objects[j].Origin.Path
	})
	sort.Slice(res.Problems, func(i, j int) bool { return res.Problems[i].Source < res.Problems[j].Source })
	return res, nil
}

// listable returns the resources that can be listed, without subresources.
func listable(lists []*metav1.APIResourceList) []apiResource {
	var out []apiResource
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") || !hasVerb(r.Verbs, "list") {
				continue
			}
			out = append(out, apiResource{
				gvr:        gv.WithResource(r.Name),
				kind:       r.Kind,
				namespaced: r.Namespaced,
				singular:   r.SingularName,
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].label() < out[j].label() })
	return out
}

func hasVerb(verbs []string, v string) bool {
	for _, x := range verbs {
		if x == v {
			return true
		}
	}
	return false
}

// kindFilter resolves --include-kinds against the discovered resources; an
// entry that names nothing is an error that lists what exists.
func kindFilter(names []string, resources []apiResource) (map[apiResource]bool, error) {
	if len(names) == 0 {
		return nil, nil
	}
	out := map[apiResource]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		found := false
		for _, ar := range resources {
			if n == strings.ToLower(ar.kind) || n == ar.gvr.Resource || n == ar.label() || (ar.singular != "" && n == ar.singular) {
				out[ar] = true
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("--include-kinds %q: the cluster serves no such kind or resource (see kubectl api-resources)", n)
		}
	}
	return out, nil
}

type reader struct {
	opts     Options
	dyn      dynamic.Interface
	selector labels.Selector
	kinds    map[string]bool
	related  map[string]bool
	include  map[apiResource]bool
	incNS    map[string]bool
	excNS    map[string]bool

	mu       sync.Mutex
	objects  []resource.Object
	problems []result.InputProblem
	listed   atomic.Int64
}

// evaluated says whether the controls evaluate the objects of a resource.
func (r *reader) evaluated(ar apiResource) bool {
	return r.kinds[ar.kind] && (r.include == nil || r.include[ar])
}

// inScope says whether an object of a resource lies in the namespaces and
// labels the user selected.
func (r *reader) inScope(ar apiResource, ns, name string, lbls map[string]string) bool {
	if ar.kind == "Namespace" && !ar.namespaced {
		ns = name
	}
	// With --include-namespaces, cluster-scoped objects (but the included
	// Namespaces themselves) are context only: the user asked about those
	// namespaces.
	if len(r.incNS) > 0 && !r.incNS[ns] {
		return false
	}
	if ns != "" && r.excNS[ns] {
		return false
	}
	return r.selector.Matches(labels.Set(lbls))
}

func (r *reader) listAll(ctx context.Context, tasks []apiResource) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, r.opts.Workers)
	var wg sync.WaitGroup
	for _, ar := range tasks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := r.list(ctx, ar); err != nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("listing the cluster's objects timed out (raise --timeout): %w", err)
		}
		return err
	}
	return nil
}

// list lists one resource. Only a cancelled context is an error; a resource
// that cannot be listed becomes a problem of the report.
func (r *reader) list(ctx context.Context, ar apiResource) error {
	related := r.related[ar.kind]
	namespaces := []string{metav1.NamespaceAll}
	if ar.namespaced && len(r.incNS) > 0 && !related {
		namespaces = sortedKeys(r.incNS)
	}
	// Context kinds are listed whole, so that relational controls see the
	// cluster; the selector then applies only to what is evaluated.
	serverSelector := ""
	if !related {
		serverSelector = r.opts.Selector
	}
	for _, ns := range namespaces {
		err := r.listNamespace(ctx, ar, ns, serverSelector)
		if apierrors.IsForbidden(err) && ns == metav1.NamespaceAll && ar.namespaced && len(r.incNS) > 0 {
			// The user may list the included namespaces only.
			for _, n := range sortedKeys(r.incNS) {
				if err := r.listNamespace(ctx, ar, n, serverSelector); err != nil {
					if ctx.Err() != nil {
						return context.Cause(ctx)
					}
					r.problem(ar, n, err)
				}
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			r.problem(ar, ns, err)
		}
	}
	return nil
}

func (r *reader) problem(ar apiResource, ns string, err error) {
	src := "cluster: " + ar.label()
	if ns != "" {
		src += " in namespace " + ns
	}
	reason := err.Error()
	switch {
	case apierrors.IsForbidden(err):
		reason = "not scanned: forbidden: " + reason
	case apierrors.IsNotFound(err):
		reason = "not scanned: the resource is no longer served: " + reason
	default:
		reason = "not scanned: " + reason
	}
	r.mu.Lock()
	r.problems = append(r.problems, result.InputProblem{Source: src, Reason: reason})
	r.mu.Unlock()
}

func (r *reader) listNamespace(ctx context.Context, ar apiResource, ns, selector string) error {
	client := r.dyn.Resource(ar.gvr).Namespace(ns)
	p := pager.New(pager.SimplePageFunc(func(o metav1.ListOptions) (runtime.Object, error) {
		return client.List(ctx, o)
	}))
	p.PageSize = r.opts.PageSize
	var batch []resource.Object
	evaluated, related := r.evaluated(ar), r.related[ar.kind]
	err := p.EachListItem(ctx, metav1.ListOptions{LabelSelector: selector}, func(obj runtime.Object) error {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return fmt.Errorf("%s: unexpected list item %T", ar.label(), obj)
		}
		content := u.UnstructuredContent()
		if md, ok := content["metadata"].(map[string]any); ok {
			delete(md, "managedFields")
		}
		u.SetAPIVersion(ar.gvr.GroupVersion().String())
		u.SetKind(ar.kind)
		inScope := evaluated && r.inScope(ar, u.GetNamespace(), u.GetName(), u.GetLabels())
		if !inScope && !related {
			return nil
		}
		o := resource.Object{
			Content:     content,
			Origin:      resource.Origin{Kind: resource.OriginCluster, Path: apiPath(ar, u.GetNamespace(), u.GetName())},
			ContextOnly: !inScope,
		}
		if err := o.Compact(); err != nil {
			return err
		}
		batch = append(batch, o)
		n := r.listed.Add(1)
		if r.opts.Listed != nil {
			r.opts.Listed(int(n))
		}
		return nil
	})
	if err != nil {
		r.listed.Add(-int64(len(batch)))
		return err
	}
	r.mu.Lock()
	r.objects = append(r.objects, batch...)
	r.mu.Unlock()
	return nil
}

// apiPath is the object's path on the API server, which names its group,
// version, resource, namespace and name: kubectl get --raw PATH reads it.
func apiPath(ar apiResource, ns, name string) string {
	parts := []string{"/apis", ar.gvr.Group, ar.gvr.Version}
	if ar.gvr.Group == "" {
		parts = []string{"/api", ar.gvr.Version}
	}
	if ns != "" {
		parts = append(parts, "namespaces", ns)
	}
	parts = append(parts, ar.gvr.Resource, url.PathEscape(name))
	return path.Join(parts...)
}

// contextOnlyOwned keeps as context only the objects run by a pod controller
// that is itself evaluated (the ReplicaSets of a Deployment, the Pods of a
// ReplicaSet, the Jobs of a CronJob): a finding is reported once, on the
// object the user manages, and not again on each copy of its pod template.
func contextOnlyOwned(objects []resource.Object) {
	evaluated := map[string]bool{}
	for i := range objects {
		if !objects[i].ContextOnly && podControllers[objects[i].Ref().Kind] {
			if uid := objects[i].UID(); uid != "" {
				evaluated[uid] = true
			}
		}
	}
	if len(evaluated) == 0 {
		return
	}
	for i := range objects {
		o := &objects[i]
		if o.ContextOnly {
			continue
		}
		for _, owner := range o.OwnerReferences() {
			if owner.Controller && podControllers[owner.Kind] && evaluated[owner.UID] {
				o.ContextOnly = true
				break
			}
		}
	}
}

func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			m[s] = true
		}
	}
	return m
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
