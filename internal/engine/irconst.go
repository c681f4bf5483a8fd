package engine

import (
	"reflect"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"

	"kubescape.io/kubescape/library"
)

// Rules that read neither the input nor anything of the session, but only
// the data document (the control inputs) and constants, have the same value
// in every evaluation of a program: the pattern that C-0012 builds from the
// sensitive key names, the registries a control allows, a table of
// capabilities. The interpreter computes such a rule once per data document
// and shares its value across evaluations (and goroutines: evaluations never
// change the values that rules return), where memoization alone would
// compute it again for every object.

// dataOnlyFuncs reports, for each function of a plan, whether it is a rule
// (parameters input and data alone) whose value depends on data alone:
// neither it nor a function it calls reads the input, calls a function
// through a data reference, replaces a document (with), or calls a
// built-in function whose result is not determined by its arguments
// (non-deterministic ones, the inventory's, print).
func dataOnlyFuncs(funcs []*ir.Func) []bool {
	index := make(map[string]int, len(funcs))
	for i, fn := range funcs {
		index[fn.Name] = i
	}
	// direct[i] is false when function i reads the input or is impure in
	// its own statements; calls[i] are the functions it calls, and
	// whether each call hands it the input as its first argument (as the
	// planner does) rather than elsewhere.
	direct := make([]bool, len(funcs))
	calls := make([][]int, len(funcs))
	for i, fn := range funcs {
		pure := len(fn.Params) >= 2 && fn.Params[0] == ir.Input && fn.Params[1] == ir.Data
		for _, b := range fn.Blocks {
			pure = pure && walkStmts(b, func(s ir.Stmt) bool {
				switch s := s.(type) {
				case *ir.CallStmt:
					j, ok := index[s.Func]
					if !ok { // a built-in function
						return pureBuiltin(s.Func) && !readsInput(reflect.ValueOf(s.Args))
					}
					calls[i] = append(calls[i], j)
					for k, a := range s.Args {
						if l, ok := a.Value.(ir.Local); ok && l == ir.Input && k != 0 {
							return false
						}
					}
					return true
				case *ir.CallDynamicStmt, *ir.WithStmt:
					return false
				}
				return !readsInput(reflect.ValueOf(s).Elem())
			})
		}
		direct[i] = pure
	}
	// A function is data-only when it and everything it calls are pure;
	// rules cannot be recursive, but the fixpoint does not rely on it.
	out := make([]bool, len(funcs))
	copy(out, direct)
	for changed := true; changed; {
		changed = false
		for i := range funcs {
			if !out[i] {
				continue
			}
			for _, j := range calls[i] {
				if !out[j] {
					out[i], changed = false, true
					break
				}
			}
		}
	}
	for i, fn := range funcs {
		out[i] = out[i] && len(fn.Params) == 2
	}
	return out
}

// walkStmts calls f on every statement of a block and of the blocks nested
// in it, and reports whether f held for all of them.
func walkStmts(b *ir.Block, f func(ir.Stmt) bool) bool {
	if b == nil {
		return true
	}
	for _, s := range b.Stmts {
		if !f(s) {
			return false
		}
		var nested []*ir.Block
		switch s := s.(type) {
		case *ir.BlockStmt:
			nested = s.Blocks
		case *ir.ScanStmt:
			nested = []*ir.Block{s.Block}
		case *ir.NotStmt:
			nested = []*ir.Block{s.Block}
		case *ir.WithStmt:
			nested = []*ir.Block{s.Block}
		}
		for _, n := range nested {
			if !walkStmts(n, f) {
				return false
			}
		}
	}
	return true
}

var (
	localType   = reflect.TypeFor[ir.Local]()
	operandType = reflect.TypeFor[ir.Operand]()
	blockType   = reflect.TypeFor[*ir.Block]()
)

// readsInput reports whether a statement's fields (or a slice of
// operands) name the input local; nested blocks are walked apart.
func readsInput(v reflect.Value) bool {
	switch {
	case v.Type() == localType:
		return ir.Local(v.Int()) == ir.Input
	case v.Type() == operandType:
		l, ok := v.Interface().(ir.Operand).Value.(ir.Local)
		return ok && l == ir.Input
	case v.Type() == blockType:
		return false
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && readsInput(v.Field(i)) {
				return true
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			if readsInput(v.Index(i)) {
				return true
			}
		}
	case reflect.Pointer:
		return !v.IsNil() && v.Type().Elem().Kind() == reflect.Struct && v.Type() != blockType && readsInput(v.Elem())
	}
	return false
}

// pureBuiltin reports whether a built-in function's result is determined
// by its arguments alone, with no effect.
func pureBuiltin(name string) bool {
	switch name {
	case library.InventoryBuiltin.Name, library.ClusterInventoryBuiltin.Name,
		ast.Print.Name, ast.InternalPrint.Name, ast.Trace.Name, ast.OPARuntime.Name:
		return false
	}
	b, ok := ast.BuiltinMap[name]
	return ok && !b.Nondeterministic
}

// shared is the value of a data-only rule for one data document.
type shared struct {
	data ast.Value
	out  *ast.Term // nil when the rule is undefined
}

// sharedSlot holds the last value computed of a data-only rule.
type sharedSlot struct{ v atomic.Pointer[shared] }

// load returns the rule's value for data, if computed.
func (s *sharedSlot) load(data ast.Value) (*ast.Term, bool) {
	v := s.v.Load()
	if v == nil || !sameDocument(v.data, data) {
		return nil, false
	}
	return v.out, true
}

func (s *sharedSlot) store(data ast.Value, out *ast.Term) {
	s.v.Store(&shared{data: data, out: out})
}

// sameDocument reports whether a and b are the same data document: the
// same object, not merely equal ones (comparing would cost what sharing
// saves).
func sameDocument(a, b ast.Value) bool {
	x, ok := a.(ast.Object)
	y, ok2 := b.(ast.Object)
	return ok && ok2 && x == y
}
