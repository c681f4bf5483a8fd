package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"kubescape.io/kubescape/library"
)

// TestDispatchPlanServesEveryKind checks that the kinds of the library are
// evaluated by the one dispatch plan, and that it gives each kind the deny
// sets of its own controls: an object of every kind evaluates to as many
// sets as the kind has controls, without falling back to topdown.
func TestDispatchPlanServesEveryKind(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(lib, lib.Controls(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.dispatched) < 30 {
		t.Fatalf("the dispatch module covers %d kinds", len(e.dispatched))
	}
	for kind, controls := range e.byKind {
		q := e.query(t.Context(), kind)
		if !q.dispatch || q.err != nil || e.dispatchErr != nil {
			t.Fatalf("%s: dispatch %v, errors %v, %v", kind, q.dispatch, q.err, e.dispatchErr)
		}
		in, err := ObjectValue(obj(fmt.Sprintf(`{"apiVersion": "v1", "kind": %q, "metadata": {"name": "x", "namespace": "y"}}`, kind)))
		if err != nil {
			t.Fatal(err)
		}
		rs, err := q.parts[0].eval(t.Context(), named(in), e.data)
		if err != nil || len(rs) != 1 {
			t.Fatalf("%s: %d results, %v", kind, len(rs), err)
		}
		result, ok := rs[0].Value.(ast.Object)
		if !ok || dispatchSets(result, len(controls)) == nil {
			t.Errorf("%s: result %v is not %d deny sets", kind, rs[0], len(controls))
		}
	}
}

// TestDispatchAgreesWithKindPlans checks that the dispatch plan and the
// plans of single kinds give the same verdicts on every fixture object.
func TestDispatchAgreesWithKindPlans(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	dispatched, err := New(lib, lib.Controls(), nil)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := New(lib, lib.Controls(), nil)
	if err != nil {
		t.Fatal(err)
	}
	alone.dispatched = nil // every kind planned on its own
	ds, as := dispatched.NewSession(nil), alone.NewSession(nil)
	objects, failed := 0, 0
	fixtureCases(t, lib, func(_ *library.Control, tc library.TestCase) {
		if len(tc.Inputs) > 0 {
			return
		}
		for _, content := range tc.Objects {
			doc, err := json.Marshal(content)
			if err != nil {
				t.Fatal(err)
			}
			o := obj(string(doc))
			got, want := ds.Evaluate(t.Context(), o), as.Evaluate(t.Context(), o)
			if len(got) != len(want) {
				t.Fatalf("%v: %d verdicts, want %d", o.Ref(), len(got), len(want))
			}
			for i := range got {
				if got[i].Control != want[i].Control || !reflect.DeepEqual(got[i].Findings, want[i].Findings) || (got[i].Err == nil) != (want[i].Err == nil) {
					t.Errorf("%v %s: dispatched %+v, alone %+v", o.Ref(), want[i].Control.ID, got[i], want[i])
				}
				if want[i].Failed() {
					failed++
				}
			}
			objects++
		}
	})
	// Both would agree if both fell back to topdown: neither may.
	if d, a := ds.fallbacks.Load(), as.fallbacks.Load(); d != 0 || a != 0 {
		t.Errorf("%d objects fell back to topdown with the dispatch plan, %d with the kinds' plans", d, a)
	}
	if objects < 300 || failed < 300 {
		t.Errorf("compared %d objects, %d failed verdicts: too few", objects, failed)
	}
	t.Logf("compared %d objects, %d failed verdicts", objects, failed)
}

// TestEmbeddedLibraryTypeChecks type-checks the embedded library with the
// dispatch module, which engine.New leaves unchecked at run time.
func TestEmbeddedLibraryTypeChecks(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !lib.Embedded() {
		t.Fatal("library.Load is not the embedded library")
	}
	e, err := New(lib, lib.Controls(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := compile(e.sources, ast.EvalModeIR, true); err != nil {
		t.Fatal(err)
	}
}
