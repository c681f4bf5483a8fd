package engine

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
)

// Hand-written plans over the strings "a", "b", "c", "missing", for the
// cases of building values in one go that the planner's plans of the
// library do not all show.

func loc(l ir.Local) ir.Operand      { return ir.Operand{Value: l} }
func str(i int) ir.Operand           { return ir.Operand{Value: ir.StringIndex(i)} }
func blk(stmts ...ir.Stmt) *ir.Block { return &ir.Block{Stmts: stmts} }

func irPolicy(funcs []*ir.Func, blocks ...*ir.Block) *ir.Policy {
	static := &ir.Static{}
	for _, s := range []string{"a", "b", "c", "missing"} {
		static.Strings = append(static.Strings, &ir.StringConst{Value: s})
	}
	return &ir.Policy{
		Static: static,
		Plans:  &ir.Plans{Plans: []*ir.Plan{{Name: "test", Blocks: blocks}}},
		Funcs:  &ir.Funcs{Funcs: funcs},
	}
}

// countOps counts the ops of a code in blocks.
func countOps(blocks [][]op, code opcode) int {
	n := 0
	for _, b := range blocks {
		for i := range b {
			if b[i].code == code {
				n++
			}
			n += countOps(b[i].blocks, code)
		}
	}
	return n
}

func TestBuildValues(t *testing.T) {
	input := ast.NewArray(ast.InternedTerm(1), ast.InternedTerm(2), ast.InternedTerm(3))
	cases := []struct {
		name   string
		funcs  []*ir.Func
		blocks []*ir.Block
		want   string // the result set, as an array
		built  int    // the values built in one go
	}{
		{
			// A break leaves the array partly filled, and a later op reads it.
			name: "read after a break",
			blocks: []*ir.Block{blk(
				&ir.BlockStmt{Blocks: []*ir.Block{blk(
					&ir.MakeArrayStmt{Capacity: 2, Target: 2},
					&ir.ArrayAppendStmt{Value: str(0), Array: 2},
					&ir.DotStmt{Source: loc(ir.Input), Key: str(3), Target: 3},
					&ir.ArrayAppendStmt{Value: str(1), Array: 2},
				)}},
				&ir.ResultSetAddStmt{Value: 2},
			)},
			want: `[["a"]]`,
		},
		{
			name: "written after a break",
			blocks: []*ir.Block{blk(
				&ir.BlockStmt{Blocks: []*ir.Block{blk(
					&ir.MakeArrayStmt{Capacity: 2, Target: 2},
					&ir.ArrayAppendStmt{Value: str(0), Array: 2},
					&ir.DotStmt{Source: loc(ir.Input), Key: str(3), Target: 3},
					&ir.ArrayAppendStmt{Value: str(1), Array: 2},
				)}},
				&ir.AssignVarStmt{Source: str(2), Target: 2},
				&ir.ResultSetAddStmt{Value: 2},
			)},
			want:  `["c"]`,
			built: 1,
		},
		{
			// In a loop, an op before the Make reads the previous value.
			name: "read in the next iteration",
			blocks: []*ir.Block{blk(
				&ir.ScanStmt{Source: ir.Input, Key: 3, Value: 4, Block: blk(
					&ir.ResultSetAddStmt{Value: 2},
					&ir.MakeArrayStmt{Target: 2},
					&ir.ArrayAppendStmt{Value: loc(4), Array: 2},
					&ir.ArrayAppendStmt{Value: loc(4), Array: 2},
				)},
			)},
			want: `[[1, 1], [2, 2]]`,
		},
		{
			// Each value is a new one, not the builder's buffer.
			name: "a value per iteration",
			blocks: []*ir.Block{blk(
				&ir.ScanStmt{Source: ir.Input, Key: 3, Value: 4, Block: blk(
					&ir.MakeArrayStmt{Capacity: 2, Target: 2},
					&ir.ArrayAppendStmt{Value: loc(4), Array: 2},
					&ir.ArrayAppendStmt{Value: loc(3), Array: 2},
					&ir.ResultSetAddStmt{Value: 2},
				)},
			)},
			want:  `[[1, 0], [2, 1], [3, 2]]`,
			built: 1,
		},
		{
			// Appends after a read update the value read, in place.
			name: "read between appends",
			blocks: []*ir.Block{blk(
				&ir.MakeArrayStmt{Capacity: 2, Target: 2},
				&ir.ArrayAppendStmt{Value: str(0), Array: 2},
				&ir.AssignVarStmt{Source: loc(2), Target: 3},
				&ir.ArrayAppendStmt{Value: str(1), Array: 2},
				&ir.ResultSetAddStmt{Value: 3},
			)},
			want:  `[["a", "b"]]`,
			built: 1,
		},
		{
			name: "comprehension",
			blocks: []*ir.Block{blk(
				&ir.MakeArrayStmt{Target: 2},
				&ir.BlockStmt{Blocks: []*ir.Block{blk(
					&ir.ScanStmt{Source: ir.Input, Key: 3, Value: 4, Block: blk(
						&ir.NotEqualStmt{A: loc(4), B: loc(3)},
						&ir.ArrayAppendStmt{Value: loc(4), Array: 2},
					)},
				)}},
				&ir.ResultSetAddStmt{Value: 2},
			)},
			want:  `[[1, 2, 3]]`,
			built: 1,
		},
		{
			// A later insert replaces the value of an equal key.
			name: "object of repeated keys",
			blocks: []*ir.Block{blk(
				&ir.MakeObjectStmt{Target: 2},
				&ir.AssignVarStmt{Source: str(0), Target: 3},
				&ir.AssignVarStmt{Source: str(0), Target: 4},
				&ir.ObjectInsertStmt{Key: loc(3), Value: str(1), Object: 2},
				&ir.ObjectInsertStmt{Key: loc(4), Value: str(2), Object: 2},
				&ir.ResultSetAddStmt{Value: 2},
			)},
			want:  `[{"a": "c"}]`,
			built: 1,
		},
		{
			name: "object of constant keys",
			blocks: []*ir.Block{blk(
				&ir.MakeObjectStmt{Target: 2},
				&ir.ObjectInsertStmt{Key: str(0), Value: str(1), Object: 2},
				&ir.ObjectInsertStmt{Key: str(1), Value: loc(ir.Input), Object: 2},
				&ir.ResultSetAddStmt{Value: 2},
			)},
			want:  `[{"a": "b", "b": [1, 2, 3]}]`,
			built: 1,
		},
		{
			name: "set",
			blocks: []*ir.Block{blk(
				&ir.MakeSetStmt{Target: 2},
				&ir.SetAddStmt{Value: str(1), Set: 2},
				&ir.SetAddStmt{Value: str(0), Set: 2},
				&ir.SetAddStmt{Value: str(1), Set: 2},
				&ir.ResultSetAddStmt{Value: 2},
			)},
			want:  `[{"a", "b"}]`,
			built: 1,
		},
		{
			// A made set is shared until its first add, which must not
			// change it for the next.
			name: "set read before its adds",
			blocks: []*ir.Block{blk(
				&ir.MakeSetStmt{Target: 2},
				&ir.AssignVarStmt{Source: loc(2), Target: 3},
				&ir.SetAddStmt{Value: str(0), Set: 2},
				&ir.ResultSetAddStmt{Value: 3},
				&ir.MakeSetStmt{Target: 2},
				&ir.ResultSetAddStmt{Value: 2},
			)},
			want: `[{"a"}, set()]`,
		},
		{
			// f builds its array around a call of g, which builds its own.
			name: "functions",
			funcs: []*ir.Func{{
				Name: "f", Params: []ir.Local{0, 1, 2}, Return: 3,
				Blocks: []*ir.Block{blk(
					&ir.MakeArrayStmt{Capacity: 2, Target: 4},
					&ir.ArrayAppendStmt{Value: loc(2), Array: 4},
					&ir.CallStmt{Func: "g", Args: []ir.Operand{loc(0), loc(1), loc(2)}, Result: 5},
					&ir.ArrayAppendStmt{Value: loc(5), Array: 4},
					&ir.AssignVarStmt{Source: loc(4), Target: 3},
				), blk(&ir.ReturnLocalStmt{Source: 3})},
			}, {
				Name: "g", Params: []ir.Local{0, 1, 2}, Return: 3,
				Blocks: []*ir.Block{blk(
					&ir.MakeArrayStmt{Capacity: 2, Target: 4},
					&ir.ArrayAppendStmt{Value: loc(2), Array: 4},
					&ir.ArrayAppendStmt{Value: str(2), Array: 4},
					&ir.AssignVarStmt{Source: loc(4), Target: 3},
				), blk(&ir.ReturnLocalStmt{Source: 3})},
			}},
			blocks: []*ir.Block{blk(
				&ir.ScanStmt{Source: ir.Input, Key: 3, Value: 4, Block: blk(
					&ir.CallStmt{Func: "f", Args: []ir.Operand{loc(0), loc(1), loc(4)}, Result: 5},
					&ir.ResultSetAddStmt{Value: 5},
				)},
			)},
			want:  `[[1, [1, "c"]], [2, [2, "c"]], [3, [3, "c"]]]`,
			built: 2,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := newIRProgram(irPolicy(tc.funcs, tc.blocks...))
			if err != nil {
				t.Fatal(err)
			}
			built := countOps(p.plan, opBuild)
			for _, f := range p.funcs {
				built += countOps(f.blocks, opBuild)
			}
			if built != tc.built {
				t.Errorf("built %d values in one go, want %d", built, tc.built)
			}
			for range 2 { // with the pooled evaluation the second time
				rs, err := p.eval(t.Context(), input, ast.NewObject())
				if err != nil {
					t.Fatal(err)
				}
				// An object with a key twice compares unequal to the right
				// one, of fewer keys.
				if got, want := ast.NewArray(rs...), ast.MustParseTerm(tc.want).Value; got.Compare(want) != 0 {
					t.Fatalf("got %v, want %v", got, want)
				}
			}
			if emptySet.Len() != 0 {
				t.Fatalf("the shared empty set changed: %v", emptySet)
			}
		})
	}
}

// TestBuildAllocations checks that building an array costs the same
// allocations whatever its length.
func TestBuildAllocations(t *testing.T) {
	allocs := func(n int) float64 {
		stmts := []ir.Stmt{&ir.MakeArrayStmt{Capacity: int32(n), Target: 2}}
		for range n {
			stmts = append(stmts, &ir.ArrayAppendStmt{Value: str(0), Array: 2})
		}
		stmts = append(stmts, &ir.ResultSetAddStmt{Value: 2})
		p, err := newIRProgram(irPolicy(nil, blk(stmts...)))
		if err != nil {
			t.Fatal(err)
		}
		data := ast.NewObject()
		return testing.AllocsPerRun(100, func() {
			if rs, err := p.eval(t.Context(), nil, data); err != nil || len(rs) != 1 {
				t.Fatal(rs, err)
			}
		})
	}
	if short, long := allocs(2), allocs(32); short != long {
		t.Errorf("allocations: %v for 2 elements, %v for 32", short, long)
	}
}
