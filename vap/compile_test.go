package vap

import (
	"errors"
	"strings"
	"testing"

	"kubescape.io/kubescape/library"
)

// TestCompileAndCost compiles every generated policy with the API server's
// CEL environment (the current one and that of MinKubernetesVersion) and
// checks its estimated cost against the API server's limits.
func TestCompileAndCost(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := Load(lib)
	if err != nil {
		t.Fatal(err)
	}
	var worst ExpressionCost
	var worstPolicy string
	var worstTotal uint64
	for _, tr := range ts {
		t.Run(tr.Control.ID, func(t *testing.T) {
			p, err := NewPolicy(tr)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Compile(p); err != nil {
				t.Fatal(err)
			}
			pc, err := EstimateCost(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := pc.Check(); err != nil {
				t.Error(err)
			}
			for _, e := range pc.Expressions {
				if e.Cost > worst.Cost {
					worst, worstPolicy = e, p.Name
				}
			}
			worstTotal = max(worstTotal, pc.Total)
			t.Logf("estimated cost: total %d, %d expressions", pc.Total, len(pc.Expressions))
		})
	}
	t.Logf("limits: %d per expression, %d per policy; worst expression %s %s: %d; worst policy total %d",
		PerExpressionLimit, PolicyLimit, worstPolicy, worst.Field, worst.Cost, worstTotal)
}

// TestExpensiveExpressionRejected checks that the cost check refuses an
// expression whose cost grows with the fourth power of the containers, and
// that Generate leaves it out.
func TestExpensiveExpressionRejected(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	c, ok := lib.Control("C-0057")
	if !ok {
		t.Fatal("no C-0057")
	}
	tr, err := newTranslation(c, CEL{Validations: []Validation{{
		Expression: "variables.containers.all(a, variables.containers.all(b, variables.containers.all(x, variables.containers.all(y, a.name != b.name || b.name != x.name || x.image != y.image))))",
		Message:    "C-0057 too expensive",
	}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPolicy(tr)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := EstimateCost(p)
	if err != nil {
		t.Fatal(err)
	}
	err = pc.Check()
	if !errors.Is(err, ErrTooExpensive) || !strings.Contains(err.Error(), "validations[0].expression") {
		t.Fatalf("cost check: got %v, want the validation refused as too expensive (costs %+v)", err, pc.Expressions)
	}
	m, err := Generate(lib, []*Translation{tr}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Policies) != 0 || len(m.Skipped) != 1 || !errors.Is(m.Skipped[0].Reason, ErrTooExpensive) {
		t.Fatalf("Generate: %d policies, skipped %+v; want C-0057 skipped as too expensive", len(m.Policies), m.Skipped)
	}
}

// TestCompileRejectsBrokenCEL checks that a policy the API server could
// not compile is left out by Generate, with the expression named.
func TestCompileRejectsBrokenCEL(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := lib.Control("C-0041")
	for _, tc := range []struct{ name, expr, want string }{
		{"syntax", "variables.podSpec.hostNetwork ==", "validations[0].expression"},
		{"not a bool", "variables.podSpec.hostNetwork == true ? 'yes' : 'no'", "must evaluate to bool"},
		{"unknown function", "variables.podSpec.hostNetwork.frobnicate()", "validations[0].expression"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := newTranslation(c, CEL{Validations: []Validation{{Expression: tc.expr, Message: "C-0041 broken"}}})
			if err != nil {
				t.Fatal(err)
			}
			m, err := Generate(lib, []*Translation{tr}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Skipped) != 1 || !strings.Contains(m.Skipped[0].Reason.Error(), tc.want) {
				t.Fatalf("skipped %+v, want C-0041 skipped with an error naming %q", m.Skipped, tc.want)
			}
		})
	}
}
