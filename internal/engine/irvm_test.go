package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/library"
)

// evalBoth evaluates a query over modules with the plan interpreter and
// with OPA's evaluator, and returns both result sets as JSON.
func evalBoth(t *testing.T, modules map[string]string, query string, input, data map[string]any) (planned, topdown string, plannedErr, topdownErr error) {
	t.Helper()
	irc, err := compile(modules, ast.EvalModeIR, true)
	if err != nil {
		t.Fatal(err)
	}
	tdc, err := compile(modules, ast.EvalModeTopdown, true)
	if err != nil {
		t.Fatal(err)
	}
	var in ast.Value
	if input != nil {
		if in, err = ast.InterfaceToValue(input); err != nil {
			t.Fatal(err)
		}
	}
	dv, err := ast.InterfaceToValue(data)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := planQuery(t.Context(), irc, query)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := newIRProgram(policy)
	if err != nil {
		t.Fatal(err)
	}
	rs, plannedErr := prog.eval(t.Context(), in, dv)
	var got []any
	for _, r := range rs {
		x, err := ast.JSON(r.Value)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, x)
	}
	pq, err := rego.New(rego.Query(query), rego.Compiler(tdc), rego.Store(inmem.NewFromObject(data))).PrepareForEval(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	opts := []rego.EvalOption{}
	if in != nil {
		opts = append(opts, rego.EvalParsedInput(in))
	}
	trs, topdownErr := pq.Eval(t.Context(), opts...)
	var want []any
	for _, r := range trs {
		want = append(want, r.Bindings)
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	return string(g), string(w), plannedErr, topdownErr
}

// TestPlanSemantics checks the plan interpreter against OPA's evaluator on
// the constructs of the language the library uses, and on the ones it does
// not use yet.
func TestPlanSemantics(t *testing.T) {
	input := map[string]any{
		"kind": "Deployment",
		"spec": map[string]any{"containers": []any{
			map[string]any{"name": "a", "image": "nginx", "ports": []any{map[string]any{"containerPort": 80}}},
			map[string]any{"name": "b", "image": "redis:7", "securityContext": map[string]any{"privileged": true}},
		}},
		"labels": map[string]any{"app": "web", "tier": "front"},
		"n":      3,
	}
	data := map[string]any{
		"inventory": map[string]any{"default": map[string]any{"Service": []any{map[string]any{"name": "s1"}, map[string]any{"name": "s2"}}}},
		"limits":    map[string]any{"max": 2},
	}
	cases := []struct {
		name   string
		module string
		query  string
		fails  bool // both evaluators must fail
	}{
		{"partial set with iteration", `names contains c.name if { some c in input.spec.containers }`, "x := data.t.names", false},
		{"negation", `unprivileged contains c.name if { some c in input.spec.containers; not c.securityContext.privileged }`, "x := data.t.unprivileged", false},
		{"else chain", `tag(img) := "latest" if { not contains(img, ":") } else := split(img, ":")[1]
tags := [tag(c.image) | some c in input.spec.containers]`, "x := data.t.tags", false},
		{"default rule", `default allow := false
allow if input.kind == "Pod"`, "x := data.t.allow", false},
		{"every", `all_named if { every c in input.spec.containers { c.name != "" } }
none_privileged if { every c in input.spec.containers { not c.securityContext.privileged } }`, "x := data.t.all_named; y := object.get(data.t, \"none_privileged\", \"undefined\")", false},
		{"comprehensions", `arr := [p.containerPort | some c in input.spec.containers; some p in c.ports]
set := {c.image | some c in input.spec.containers}
obj := {c.name: c.image | some c in input.spec.containers}`, "x := data.t.arr; y := data.t.set; z := data.t.obj", false},
		{"partial object", `by_name[c.name] := c.image if { some c in input.spec.containers }`, "x := data.t.by_name; y := data.t.by_name.b", false},
		{"multi-level ref rules", `roles.admin := 1
roles["cluster-admin"] := 2
lookup(name) := roles[name]`, `x := data.t.lookup("cluster-admin"); y := data.t.lookup("admin"); z := [v | v := data.t.lookup("none")]`, false},
		{"base data with variable keys", `services(ns) := s if { s := data.inventory[ns].Service } else := []`, `x := data.t.services("default"); y := data.t.services("other")`, false},
		{"functions with several definitions", `f(x) := "small" if x < 2
f(x) := "big" if x > 2
g := [f(i) | some i in [1, 3]]`, "x := data.t.g", false},
		{"builtins: strings, numbers, objects", `out := {
	"s": sprintf("%s/%d", [input.kind, input.n]),
	"c": concat(",", ["a", "b"]),
	"o": object.get(input, ["spec", "containers", 0, "name"], "?"),
	"r": regex.match("^ng", "nginx"),
	"k": count(input.labels),
	"m": "web" in {v | some v in input.labels},
	"f": format_int(255, 16),
	"u": upper("x"),
	"t": trim_space("  y "),
	"a": array.concat([1], [2]),
	"n": input.n * 2 + 1,
	"d": input.n / 2,
	"sl": array.slice([1, 2, 3], 1, 2),
	"so": sort(["b", "a"]),
}`, "x := data.t.out", false},
		{"builtins that read the evaluation's context", `ctx := {"r": rand.intn("k", 1), "t": time.now_ns() > 0}`, "x := data.t.ctx", false},
		{"builtin error is undefined", `bad := [x | x := to_number("no")]`, "x := data.t.bad", false},
		{"unification and arrays", `pairs := [[k, v] | some k, v in input.labels]
firsts := [a | [a, _] := pairs[_]]`, "x := data.t.firsts", false},
		{"with", `kind := input.kind
other := k if k := kind with input.kind as "Pod"`, "x := data.t.other; y := data.t.kind", false},
		{"inputs from data", `over if count(input.spec.containers) >= data.limits.max`, "x := data.t.over", false},
		{"sets and membership", `s := {1, 2, 3}
has2 if 2 in s
missing if not 4 in s
inter := s & {2, 3, 4}
diff := s - {1}`, "x := data.t.has2; y := data.t.missing; z := [data.t.inter, data.t.diff]", false},
		{"conflict in a complete rule", `v := c.name if { some c in input.spec.containers }`, "x := data.t.v", true},
		{"undefined query", `nope if input.kind == "Pod"`, "x := data.t.nope", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			modules := map[string]string{"t.rego": "package t\n\n" + tc.module}
			got, want, gotErr, wantErr := evalBoth(t, modules, tc.query, input, data)
			if tc.fails {
				if gotErr == nil || wantErr == nil {
					t.Fatalf("want both to fail: plan %v (%s), topdown %v (%s)", gotErr, got, wantErr, want)
				}
				return
			}
			if gotErr != nil || wantErr != nil {
				t.Fatalf("plan error %v, topdown error %v", gotErr, wantErr)
			}
			if got != want {
				t.Errorf("plan    %s\ntopdown %s", got, want)
			}
		})
	}
}

// TestPlansAgreeWithTopdown evaluates every object of every fixture of the
// library with every control of its kind, through the plans and through
// OPA's evaluator, with the fixture's objects as the inventory, and
// requires identical verdicts: findings, messages, paths, fixes and related
// objects.
func TestPlansAgreeWithTopdown(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	engines := map[string]*Engine{}
	// Fixtures with the default inputs run every control of their kinds;
	// those with inputs of their own, their control alone (compiling the
	// library is most of the cost).
	engineFor := func(inputs map[string]any, c *library.Control) *Engine {
		controls := lib.Controls()
		key := ""
		if len(inputs) > 0 {
			b, _ := json.Marshal(inputs)
			key, controls = c.ID+string(b), []*library.Control{c}
		}
		e := engines[key]
		if e == nil {
			if e, err = New(lib, controls, inputs); err != nil {
				t.Fatal(err)
			}
			engines[key] = e
		}
		return e
	}
	seen := map[string]bool{}
	topdowns := map[*Engine]*topdownEval{}
	var objects, verdicts, failed int
	fixtureCases(t, lib, func(c *library.Control, tc library.TestCase) {
		key := c.ID + "/" + tc.Fixture + fmt.Sprint(tc.Inputs)
		if seen[key] {
			return
		}
		seen[key] = true
		e := engineFor(tc.Inputs, c)
		var objs []*resource.Object
		for _, content := range tc.Objects {
			objs = append(objs, &resource.Object{Content: content})
		}
		s := e.NewSession(objs)
		td := topdowns[e]
		if td == nil {
			td = &topdownEval{store: inmem.NewFromObject(map[string]any{"inputs": e.inputs}), prepared: map[string]rego.PreparedEvalQuery{}}
			topdowns[e] = td
		}
		for _, o := range objs {
			kind := o.Ref().Kind
			controls := e.byKind[kind]
			if len(controls) == 0 {
				continue
			}
			objects++
			planned := s.Evaluate(t.Context(), o)
			input, err := ast.InterfaceToValue(withName(o.Content))
			if err != nil {
				t.Fatal(err)
			}
			want := td.verdicts(t, s, kind, controls, input)
			for i := range controls {
				verdicts++
				if want[i].Failed() {
					failed++
				}
				if !sameVerdict(planned[i], want[i]) {
					t.Errorf("%s on %s %s (fixture %s of %s):\nplan    %+v (err %v)\ntopdown %+v (err %v)",
						controls[i].ID, kind, o.Ref().Name, tc.Fixture, c.ID,
						planned[i].Findings, planned[i].Err, want[i].Findings, want[i].Err)
				}
			}
		}
	})
	t.Logf("%d fixture objects, %d verdicts compared (%d failed), %d engines", objects, verdicts, failed, len(engines))
	if verdicts < 10000 {
		t.Errorf("only %d verdicts compared", verdicts)
	}
}

// topdownEval evaluates the controls of a kind with OPA's evaluator, in one
// query prepared once per engine and kind, with the session's inventory, or
// one by one when that query fails.
type topdownEval struct {
	store    storage.Store
	prepared map[string]rego.PreparedEvalQuery
}

func (td *topdownEval) verdicts(t *testing.T, s *Session, kind string, controls []*library.Control, input ast.Value) []Verdict {
	pq, ok := td.prepared[kind]
	if !ok {
		compiler, err := s.engine.topdownCompiler()
		if err != nil {
			t.Fatal(err)
		}
		pq, err = rego.New(rego.Query(queryOf(controls)), rego.Compiler(compiler), rego.Store(td.store), topdownTerms).PrepareForEval(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		td.prepared[kind] = pq
	}
	ctx := withInventory(t.Context(), s.inv)
	rs, err := pq.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil || len(rs) != 1 {
		return s.evaluateEach(ctx, controls, input)
	}
	out := make([]Verdict, len(controls))
	for i, c := range controls {
		out[i].Control = c
		out[i].Findings, out[i].Err = decodeBinding(rs[0].Bindings[binding(i)])
	}
	return out
}

func sameVerdict(a, b Verdict) bool {
	if (a.Err == nil) != (b.Err == nil) {
		return false
	}
	if len(a.Findings) == 0 && len(b.Findings) == 0 {
		return true
	}
	return reflect.DeepEqual(normalize(a.Findings), normalize(b.Findings))
}

func normalize(fs []Finding) []Finding {
	out := slices.Clone(fs)
	for i := range out {
		if out[i].FailedPaths == nil {
			out[i].FailedPaths = []string{}
		}
		if out[i].ReviewPaths == nil {
			out[i].ReviewPaths = []string{}
		}
	}
	return out
}

// TestPlanFailureFallsBackToTopdown checks that a rule that fails at run
// time is reported alone, with OPA's message, and the other controls of the
// kind keep their verdicts.
func TestPlanFailureFallsBackToTopdown(t *testing.T) {
	lib := testLibrary(t, map[string][3]string{
		"C-9001": {`deny contains {"message": "privileged"} if { some c in k8s.containers; c.container.securityContext.privileged }`, "Deployment", ""},
		"C-9002": {`name := c.container.name if { some c in k8s.containers }
deny contains {"message": name} if name`, "Deployment", ""},
	})
	e, err := New(lib, lib.Controls(), nil)
	if err != nil {
		t.Fatal(err)
	}
	vs := e.NewSession(nil).Evaluate(t.Context(), obj(benchDeployment))
	byID := map[string]Verdict{}
	for _, v := range vs {
		byID[v.Control.ID] = v
	}
	if v := byID["C-9001"]; v.Err != nil || !v.Failed() {
		t.Errorf("C-9001: %+v, want failed without error", v)
	}
	if v := byID["C-9002"]; v.Err == nil || !strings.Contains(v.Err.Error(), "C-9002") {
		t.Errorf("C-9002: error %v, want one naming the control", v.Err)
	}
}

// TestPlanFaultIsAnError checks that a fault of the interpreter (here an op
// naming a local the frame does not have) becomes an error for the caller,
// which then evaluates with topdown, rather than a panic.
func TestPlanFaultIsAnError(t *testing.T) {
	p := &irProgram{nlocals: 2, plan: [][]op{{{code: opAssign, x: operand{local: 7}, target: 1}}}}
	if _, err := p.eval(t.Context(), ast.NewObject(), ast.NewObject()); err == nil || !strings.Contains(err.Error(), "internal error") {
		t.Fatalf("eval: %v, want an internal error", err)
	}
	// The program still evaluates afterwards.
	ok := &irProgram{nlocals: 2, plan: [][]op{{{code: opResultAdd, x: operand{local: 0}}}}}
	rs, err := ok.eval(t.Context(), ast.String("in"), ast.NewObject())
	if err != nil || len(rs) != 1 || rs[0].Value.Compare(ast.String("in")) != 0 {
		t.Fatalf("eval: %v %v", rs, err)
	}
}

// FuzzPlansAgree evaluates arbitrary objects, as the kind they declare,
// through the plans and through topdown, and requires the same verdicts.
func FuzzPlansAgree(f *testing.F) {
	lib, err := library.Load()
	if err != nil {
		f.Fatal(err)
	}
	e, err := New(lib, lib.Controls(), nil)
	if err != nil {
		f.Fatal(err)
	}
	s := e.NewSession(nil)
	td := &topdownEval{store: inmem.NewFromObject(map[string]any{"inputs": e.inputs, "inventory": map[string]any{}}), prepared: map[string]rego.PreparedEvalQuery{}}
	for _, seed := range []string{benchDeployment, hardenedDeployment,
		`{"kind": "Pod", "metadata": {"name": "p"}, "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "x", "securityContext": {"capabilities": {"add": ["ALL"]}}}]}}`,
		`{"kind": "ClusterRoleBinding", "metadata": {"name": "b"}, "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}, "subjects": [{"kind": "User", "name": "u"}]}`,
		`{"kind": "Service", "metadata": {"name": "s"}, "spec": {"type": "NodePort", "selector": {"a": "b"}}}`,
		`{"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": 1, "image": null}]}}}}}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var content map[string]any
		if err := json.Unmarshal([]byte(src), &content); err != nil {
			return
		}
		o := &resource.Object{Content: content}
		kind := o.Ref().Kind
		controls := e.byKind[kind]
		if len(controls) == 0 {
			return
		}
		planned := s.Evaluate(t.Context(), o)
		input, err := ast.InterfaceToValue(withName(content))
		if err != nil {
			return
		}
		want := td.verdicts(t, s, kind, controls, input)
		for i := range controls {
			if !sameVerdict(planned[i], want[i]) {
				t.Errorf("%s on %s: plan %+v (%v), topdown %+v (%v)", controls[i].ID, src, planned[i].Findings, planned[i].Err, want[i].Findings, want[i].Err)
			}
		}
	})
}

// TestUnplannedKindFallsBackToTopdown checks that a kind whose query the
// planner refused is evaluated with topdown, control by control, with the
// same verdicts.
func TestUnplannedKindFallsBackToTopdown(t *testing.T) {
	lib := testLibrary(t, map[string][3]string{
		"C-9001": {`deny contains {"message": "privileged", "failedPaths": [c.path]} if { some c in k8s.containers; c.container.securityContext.privileged }`, "Deployment", ""},
	})
	e, err := New(lib, lib.Controls(), nil)
	if err != nil {
		t.Fatal(err)
	}
	planned := e.NewSession(nil).Evaluate(t.Context(), obj(benchDeployment))
	refused := &kindQuery{controls: e.byKind["Deployment"], err: errors.New("refused")}
	refused.once.Do(func() {})
	e.queries["Deployment"] = refused
	fallback := e.NewSession(nil).Evaluate(t.Context(), obj(benchDeployment))
	if len(planned) != 1 || len(fallback) != 1 || !planned[0].Failed() || !sameVerdict(planned[0], fallback[0]) {
		t.Fatalf("planned %+v, fallback %+v", planned, fallback)
	}
}
