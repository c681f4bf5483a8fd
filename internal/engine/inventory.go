package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/library"
)

// The related objects of a session (those of kinds that some rule reads)
// are what relational rules see through kubescape.inventory(namespace,
// kind) and kubescape.cluster_inventory(kind) (see library.InventoryBuiltin).
// As Rego values they are large: 145 MB for the 50,000 objects of the bench
// corpus, against 36 MB of YAML. So an inventory keeps the objects as they
// are (compact JSON in a file scan) and converts those of a namespace when
// a rule first reads it. A scan (Engine.Evaluate) evaluates objects
// namespace by namespace and keeps the last namespaces read, so each is
// converted about once; a rule that looks into another namespace (a
// binding's subject, a route's parent) converts that one too. A session
// made with NewSession (the webhook's, which evaluates objects of any
// namespace in any order) keeps every namespace it converted.

// inventoryNamespaces is how many namespaces a scan keeps converted.
const inventoryNamespaces = 16

func init() {
	topdown.RegisterBuiltinFunc(library.InventoryBuiltin.Name, func(bctx topdown.BuiltinContext, args []*ast.Term, iter func(*ast.Term) error) error {
		ns, ok := args[0].Value.(ast.String)
		if !ok {
			return topdown.Halt{Err: builtinError(library.InventoryBuiltin.Name, "namespace must be a string")}
		}
		kind, ok := args[1].Value.(ast.String)
		if !ok {
			return topdown.Halt{Err: builtinError(library.InventoryBuiltin.Name, "kind must be a string")}
		}
		return iter(inventoryFrom(bctx.Context).get(string(ns), string(kind)))
	})
	topdown.RegisterBuiltinFunc(library.ClusterInventoryBuiltin.Name, func(bctx topdown.BuiltinContext, args []*ast.Term, iter func(*ast.Term) error) error {
		kind, ok := args[0].Value.(ast.String)
		if !ok {
			return topdown.Halt{Err: builtinError(library.ClusterInventoryBuiltin.Name, "kind must be a string")}
		}
		return iter(inventoryFrom(bctx.Context).cluster(string(kind)))
	})
}

func builtinError(name, msg string) error {
	return &topdown.Error{Code: topdown.TypeErr, Message: name + ": " + msg}
}

type inventoryKey struct{}

// withInventory makes the inventory what the builtins read during an
// evaluation under ctx.
func withInventory(ctx context.Context, inv *inventory) context.Context {
	return context.WithValue(ctx, inventoryKey{}, inv)
}

// inventoryFrom is the inventory of an evaluation; an empty one when there
// is none (a query evaluated outside a session).
func inventoryFrom(ctx context.Context) *inventory {
	if ctx != nil {
		if inv, ok := ctx.Value(inventoryKey{}).(*inventory); ok {
			return inv
		}
	}
	return emptyInventory
}

var (
	emptyInventory = newInventory(nil)
	emptyArray     = ast.NewTerm(ast.NewArray())
)

// inventory holds the related objects of a session by namespace, and their
// Rego values for the namespaces read last.
type inventory struct {
	byNamespace map[string][]*resource.Object
	clusterObjs []*resource.Object

	clusterOnce sync.Once
	clusterVals map[string]*ast.Term

	mu    sync.Mutex
	tick  uint64
	cache map[string]*converted
	// keep is how many namespaces stay converted; 0 keeps them all.
	keep int
}

// converted is the objects of one namespace as Rego arrays by kind.
type converted struct {
	once  sync.Once
	kinds map[string]*ast.Term
	used  uint64
}

// newInventory indexes the objects of the related kinds. Objects listed from
// a cluster carry their namespace when they have one; in manifests a
// namespaced object may leave it to the default.
func newInventory(objects []*resource.Object) *inventory {
	inv := &inventory{byNamespace: map[string][]*resource.Object{}, cache: map[string]*converted{}}
	for _, o := range objects {
		ref := o.Ref()
		if clusterScoped[ref.Kind] || (o.Origin.Kind == resource.OriginCluster && ref.Namespace == "") {
			inv.clusterObjs = append(inv.clusterObjs, o)
			continue
		}
		ns := ref.Namespace
		if ns == "" {
			ns = "default"
		}
		inv.byNamespace[ns] = append(inv.byNamespace[ns], o)
	}
	return inv
}

// get is the array of the objects of a kind in a namespace.
func (inv *inventory) get(ns, kind string) *ast.Term {
	objs, ok := inv.byNamespace[ns]
	if !ok {
		return emptyArray
	}
	inv.mu.Lock()
	inv.tick++
	c, ok := inv.cache[ns]
	if !ok {
		c = &converted{}
		inv.cache[ns] = c
	}
	c.used = inv.tick
	inv.evict()
	inv.mu.Unlock()
	c.once.Do(func() { c.kinds = toArrays(objs) })
	if t, ok := c.kinds[kind]; ok {
		return t
	}
	return emptyArray
}

// evict drops the namespace read least recently once more than keep are
// kept. An evaluation that holds its values keeps them; the namespace is
// converted again if read again. Called with mu held.
func (inv *inventory) evict() {
	if inv.keep == 0 || len(inv.cache) <= inv.keep {
		return
	}
	oldest, at := "", ^uint64(0)
	for ns, c := range inv.cache {
		if c.used < at {
			oldest, at = ns, c.used
		}
	}
	delete(inv.cache, oldest)
}

// cluster is the array of the cluster-scoped objects of a kind, converted
// once.
func (inv *inventory) cluster(kind string) *ast.Term {
	inv.clusterOnce.Do(func() { inv.clusterVals = toArrays(inv.clusterObjs) })
	if t, ok := inv.clusterVals[kind]; ok {
		return t
	}
	return emptyArray
}

// toArrays converts objects to Rego arrays by kind, keeping of workloads
// only what RelatedWorkloadFields names. An object that cannot be decoded
// is left out, as it is left out of evaluation.
func toArrays(objs []*resource.Object) map[string]*ast.Term {
	byKind := map[string][]*ast.Term{}
	// The pods' metadata path of each workload kind met, and the fields
	// projectWorkload reads of it.
	type projection struct {
		podMeta []string
		fields  fields
	}
	projections := map[string]*projection{}
	for _, o := range objs {
		kind := o.Ref().Kind
		if o.Raw() == nil && o.Content == nil {
			continue // released: a bug of the caller, not a reason to fail
		}
		pr, seen := projections[kind]
		if !seen {
			if path, ok := resource.PodTemplatePath(kind, "metadata"); ok {
				pr = &projection{path, workloadFields(path)}
			}
			projections[kind] = pr
		}
		var v ast.Object
		var err error
		if pr != nil {
			if v, err = workloadValue(o, pr.fields); err == nil {
				v = projectWorkload(v, pr.podMeta)
			}
		} else {
			v, err = ObjectValue(o)
		}
		if err != nil {
			continue
		}
		byKind[kind] = append(byKind[kind], ast.NewTerm(v))
	}
	out := make(map[string]*ast.Term, len(byKind))
	for kind, terms := range byKind {
		out[kind] = ast.NewTerm(ast.NewArray(terms...))
	}
	return out
}

// workloadValue is what projectWorkload reads of a workload, the fields
// that workloadFields names: of compact JSON, only those fields are decoded
// (the rest, the bulk of a workload, is checked and skipped); other objects
// are converted whole.
func workloadValue(o *resource.Object, want fields) (ast.Object, error) {
	raw := o.Raw()
	if raw == nil {
		return ObjectValue(o)
	}
	v, err := decodeFields(raw, want)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", o.Ref(), err)
	}
	return v, nil
}

// workloadFields names the fields projectWorkload reads, for pods' metadata
// at podMeta: the identity and metadata, spec.selector, and the labels and
// annotations at the end of the path.
func workloadFields(podMeta []string) fields {
	f := fields{
		"apiVersion": nil, "kind": nil,
		"metadata": {"name": nil, "namespace": nil, "labels": nil, "annotations": nil, "uid": nil},
	}
	if len(podMeta) > 1 {
		at := fields{"labels": nil, "annotations": nil}
		for i := len(podMeta) - 1; i >= 1; i-- {
			at = fields{podMeta[i]: at}
		}
		at["selector"] = nil
		f[podMeta[0]] = at
	}
	return f
}
