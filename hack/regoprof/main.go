// Command regoprof shows where the Rego of some controls spends its time:
// it evaluates the controls over the objects of the given inputs (files,
// directories) a number of times under OPA's profiler and prints the most
// expensive expressions with their file and line. OPA's profiler measures
// topdown, the reference evaluator, not the engine's interpreter of planned
// IR; an expression costly in one is usually costly in the other. With
// -by-control it evaluates each control alone through the engine, with the
// inventory of all the objects, and prints the controls by CPU time.
//
//	go run ./hack/regoprof -controls C-0012,C-0078 -n 20 examples/shop
//	go run ./hack/regoprof -by-control -top 40 ./corpus
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/profiler"
	"github.com/open-policy-agent/opa/v1/rego"

	"kubescape.io/kubescape/internal/engine"
	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/internal/source"
	"kubescape.io/kubescape/library"
)

func main() {
	ids := flag.String("controls", "", "control IDs, comma separated (default: all)")
	n := flag.Int("n", 10, "times to evaluate each object")
	top := flag.Int("top", 30, "expressions (or controls) to show")
	byControl := flag.Bool("by-control", false, "time each control alone through the engine")
	flag.Parse()
	run := run
	if *byControl {
		run = runByControl
	}
	if err := run(*ids, *n, *top, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "regoprof:", err)
		os.Exit(1)
	}
}

func run(ids string, n, top int, targets []string) error {
	ctx := context.Background()
	lib, err := library.Load()
	if err != nil {
		return err
	}
	var controls []*library.Control
	if ids == "" {
		controls = lib.DefaultControls()
	} else if controls, err = lib.Select(nil, strings.Split(ids, ",")); err != nil {
		return err
	}
	read, err := source.Read(ctx, targets, source.Options{MaxFileSize: 1 << 30})
	if err != nil {
		return err
	}
	modules := map[string]*ast.Module{}
	for name, src := range lib.LibModules() {
		if modules[name], err = ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1}); err != nil {
			return err
		}
	}
	byKind := map[string][]string{}
	for _, c := range controls {
		name := "controls/" + c.ID + "/rule.rego"
		if modules[name], err = ast.ParseModuleWithOpts(name, c.Rego, ast.ParserOptions{RegoVersion: ast.RegoV1}); err != nil {
			return err
		}
		for _, k := range c.Kinds {
			byKind[k] = append(byKind[k], fmt.Sprintf("x%d := %s.deny", len(byKind[k]), c.Package))
		}
	}
	comp := ast.NewCompiler()
	if comp.Compile(modules); comp.Failed() {
		return comp.Errors
	}
	// Relational rules see an empty inventory here: kubescape.inventory
	// reads the objects of an engine session, and this profile has none.
	data := map[string]any{"inputs": lib.Defaults()}
	queries := map[string]rego.PreparedEvalQuery{}
	for kind, q := range byKind {
		pq, err := rego.New(rego.Query(strings.Join(q, "; ")), rego.Compiler(comp), rego.Data(data)).PrepareForEval(ctx)
		if err != nil {
			return err
		}
		queries[kind] = pq
	}
	p := profiler.New()
	evals := 0
	for _, o := range read.Objects {
		pq, ok := queries[o.Ref().Kind]
		if !ok {
			continue
		}
		input, err := ast.InterfaceToValue(o.Content)
		if err != nil {
			return err
		}
		for range n {
			if _, err := pq.Eval(ctx, rego.EvalParsedInput(input), rego.EvalQueryTracer(p)); err != nil {
				return err
			}
			evals++
		}
	}
	fmt.Printf("%d evaluations of %d objects\n%10s %8s  %s\n", evals, len(read.Objects), "total ms", "evals", "expression")
	for _, r := range p.ReportTopNResults(top, []string{"total_time_ns"}) {
		fmt.Printf("%10.2f %8d  %s:%d\n", float64(r.ExprTimeNs)/1e6, r.NumEval, r.Location.File, r.Location.Row)
	}
	return nil
}

// runByControl evaluates each control alone over every object, n times,
// with a session holding the inventory of all the objects, and prints the
// controls by time.
func runByControl(ids string, n, top int, targets []string) error {
	ctx := context.Background()
	lib, err := library.Load()
	if err != nil {
		return err
	}
	controls := lib.DefaultControls()
	if ids != "" {
		if controls, err = lib.Select(nil, strings.Split(ids, ",")); err != nil {
			return err
		}
	}
	read, err := source.Read(ctx, targets, source.Options{MaxFileSize: 1 << 30})
	if err != nil {
		return err
	}
	objs := make([]*resource.Object, len(read.Objects))
	for i := range read.Objects {
		objs[i] = &read.Objects[i]
	}
	type cost struct {
		id    string
		d     time.Duration
		evals int
	}
	var costs []cost
	var total time.Duration
	for _, c := range controls {
		e, err := engine.New(lib, []*library.Control{c}, nil)
		if err != nil {
			return err
		}
		s := e.NewSession(objs)
		evals := 0
		for _, o := range objs {
			if c.AppliesTo(o.Ref().Kind) {
				s.Evaluate(ctx, o) // warm the kind's query
				break
			}
		}
		start := time.Now()
		for range n {
			for _, o := range objs {
				if c.AppliesTo(o.Ref().Kind) {
					s.Evaluate(ctx, o)
					evals++
				}
			}
		}
		d := time.Since(start)
		total += d
		costs = append(costs, cost{c.ID, d, evals})
	}
	sort.Slice(costs, func(i, j int) bool { return costs[i].d > costs[j].d })
	fmt.Printf("%d objects, %d controls, %d runs: %.0f ms per run in all\n%10s %8s %10s  %s\n",
		len(objs), len(controls), n, float64(total.Milliseconds())/float64(n), "ms/run", "evals", "µs/eval", "control")
	for i, c := range costs {
		if i == top {
			break
		}
		per := 0.0
		if c.evals > 0 {
			per = float64(c.d.Microseconds()) / float64(c.evals)
		}
		fmt.Printf("%10.1f %8d %10.1f  %s\n", float64(c.d.Microseconds())/1e3/float64(n), c.evals/n, per, c.id)
	}
	return nil
}
