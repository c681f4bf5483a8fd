package engine

import (
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

const dataOnlyOther = `package u

a := 1

b := 2
`

const dataOnlyModule = `package t

pattern := concat("|", data.inputs.names)

upper_pattern := upper(pattern)

from_input := concat("|", [input.a, pattern])

via_input := lower(from_input)

inventory := kubescape.inventory("ns", "Service")

now := time.now_ns()

fn(x) := concat("|", [x, pattern])

table := {"a": 1, "b": 2}

dynamic := data.u[data.inputs.rule]

denied contains name if {
	some name in data.inputs.names
	regex.match(pattern, name)
}

with_input := v if {
	v := from_input with input.a as "z"
}
`

// TestDataOnlyFuncs checks which rules of a plan are found to depend on
// the data document alone.
func TestDataOnlyFuncs(t *testing.T) {
	irc, err := compile(map[string]string{"t.rego": dataOnlyModule, "u.rego": dataOnlyOther}, ast.EvalModeIR, true)
	if err != nil {
		t.Fatal(err)
	}
	rules := []string{"pattern", "upper_pattern", "from_input", "via_input", "inventory", "now", "fn", "table", "dynamic", "denied", "with_input"}
	var q []string
	for _, r := range rules {
		q = append(q, "x_"+r+" := data.t."+r)
	}
	// fn is planned through a rule that calls it.
	q[6] = `x_fn := data.t.fn("q")`
	policy, err := planQuery(t.Context(), irc, strings.Join(q, "; "))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	only := dataOnlyFuncs(policy.Funcs.Funcs)
	for i, fn := range policy.Funcs.Funcs {
		name := fn.Name[strings.LastIndex(fn.Name, ".")+1:]
		got[name] = only[i]
	}
	want := map[string]bool{
		"pattern":       true,
		"upper_pattern": true, // calls a data-only rule
		"table":         true,
		"denied":        true,
		"from_input":    false,
		"via_input":     false, // calls a rule that reads the input
		"inventory":     false, // the session's objects
		"now":           false, // non-deterministic
		"fn":            false, // a function of arguments
		"dynamic":       false, // a call through a data reference
		"with_input":    false, // replaces a document
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: not planned as a function (have %v)", name, got)
			continue
		}
		if g != w {
			t.Errorf("%s: data-only %v, want %v", name, g, w)
		}
	}
}

// TestDataOnlySharedAcrossEvaluations checks that a data-only rule is
// computed once for a data document and reused by later evaluations, with
// other inputs, while another data document gets its own value.
func TestDataOnlySharedAcrossEvaluations(t *testing.T) {
	irc, err := compile(map[string]string{"t.rego": dataOnlyModule, "u.rego": dataOnlyOther}, ast.EvalModeIR, true)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := planQuery(t.Context(), irc, `x := data.t.from_input`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newIRProgram(policy)
	if err != nil {
		t.Fatal(err)
	}
	data := func(names ...string) ast.Value {
		v, err := ast.InterfaceToValue(map[string]any{"inputs": map[string]any{"names": names}})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	eval := func(a string, data ast.Value) string {
		t.Helper()
		rs, err := p.eval(t.Context(), ast.MustParseTerm(`{"a": "`+a+`"}`).Value, data)
		if err != nil || len(rs) != 1 {
			t.Fatalf("eval: %v, %v", rs, err)
		}
		return string(rs[0].Value.(ast.Object).Get(ast.StringTerm("x")).Value.(ast.String))
	}
	var slot *sharedSlot
	for i, f := range p.funcs {
		if f.dataOnly {
			if slot != nil {
				t.Fatal("want one data-only function in the plan")
			}
			slot = &p.shared[i]
		}
	}
	if slot == nil {
		t.Fatal("pattern is not data-only in the plan")
	}
	d1 := data("a", "b")
	if got := eval("x", d1); got != "x|a|b" {
		t.Fatalf("first evaluation: %q", got)
	}
	first := slot.v.Load()
	if first == nil {
		t.Fatal("the rule's value was not shared")
	}
	if got := eval("y", d1); got != "y|a|b" {
		t.Fatalf("second evaluation: %q", got)
	}
	if slot.v.Load() != first {
		t.Error("the second evaluation computed the rule again")
	}
	// An equal but distinct data document, and another one, are
	// evaluated on their own.
	if got := eval("z", data("c")); got != "z|c" {
		t.Errorf("other data: %q", got)
	}
	if got := eval("z", data("a", "b")); got != "z|a|b" {
		t.Errorf("equal data: %q", got)
	}
}

// TestDataOnlyUnderWith checks a data-only rule read under a with that
// replaces the data it reads, in evaluations that follow each other: the
// replaced document gives its own value, and the rule read outside the with
// keeps the value of the evaluation's data.
func TestDataOnlyUnderWith(t *testing.T) {
	modules := map[string]string{"t.rego": `package t

pattern := concat("|", data.inputs.names)

both := [pattern, p2, pattern] if {
	p2 := pattern with data.inputs.names as ["q"]
}
`}
	irc, err := compile(modules, ast.EvalModeIR, true)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := planQuery(t.Context(), irc, `x := data.t.both`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newIRProgram(policy)
	if err != nil {
		t.Fatal(err)
	}
	data := ast.MustParseTerm(`{"inputs": {"names": ["a", "b"]}}`).Value
	for i := range 3 {
		rs, err := p.eval(t.Context(), ast.NewObject(), data)
		if err != nil || len(rs) != 1 {
			t.Fatalf("eval %d: %v, %v", i, rs, err)
		}
		if got, want := rs[0].String(), `{"x": ["a|b", "q", "a|b"]}`; got != want {
			t.Errorf("eval %d: %s, want %s", i, got, want)
		}
	}
}
