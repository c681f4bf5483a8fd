// Command regoprof shows where the Rego of some controls spends its time:
// it evaluates the controls over the objects of the given inputs (files,
// directories) a number of times under OPA's profiler and prints the most
// expensive expressions with their file and line.
//
//	go run ./hack/regoprof -controls C-0012,C-0078 -n 20 examples/shop
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/profiler"
	"github.com/open-policy-agent/opa/v1/rego"

	"kubescape.io/kubescape/internal/source"
	"kubescape.io/kubescape/library"
)

func main() {
	ids := flag.String("controls", "", "control IDs, comma separated (default: all)")
	n := flag.Int("n", 10, "times to evaluate each object")
	top := flag.Int("top", 30, "expressions to show")
	flag.Parse()
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
	data := map[string]any{"inputs": lib.Defaults(), "inventory": map[string]any{"namespaced": map[string]any{}, "cluster": map[string]any{}}}
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
