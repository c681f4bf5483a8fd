package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"kubescape.io/kubescape/library"
)

// One plan for every kind. Planning the query of each kind on its own
// (queryOf) repeats the library's helpers in every plan: the 38 kinds of the
// library made 135,000 ops in 0.8 s of planning, and a scan keeps the plans
// of the kinds it reads. The dispatch module holds one rule whose value is
// the array of the deny sets of the controls of the input's kind, chosen by
// an else chain on input.kind: planned once, it is 28,000 ops made in
// 0.1 s, the helpers planned once for all kinds. Evaluating it costs the
// kind comparisons down the chain to the input's (the commonest kinds come
// first), a few ops against the thousands of an object's controls.

const (
	dispatchFile    = "engine/dispatch.rego"
	dispatchPackage = "kubescape.engine.dispatch"
	dispatchQuery   = "x := data." + dispatchPackage + ".verdicts"
)

// dispatchBinding is the query variable of the dispatch plan.
var dispatchBinding = ast.StringTerm("x")

// dispatchFirst are the kinds that come first in the chain, in this order:
// the bulk of a scan.
var dispatchFirst = []string{"Deployment", "Pod", "Service", "ServiceAccount", "ConfigMap", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "RoleBinding", "Role", "NetworkPolicy"}

// dispatchModule is the Rego module of the dispatch rule over the kinds of
// byKind whose name is a plain identifier (the others are planned alone),
// and the kinds it covers; "" when there are none. The deny sets of a kind
// are in the order of byKind.
func dispatchModule(byKind map[string][]*library.Control) (string, map[string]bool) {
	var kinds []string
	for k := range byKind {
		if isIdentifier(k) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return "", nil
	}
	rank := func(k string) int {
		if i := slices.Index(dispatchFirst, k); i >= 0 {
			return i
		}
		return len(dispatchFirst)
	}
	slices.SortFunc(kinds, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n\n", dispatchPackage)
	covered := make(map[string]bool, len(kinds))
	for i, k := range kinds {
		if i == 0 {
			b.WriteString("verdicts := [")
		} else {
			b.WriteString(" else := [")
		}
		for j, c := range byKind[k] {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s.deny", c.Package)
		}
		fmt.Fprintf(&b, "] if {\n\tinput.kind == %q\n}", k)
		covered[k] = true
	}
	b.WriteString("\n")
	return b.String(), covered
}

// isIdentifier reports whether a kind is letters and digits, as every
// Kubernetes kind: safe to quote in Rego as in Go.
func isIdentifier(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		lower, upper, digit := 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9'
		if !lower && !upper && !digit {
			return false
		}
	}
	return true
}

// dispatchSets is the array of deny sets in the dispatch plan's result;
// nil when it is missing or not of n sets, which the caller treats as a
// failed evaluation.
func dispatchSets(result ast.Object, n int) *ast.Array {
	t := result.Get(dispatchBinding)
	if t == nil {
		return nil
	}
	arr, ok := t.Value.(*ast.Array)
	if !ok || arr.Len() != n {
		return nil
	}
	return arr
}
