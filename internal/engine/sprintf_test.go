package engine

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// opaSprintf is OPA's own sprintf, the reference of fastSprintf.
func opaSprintf(t testing.TB, operands []*ast.Term) (string, bool) {
	t.Helper()
	var out *ast.Term
	err := topdown.GetBuiltin(ast.Sprintf.Name)(topdown.BuiltinContext{}, operands, func(r *ast.Term) error {
		out = r
		return nil
	})
	if err != nil || out == nil {
		return "", false
	}
	s, ok := out.Value.(ast.String)
	return string(s), ok
}

func checkSprintf(t *testing.T, format string, args string) {
	t.Helper()
	arr, err := ast.ParseTerm(args)
	if err != nil {
		t.Skip()
	}
	operands := []*ast.Term{ast.StringTerm(format), arr}
	got, ok := fastSprintf(operands)
	if !ok {
		return
	}
	want, wok := opaSprintf(t, operands)
	if !wok || got != want {
		t.Errorf("sprintf(%q, %s) = %q, OPA gives %q (ok %v)", format, args, got, want, wok)
	}
}

// TestFastSprintf checks the fast path against OPA's sprintf, and that it
// takes the formats of the library.
func TestFastSprintf(t *testing.T) {
	cases := []struct {
		format, args string
		fast         bool
	}{
		{"%s %q of %s %s sets %v", `["Container", "app", "Deployment", "web", "x"]`, true},
		{"%s.env[%d].value", `["spec.containers[0]", 3]`, true},
		{"100%% of %d", `[7]`, true},
		{"%v and %v", `[-12, "b"]`, true},
		{"%s", `[{"a": [1, 2]}]`, true},
		{"%q", `["tab\there \"quoted\" \u00e9 \u2028"]`, true},
		{"%s", `[[1, "a", {"b": null}]]`, true},
		{"%s", `[{1, 2}]`, true},
		{"%d", `[1.5]`, false},
		{"%d", `[1e3]`, false},
		{"%d", `[123456789012345678901234567890]`, false},
		{"%s", `[true]`, false},
		{"%s", `[null]`, false},
		{"%q", `[5]`, false},
		{"%d", `["5"]`, false},
		{"%-5s|", `["a"]`, false},
		{"%5d", `[1]`, false},
		{"%[1]s", `["a"]`, false},
		{"%s %s", `["a"]`, false},
		{"%s", `["a", "b"]`, false},
		{"trailing %", `[]`, false},
		{"%x", `["a"]`, false},
		{"no verbs", `[]`, true},
	}
	for _, c := range cases {
		arr := ast.MustParseTerm(c.args)
		operands := []*ast.Term{ast.StringTerm(c.format), arr}
		got, ok := fastSprintf(operands)
		if ok != c.fast {
			t.Errorf("sprintf(%q, %s): fast path %v, want %v", c.format, c.args, ok, c.fast)
		}
		if !ok {
			continue
		}
		want, _ := opaSprintf(t, operands)
		if got != want {
			t.Errorf("sprintf(%q, %s) = %q, OPA gives %q", c.format, c.args, got, want)
		}
	}
	if _, ok := fastSprintf([]*ast.Term{ast.IntNumberTerm(1), ast.ArrayTerm()}); ok {
		t.Error("a format that is not a string took the fast path")
	}
	if _, ok := fastSprintf([]*ast.Term{ast.StringTerm("%s"), ast.StringTerm("a")}); ok {
		t.Error("arguments that are not an array took the fast path")
	}
}

// FuzzFastSprintf checks that whatever the fast path formats, it formats as
// OPA does.
func FuzzFastSprintf(f *testing.F) {
	f.Add("%s %q of %s", `["a", "b\"c", "d"]`)
	f.Add("%d%%%v", `[1, -2]`)
	f.Add("%s", `[{"a": {1, 2}}]`)
	f.Add("%v", `[0.5]`)
	f.Fuzz(checkSprintf)
}

// BenchmarkSprintf compares the fast path with OPA's sprintf on a message
// of the library's shape.
func BenchmarkSprintf(b *testing.B) {
	operands := []*ast.Term{
		ast.StringTerm("%s %q of %s %s sets env var %q to a literal value"),
		ast.MustParseTerm(`["Container", "app", "Deployment", "web", "TOKEN"]`),
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := fastSprintf(operands); !ok {
				b.Fatal("not fast")
			}
		}
	})
	b.Run("opa", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			opaSprintf(b, operands)
		}
	})
}
