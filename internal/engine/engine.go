// Package engine evaluates the library's Rego controls over Kubernetes
// objects. The library is compiled once; each object is evaluated with one
// query that picks the controls of its kind (dispatch.go), planned by OPA's
// planner and run by the interpreter of irvm.go, and objects are evaluated
// concurrently. Relational rules read the objects of the kinds they name
// with the builtins kubescape.inventory and kubescape.cluster_inventory,
// from an index of the scan's objects (inventory.go). OPA's own evaluator
// (topdown) is the reference the plans are tested against, and evaluates an
// object control by control when a rule fails at run time.
package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/library"
)

// Finding is one violation as a rule reports it.
type Finding struct {
	Message     string
	FailedPaths []string
	ReviewPaths []string
	FixPaths    []library.FixPath
	Related     []resource.Ref
}

// Verdict is the outcome of one control on one object.
type Verdict struct {
	Control  *library.Control
	Findings []Finding
	// Err is set when the rule could not be evaluated on the object.
	Err error
}

// Failed reports whether the control found a violation.
func (v Verdict) Failed() bool { return len(v.Findings) > 0 }

// Engine holds the compiled library.
type Engine struct {
	controls []*library.Control
	byKind   map[string][]*library.Control
	inputs   map[string]any
	// data is the data document of every session: the inputs, as the
	// plans read them. One value, so that the rules computed from it alone
	// are shared by evaluations (see irconst.go).
	data    ast.Value
	related map[string]bool
	// split is how many queries share the controls of a kind (at least 1).
	split int

	// sources are the modules by file name; compiler holds them compiled
	// for the planner, which turns the queries of kinds into the plans
	// irProgram runs.
	sources  map[string]string
	compiler *ast.Compiler
	planMu   sync.Mutex
	mu       sync.Mutex
	queries  map[string]*kindQuery
	// dispatch is the plan of the dispatch module (see dispatchModule),
	// made when a kind is first evaluated; dispatched names its kinds.
	dispatchOnce sync.Once
	dispatch     *irProgram
	dispatchErr  error
	dispatched   map[string]bool
	// topdown is the library compiled for OPA's own evaluator, built the
	// first time a plan fails at run time: it evaluates that object's
	// controls one by one, so that only a broken rule is reported.
	topdownOnce sync.Once
	topdown     *ast.Compiler
	topdownErr  error
}

// SplitQueries makes the engine evaluate the controls of a kind as n queries
// that run concurrently for each object, instead of one. It lowers the
// latency of evaluating one object at a time, as the webhook does for each
// admission request, on a machine with idle cores; scans, which evaluate
// many objects in parallel, gain nothing from it. Call it before the first
// evaluation.
func (e *Engine) SplitQueries(n int) { e.split = max(1, n) }

// New compiles the rules of the given controls. Inputs override the
// library's defaults by name; an unknown input name is an error.
func New(lib *library.Library, controls []*library.Control, inputs map[string]any) (*Engine, error) {
	e := &Engine{
		byKind:  map[string][]*library.Control{},
		inputs:  lib.Defaults(),
		related: map[string]bool{},
		split:   1,
		sources: map[string]string{},
		queries: map[string]*kindQuery{},
	}
	for name, v := range inputs {
		if _, ok := e.inputs[name]; !ok {
			return nil, fmt.Errorf("unknown control input %q; known inputs: %s", name, strings.Join(sortedKeys(e.inputs), ", "))
		}
		e.inputs[name] = v
	}
	maps.Copy(e.sources, lib.LibModules())
	for _, c := range controls {
		e.controls = append(e.controls, c)
		if c.Rego == "" {
			continue
		}
		e.sources["controls/"+c.ID+"/rule.rego"] = c.Rego
		for _, k := range c.Kinds {
			e.byKind[k] = append(e.byKind[k], c)
		}
		for _, k := range c.Related {
			e.related[k] = true
		}
	}
	if src, kinds := dispatchModule(e.byKind); src != "" {
		e.sources[dispatchFile] = src
		e.dispatched = kinds
	}
	data, err := ast.InterfaceToValue(map[string]any{"inputs": e.inputs})
	if err != nil {
		return nil, fmt.Errorf("control inputs: %w", err)
	}
	e.data = data
	// The embedded library is type-checked by its tests (and by OPA's
	// evaluator's compiler, when a rule fails at run time); checking it again
	// at every run took a third of compiling, before any object could be
	// evaluated. Any other library is checked here.
	compiler, err := compile(e.sources, ast.EvalModeIR, !lib.Embedded())
	if err != nil {
		return nil, err
	}
	e.compiler = compiler
	return e, nil
}

// compile parses and compiles the modules for an evaluation mode.
func compile(sources map[string]string, mode ast.CompilerEvalMode, checkTypes bool) (*ast.Compiler, error) {
	modules := make(map[string]*ast.Module, len(sources))
	for _, name := range slices.Sorted(maps.Keys(sources)) {
		m, err := ast.ParseModuleWithOpts(name, sources[name], ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		modules[name] = m
	}
	compiler := ast.NewCompiler().WithEvalMode(mode)
	if !checkTypes {
		compiler = compiler.WithSkipStages(ast.StageCheckTypes)
	}
	compiler.Compile(modules)
	if compiler.Failed() {
		return nil, fmt.Errorf("compile rules: %w", compiler.Errors)
	}
	return compiler, nil
}

// topdownCompiler is the library compiled for OPA's evaluator.
func (e *Engine) topdownCompiler() (*ast.Compiler, error) {
	e.topdownOnce.Do(func() { e.topdown, e.topdownErr = compile(e.sources, ast.EvalModeTopdown, true) })
	return e.topdown, e.topdownErr
}

// Controls returns the controls the engine was built with.
func (e *Engine) Controls() []*library.Control { return e.controls }

// Related reports whether some control reads objects of the kind from the
// inventory.
func (e *Engine) Related(kind string) bool { return e.related[kind] }

// Inputs returns the control inputs in force: defaults with overrides applied.
func (e *Engine) Inputs() map[string]any { return e.inputs }

// Session evaluates objects against one inventory of related objects.
type Session struct {
	engine *Engine
	// inv holds the related objects the inventory builtins return.
	inv *inventory
	// fallbacks counts the evaluations that a plan could not make and
	// topdown made instead: the verdicts are the same, only slower, so a
	// plan that fails for every object shows only here (tests check it).
	fallbacks atomic.Int64

	// store holds data for OPA's evaluator, built when a plan fails.
	storeOnce sync.Once
	store     storage.Store
	// alone holds the topdown query of each control evaluated alone.
	alone sync.Map
}

type kindQuery struct {
	once     sync.Once
	controls []*library.Control
	// parts are the planned queries; part i holds the controls whose
	// index is i modulo len(parts) (interleaved, so that each part gets
	// controls of every cost), bound to x0, x1, ... in that order.
	parts []*irProgram
	// dispatch is set when parts is the engine's dispatch plan, whose
	// result is the array of the kind's deny sets.
	dispatch bool
	err      error
}

// NewSession indexes the related objects (those of kinds that some
// relational rule reads) for evaluation. The session reads them as rules
// ask for them: their content must stay available (not Released) while the
// session evaluates.
func (e *Engine) NewSession(objects []*resource.Object) *Session {
	var related []*resource.Object
	for _, o := range objects {
		if e.related[o.Ref().Kind] {
			related = append(related, o)
		}
	}
	return &Session{engine: e, inv: newInventory(related)}
}

// topdownStore is the session's data for OPA's evaluator.
func (s *Session) topdownStore() storage.Store {
	s.storeOnce.Do(func() {
		data, err := ast.JSON(s.engine.data)
		m, ok := data.(map[string]any)
		if err != nil || !ok {
			m = map[string]any{}
		}
		s.store = inmem.NewFromObjectWithOpts(m, inmem.OptRoundTripOnWrite(true), inmem.OptReturnASTValuesOnRead(true))
	})
	return s.store
}

// Prepare plans the query of a kind ahead of its first evaluation (a scan
// plans the kinds it reads while it reads the rest). Safe for concurrent
// use; an error is the planner's, and evaluation then falls back to OPA's
// evaluator.
func (e *Engine) Prepare(ctx context.Context, kind string) error {
	return e.query(ctx, kind).err
}

func (e *Engine) query(ctx context.Context, kind string) *kindQuery {
	e.mu.Lock()
	q, ok := e.queries[kind]
	if !ok {
		q = &kindQuery{controls: e.byKind[kind]}
		e.queries[kind] = q
	}
	e.mu.Unlock()
	q.once.Do(func() {
		if e.split == 1 && e.dispatched[kind] {
			e.dispatchOnce.Do(func() {
				e.dispatch, e.dispatchErr = e.planQuery(ctx, dispatchQuery)
			})
			if e.dispatchErr == nil {
				q.parts, q.dispatch = []*irProgram{e.dispatch}, true
				return
			}
			// The planner refused a rule: plan the kind alone, so
			// that only the kinds of that rule fall back to topdown.
		}
		n := min(e.split, len(q.controls))
		for part := range n {
			p, err := e.plan(ctx, partOf(q.controls, part, n))
			if err != nil {
				q.err = err
				return
			}
			q.parts = append(q.parts, p)
		}
	})
	return q
}

// partOf is the part-th of n interleaved parts of controls.
func partOf(controls []*library.Control, part, n int) []*library.Control {
	var out []*library.Control
	for i := part; i < len(controls); i += n {
		out = append(out, controls[i])
	}
	return out
}

// bindings names the query variables x0, x1, ... once, and bindingTerms
// holds them as the keys of the plans' results.
var bindings, bindingTerms = func() ([]string, []*ast.Term) {
	names, terms := make([]string, 256), make([]*ast.Term, 256)
	for i := range names {
		names[i] = fmt.Sprintf("x%d", i)
		terms[i] = ast.StringTerm(names[i])
	}
	return names, terms
}()

// bindingTerm is binding(i) as a term.
func bindingTerm(i int) *ast.Term {
	if i < len(bindingTerms) {
		return bindingTerms[i]
	}
	return ast.StringTerm(binding(i))
}

// binding is the query variable that holds the deny set of the i-th control.
func binding(i int) string {
	if i < len(bindings) {
		return bindings[i]
	}
	return fmt.Sprintf("x%d", i)
}

// queryOf is one query that evaluates the deny set of every control, bound
// to x0, x1, ... in the order of controls.
func queryOf(controls []*library.Control) string {
	var b strings.Builder
	for i, c := range controls {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s := %s.deny", binding(i), c.Package)
	}
	return b.String()
}

// plan plans the query of the controls and compiles it for evaluation.
// Plans are made one at a time: preparing a query sets the evaluation mode
// of the shared compiler.
func (e *Engine) plan(ctx context.Context, controls []*library.Control) (*irProgram, error) {
	return e.planQuery(ctx, queryOf(controls))
}

func (e *Engine) planQuery(ctx context.Context, query string) (*irProgram, error) {
	e.planMu.Lock()
	defer e.planMu.Unlock()
	policy, err := planQuery(ctx, e.compiler, query)
	if err != nil {
		return nil, err
	}
	return newIRProgram(policy)
}

// topdownTerms makes topdown's result sets hold AST terms rather than Go
// values, so that its findings are decoded as the plans' are.
var topdownTerms = rego.GenerateJSON(func(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil })

// decodeBinding decodes the deny set a topdown binding holds.
func decodeBinding(b any) ([]Finding, error) {
	t, ok := b.(*ast.Term)
	if !ok {
		return nil, fmt.Errorf("deny is %T, want a set of findings", b)
	}
	return decodeFindings(t.Value)
}

// prepare prepares the query of the controls for OPA's evaluator.
func (s *Session) prepare(ctx context.Context, controls []*library.Control) (rego.PreparedEvalQuery, error) {
	compiler, err := s.engine.topdownCompiler()
	if err != nil {
		return rego.PreparedEvalQuery{}, err
	}
	r := rego.New(
		rego.Query(queryOf(controls)),
		rego.Compiler(compiler),
		rego.Store(s.topdownStore()),
		rego.SetRegoVersion(ast.RegoV1),
		topdownTerms,
	)
	pq, err := r.PrepareForEval(ctx)
	if err != nil {
		return pq, fmt.Errorf("prepare query: %w", err)
	}
	return pq, nil
}

// Evaluate runs every control that applies to the object's kind.
func (s *Session) Evaluate(ctx context.Context, obj *resource.Object) []Verdict {
	content, err := ObjectValue(obj)
	return s.evaluate(ctx, obj.Ref().Kind, content, err)
}

func (s *Session) evaluate(ctx context.Context, kind string, content ast.Object, decodeErr error) []Verdict {
	q := s.engine.query(ctx, kind)
	if len(q.controls) == 0 {
		return nil
	}
	verdicts := make([]Verdict, len(q.controls))
	for i, c := range q.controls {
		verdicts[i].Control = c
	}
	ctx = withInventory(ctx, s.inv)
	fail := func(err error) []Verdict {
		for i := range verdicts {
			verdicts[i].Err = err
		}
		return verdicts
	}
	if decodeErr != nil {
		return fail(decodeErr)
	}
	input := named(content)
	if q.err != nil {
		// The planner refused the kind's query (a construct or builtin it
		// does not support): evaluate with topdown, control by control.
		s.fallbacks.Add(1)
		return s.evaluateEach(ctx, q.controls, input)
	}
	n := len(q.parts)
	evalPart := func(part int) {
		rs, err := q.parts[part].eval(ctx, input, s.engine.data)
		// set is the deny set of the part's j-th control: a binding of
		// the kind's query, or an element of the dispatch plan's array.
		var set func(j int) *ast.Term
		if err == nil && len(rs) == 1 {
			if result, ok := rs[0].Value.(ast.Object); ok {
				if q.dispatch {
					if arr := dispatchSets(result, len(q.controls)); arr != nil {
						set = arr.Elem
					}
				} else {
					set = func(j int) *ast.Term { return result.Get(bindingTerm(j)) }
				}
			}
		}
		if set == nil {
			// A rule's runtime error (a conflict, a halting builtin) fails
			// the whole query: evaluate the controls one by one with OPA's
			// evaluator, so that only the broken one is reported, with
			// OPA's own message.
			s.fallbacks.Add(1)
			for j, v := range s.evaluateEach(ctx, partOf(q.controls, part, n), input) {
				verdicts[part+j*n] = v
			}
			return
		}
		for j, i := 0, part; i < len(verdicts); j, i = j+1, i+n {
			deny := set(j)
			if deny == nil {
				verdicts[i].Err = errors.New("rule set undefined")
				continue
			}
			verdicts[i].Findings, verdicts[i].Err = decodeFindings(deny.Value)
		}
	}
	var wg sync.WaitGroup
	for part := 1; part < n; part++ {
		wg.Go(func() { evalPart(part) })
	}
	evalPart(0)
	wg.Wait()
	return verdicts
}

// prepared is the query of one control for topdown, prepared once per
// session.
func (s *Session) prepared(ctx context.Context, c *library.Control) (rego.PreparedEvalQuery, error) {
	if pq, ok := s.alone.Load(c.ID); ok {
		return pq.(rego.PreparedEvalQuery), nil
	}
	pq, err := s.prepare(ctx, []*library.Control{c})
	if err != nil {
		return pq, err
	}
	s.alone.Store(c.ID, pq)
	return pq, nil
}

// evaluateEach evaluates each control alone with OPA's evaluator.
func (s *Session) evaluateEach(ctx context.Context, controls []*library.Control, input ast.Value) []Verdict {
	out := make([]Verdict, len(controls))
	for i, c := range controls {
		out[i].Control = c
		pq, err := s.prepared(ctx, c)
		if err != nil {
			out[i].Err = err
			continue
		}
		rs, err := pq.Eval(ctx, rego.EvalParsedInput(input))
		switch {
		case err != nil:
			out[i].Err = fmt.Errorf("evaluate %s: %w", c.ID, err)
		case len(rs) != 1:
			out[i].Err = fmt.Errorf("evaluate %s: rule set undefined", c.ID)
		default:
			out[i].Findings, out[i].Err = decodeBinding(rs[0].Bindings[binding(0)])
		}
	}
	return out
}

// Evaluate evaluates every object but those marked ContextOnly, in parallel
// on GOMAXPROCS workers, with an inventory built from all the objects, and
// hands each object's content and verdicts to each, called from the
// workers as objects are done (so each must be safe for concurrent use).
// The content is the object as a Rego value (see ObjectValue; nil when it
// could not be decoded), decoded once for both: the caller may keep it, but
// not change it.
func (e *Engine) Evaluate(ctx context.Context, objects []*resource.Object, each func(i int, content ast.Object, verdicts []Verdict)) error {
	s := e.NewSession(objects)
	// Objects kept as context fill the session's inventory only. Objects
	// are evaluated namespace by namespace, so that the inventory, which
	// keeps the last namespaces read, converts the related objects of each
	// about once.
	s.inv.keep = inventoryNamespaces
	var order []int
	for i, o := range objects {
		if !o.ContextOnly {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		return objects[order[a]].Ref().Namespace < objects[order[b]].Ref().Namespace
	})
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n := int(next.Add(1) - 1)
				if n >= len(order) {
					return
				}
				i := order[n]
				content, err := ObjectValue(objects[i])
				each(i, content, s.evaluate(ctx, objects[i].Ref().Kind, content, err))
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("evaluate: %w", err)
	}
	return nil
}

// The keys of a finding, made once: decodeFindings runs for every control
// of every object.
var (
	keyAPIVersion  = ast.StringTerm("apiVersion")
	keyFailedPaths = ast.StringTerm("failedPaths")
	keyFixPaths    = ast.StringTerm("fixPaths")
	keyKind        = ast.StringTerm("kind")
	keyMessage     = ast.StringTerm("message")
	keyName        = ast.StringTerm("name")
	keyNamespace   = ast.StringTerm("namespace")
	keyPath        = ast.StringTerm("path")
	keyRelated     = ast.StringTerm("related")
	keyReviewPaths = ast.StringTerm("reviewPaths")
	keyValue       = ast.StringTerm("value")
)

// decodeFindings decodes a deny set, as the plans produce it and as
// topdown's bindings hold it (see topdownTerms).
func decodeFindings(v ast.Value) ([]Finding, error) {
	set, ok := v.(ast.Set)
	if !ok {
		return nil, fmt.Errorf("deny is %v, want a set of findings", ast.ValueName(v))
	}
	out := make([]Finding, 0, set.Len())
	var err error
	set.Foreach(func(item *ast.Term) {
		m, ok := item.Value.(ast.Object)
		if !ok {
			err = fmt.Errorf("finding is %v, want an object", ast.ValueName(item.Value))
			return
		}
		f := Finding{
			Message:     valueStr(m.Get(keyMessage)),
			FailedPaths: valueStrs(m.Get(keyFailedPaths)),
			ReviewPaths: valueStrs(m.Get(keyReviewPaths)),
		}
		if f.Message == "" {
			err = errors.New("finding has no message")
			return
		}
		eachObject(m.Get(keyFixPaths), func(fm ast.Object) {
			f.FixPaths = append(f.FixPaths, library.FixPath{
				Path:  valueStr(fm.Get(keyPath)),
				Value: valueScalar(fm.Get(keyValue)),
			})
		})
		eachObject(m.Get(keyRelated), func(rm ast.Object) {
			f.Related = append(f.Related, resource.Ref{
				APIVersion: valueStr(rm.Get(keyAPIVersion)),
				Kind:       valueStr(rm.Get(keyKind)),
				Namespace:  valueStr(rm.Get(keyNamespace)),
				Name:       valueStr(rm.Get(keyName)),
			})
		})
		sort.Strings(f.FailedPaths)
		sort.Strings(f.ReviewPaths)
		out = append(out, f)
	})
	if err != nil {
		return nil, err
	}
	sortFindings(out)
	return out, nil
}

// sortFindings orders findings by their paths and message, each key built
// once.
func sortFindings(fs []Finding) {
	if len(fs) < 2 {
		return
	}
	keys := make([]string, len(fs))
	for i := range fs {
		keys[i] = findingKey(fs[i])
	}
	sort.Sort(byKey{fs, keys})
}

type byKey struct {
	fs   []Finding
	keys []string
}

func (b byKey) Len() int           { return len(b.fs) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.fs[i], b.fs[j] = b.fs[j], b.fs[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}

// eachObject calls f with each element of an array, an element that is no
// object as an empty one (its fields then read as empty)
// reads them).
func eachObject(t *ast.Term, f func(ast.Object)) {
	arr, ok := termValue(t).(*ast.Array)
	if !ok {
		return
	}
	arr.Foreach(func(x *ast.Term) {
		obj, _ := x.Value.(ast.Object)
		if obj == nil {
			obj = ast.NewObject()
		}
		f(obj)
	})
}

func valueStr(t *ast.Term) string {
	if t == nil {
		return ""
	}
	s, _ := t.Value.(ast.String)
	return string(s)
}

func valueScalar(t *ast.Term) string {
	if t == nil {
		return ""
	}
	switch v := t.Value.(type) {
	case ast.String:
		return string(v)
	case ast.Null:
		return ""
	case ast.Number:
		return string(v)
	case ast.Boolean:
		return strconv.FormatBool(bool(v))
	}
	x, err := ast.JSON(t.Value)
	if err != nil {
		return t.Value.String()
	}
	return fmt.Sprint(x)
}

func valueStrs(t *ast.Term) []string {
	arr, _ := termValue(t).(*ast.Array)
	if arr == nil {
		return []string{}
	}
	out := make([]string, 0, arr.Len())
	arr.Foreach(func(x *ast.Term) {
		if s, ok := x.Value.(ast.String); ok && s != "" {
			out = append(out, string(s))
		}
	})
	return out
}

func findingKey(f Finding) string {
	return strings.Join(f.FailedPaths, ",") + "\x00" + strings.Join(f.ReviewPaths, ",") + "\x00" + f.Message
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// clusterScoped lists the built-in kinds that have no namespace.
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "ClusterRole": true,
	"ClusterRoleBinding": true, "StorageClass": true, "CustomResourceDefinition": true,
	"ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true,
	"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
	"PriorityClass": true, "APIService": true, "CSIDriver": true, "CSINode": true,
	"IngressClass": true, "RuntimeClass": true, "PodSecurityPolicy": true,
	"CertificateSigningRequest": true, "VolumeAttachment": true,
	"CiliumClusterwideNetworkPolicy": true,
}

// ClusterScoped reports whether a built-in kind has no namespace.
func ClusterScoped(kind string) bool { return clusterScoped[kind] }

// RelatedWorkloadFields documents what a rule may read of a workload it
// finds in the inventory (a Service's, NetworkPolicy's or autoscaler's
// targets): the workloads are the bulk of a scan, so the inventory keeps of
// them only apiVersion, kind, metadata (name, namespace, labels, annotations,
// uid), spec.selector and the labels and annotations of their pods.
const RelatedWorkloadFields = "apiVersion, kind, metadata.{name,namespace,labels,annotations,uid}, spec.selector, pod template metadata.{labels,annotations}"

// projectWorkload keeps of a workload the fields RelatedWorkloadFields
// names; podMeta is the path of its pods' metadata. The values kept are
// shared, not copied.
func projectWorkload(content ast.Object, podMeta []string) ast.Object {
	out := pickValue(content, "apiVersion", "kind").(ast.Object)
	if md := content.Get(ast.InternedTerm("metadata")); md != nil {
		out.Insert(ast.InternedTerm("metadata"), ast.NewTerm(pickValue(md.Value, "name", "namespace", "labels", "annotations", "uid")))
	}
	if len(podMeta) == 1 { // a Pod: its own metadata
		return out
	}
	var spec ast.Object
	if t := content.Get(ast.InternedTerm("spec")); t != nil {
		spec, _ = t.Value.(ast.Object)
	}
	// The objects along the path from spec down to the pod metadata, as
	// far as they go. Values are built from the bottom up: an object's hash
	// is fixed when it is inserted into another.
	var chain []ast.Object
	src := spec
	last := len(podMeta) - 1
	for _, key := range podMeta[1:last] {
		if src == nil {
			break
		}
		t := src.Get(ast.InternedTerm(key))
		if t == nil {
			break
		}
		next, ok := t.Value.(ast.Object)
		if !ok {
			break
		}
		chain = append(chain, next)
		src = next
	}
	var below *ast.Term
	for i := len(chain) - 1; i >= 0; i-- {
		level := ast.NewObject()
		if i == last-2 { // the pod template: keep its metadata's labels and annotations
			if md := chain[i].Get(ast.InternedTerm(podMeta[last])); md != nil {
				level.Insert(ast.InternedTerm(podMeta[last]), ast.NewTerm(pickValue(md.Value, "labels", "annotations")))
			}
		}
		if below != nil {
			level.Insert(ast.InternedTerm(podMeta[i+2]), below)
		}
		below = ast.NewTerm(level)
	}
	outSpec := ast.NewObject()
	if spec != nil {
		if sel := spec.Get(ast.InternedTerm("selector")); sel != nil {
			outSpec.Insert(ast.InternedTerm("selector"), sel)
		}
	}
	if below != nil {
		outSpec.Insert(ast.InternedTerm(podMeta[1]), below)
	}
	out.Insert(ast.InternedTerm("spec"), ast.NewTerm(outSpec))
	return out
}

// pickValue returns the named fields of an object (v itself when it is not
// one).
func pickValue(v ast.Value, keys ...string) ast.Value {
	obj, ok := v.(ast.Object)
	if !ok {
		return v
	}
	out := ast.NewObject()
	for _, k := range keys {
		if t := obj.Get(ast.InternedTerm(k)); t != nil {
			out.Insert(ast.InternedTerm(k), t)
		}
	}
	return out
}
