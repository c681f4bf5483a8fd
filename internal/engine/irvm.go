package engine

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/builtins"
)

// This file evaluates queries through OPA's intermediate representation: the
// planner (the front half of OPA's Wasm compiler) turns a query and the
// modules it reaches into imperative blocks of statements over locals, which
// irProgram interprets. The same plan OPA compiles to Wasm runs here without
// topdown's unification and backtracking; built-in functions are topdown's
// own implementations, so every builtin behaves exactly as in topdown. The
// semantics of each statement follow OPA's Wasm compiler; the engine's tests
// check that both evaluators give identical verdicts on every fixture of the
// library.

// irTarget is the rego target name under which the planned policy is
// captured (see planQuery).
const irTarget = "kubescape-ir"

var registerIRTarget = sync.OnceFunc(func() { rego.RegisterPlugin(irTarget, irPlugin{}) })

// irPlugin hands the planned policy of a prepared query to the *ir.Policy
// that the context passed to PrepareForEval carries (see planQuery).
type irPlugin struct{}

type planCaptureKey struct{}

func (irPlugin) IsTarget(t string) bool { return t == irTarget }

func (irPlugin) PrepareForEval(ctx context.Context, policy *ir.Policy, _ ...rego.PrepareOption) (rego.TargetPluginEval, error) {
	dst, ok := ctx.Value(planCaptureKey{}).(**ir.Policy)
	if !ok {
		return nil, errors.New("kubescape-ir target used outside the engine")
	}
	*dst = policy
	return irPlugin{}, nil
}

func (irPlugin) Eval(context.Context, *rego.EvalContext, ast.Value) (ast.Value, error) {
	return nil, errors.New("kubescape-ir plans are evaluated by the engine, not by rego")
}

// planQuery plans a query over the compiled modules.
func planQuery(ctx context.Context, compiler *ast.Compiler, query string) (*ir.Policy, error) {
	registerIRTarget()
	var policy *ir.Policy
	r := rego.New(
		rego.Query(query),
		rego.Compiler(compiler),
		rego.Store(inmem.New()),
		rego.Target(irTarget),
		rego.SetRegoVersion(ast.RegoV1),
	)
	if _, err := r.PrepareForEval(context.WithValue(ctx, planCaptureKey{}, &policy)); err != nil {
		return nil, fmt.Errorf("plan query: %w", err)
	}
	if policy == nil {
		return nil, errors.New("plan query: the planner produced no plan")
	}
	return policy, nil
}

// irProgram is a planned query compiled for repeated evaluation: statements
// become ops whose calls, constants and operands are resolved once.
type irProgram struct {
	plan    [][]op // the plan's blocks
	nlocals int
	funcs   []*irFunc
	tree    *funcTree // for dynamic calls
	pool    sync.Pool // of *irEval
}

type irFunc struct {
	index   int
	params  []int
	ret     int
	blocks  [][]op
	nlocals int
	memo    bool // functions of input and data alone are rules: memoized per evaluation
}

// operand is a local, or a constant when term is set.
type operand struct {
	local int
	term  *ast.Term
}

func (o operand) get(locals []*ast.Term) *ast.Term {
	if o.term != nil {
		return o.term
	}
	return locals[o.local]
}

type opcode uint8

const (
	opReturn opcode = iota
	opCall
	opCallBuiltin
	opCallDynamic
	opBlock
	opBreak
	opDot
	opLen
	opScan
	opNot
	opAssign // AssignVarStmt, and the Make*/AssignInt statements of constants
	opAssignOnce
	opReset
	opMakeArray
	opMakeObject
	opMakeSet
	opEqual
	opNotEqual
	opIsArray
	opIsObject
	opIsSet
	opIsDefined
	opIsUndefined
	opArrayAppend
	opObjectInsert
	opObjectInsertOnce
	opObjectMerge
	opSetAdd
	opWith
	opNop
	opResultAdd
)

// op is one statement. Fields are used as each opcode needs: target the
// local written, x and y the operands read, n a count (capacity, break
// index), args the arguments of calls, blocks the nested blocks.
type op struct {
	code    opcode
	target  int
	x, y    operand
	n       int
	args    []operand
	fn      *irFunc
	builtin topdown.BuiltinFunc
	void    bool
	name    string
	path    []operand
	blocks  [][]op
	row     int
}

// funcTree maps the data paths of rules to their functions, for the dynamic
// calls of references with variables into virtual documents.
type funcTree struct {
	fn       *irFunc
	children map[string]*funcTree
}

type irCompiler struct {
	strings []*ast.Term
	byName  map[string]*irFunc
	tree    *funcTree
	decls   map[string]*ir.BuiltinFunc
	top     int // the highest local of the body being compiled
	err     error
}

func newIRProgram(policy *ir.Policy) (*irProgram, error) {
	if policy.Plans == nil || len(policy.Plans.Plans) != 1 {
		return nil, errors.New("plan: want exactly one plan")
	}
	c := &irCompiler{byName: map[string]*irFunc{}, tree: &funcTree{}, decls: map[string]*ir.BuiltinFunc{}}
	for _, s := range policy.Static.Strings {
		c.strings = append(c.strings, ast.StringTerm(s.Value))
	}
	for _, b := range policy.Static.BuiltinFuncs {
		c.decls[b.Name] = b
	}
	p := &irProgram{tree: c.tree}
	var funcs []*ir.Func
	if policy.Funcs != nil {
		funcs = policy.Funcs.Funcs
	}
	// Declare every function first: bodies call each other.
	for i, fn := range funcs {
		f := &irFunc{index: i, ret: int(fn.Return), memo: len(fn.Params) == 2}
		for _, l := range fn.Params {
			f.params = append(f.params, int(l))
		}
		p.funcs = append(p.funcs, f)
		c.byName[fn.Name] = f
		if len(fn.Path) > 0 {
			node := c.tree
			for _, seg := range fn.Path { // from "g0", as dynamic calls name them
				if node.children == nil {
					node.children = map[string]*funcTree{}
				}
				next := node.children[seg]
				if next == nil {
					next = &funcTree{}
					node.children[seg] = next
				}
				node = next
			}
			node.fn = f
		}
	}
	for i, fn := range funcs {
		f := p.funcs[i]
		f.blocks, f.nlocals = c.body(fn.Blocks, append([]ir.Local{fn.Return}, fn.Params...))
	}
	p.plan, p.nlocals = c.body(policy.Plans.Plans[0].Blocks, nil)
	if c.err != nil {
		return nil, c.err
	}
	return p, nil
}

func (c *irCompiler) fail(format string, args ...any) {
	c.err = errors.Join(c.err, fmt.Errorf("plan: "+format, args...))
}

// body compiles the blocks of a function (whose parameters and return
// local are named) or of the plan, and sizes its frame: input, data and
// every local it names.
func (c *irCompiler) body(bs []*ir.Block, named []ir.Local) ([][]op, int) {
	c.top = int(ir.Data)
	for _, l := range named {
		c.loc(l)
	}
	return c.blocks(bs), c.top + 1
}

func (c *irCompiler) blocks(bs []*ir.Block) [][]op {
	out := make([][]op, len(bs))
	for i, b := range bs {
		out[i] = c.block(b)
	}
	return out
}

func (c *irCompiler) operand(o ir.Operand) operand {
	switch v := o.Value.(type) {
	case ir.Local:
		return c.local(v)
	case ir.StringIndex:
		return operand{term: c.strings[v]}
	case ir.Bool:
		return operand{term: ast.InternedTerm(bool(v))}
	}
	c.fail("operand %v", o.Value)
	return operand{term: ast.InternedNullTerm}
}

// loc names a local of the body being compiled, and counts it into the
// size of its frame.
func (c *irCompiler) loc(l ir.Local) int {
	c.top = max(c.top, int(l))
	return int(l)
}

func (c *irCompiler) local(l ir.Local) operand { return operand{local: c.loc(l)} }

func constant(t *ast.Term) operand { return operand{term: t} }

func (c *irCompiler) block(b *ir.Block) []op {
	if b == nil {
		return nil
	}
	out := make([]op, 0, len(b.Stmts))
	for _, stmt := range b.Stmts {
		o := op{row: stmt.GetLocation().Row}
		switch s := stmt.(type) {
		case *ir.ReturnLocalStmt:
			o.code, o.x = opReturn, c.local(s.Source)
		case *ir.CallStmt:
			o.target, o.name = c.loc(s.Result), s.Func
			for _, a := range s.Args {
				o.args = append(o.args, c.operand(a))
			}
			if f, ok := c.byName[s.Func]; ok {
				o.code, o.fn = opCall, f
				break
			}
			o.code, o.builtin = opCallBuiltin, topdown.GetBuiltin(s.Func)
			if o.builtin == nil {
				c.fail("unknown function %q", s.Func)
			}
			if d, ok := c.decls[s.Func]; ok && d.Decl != nil && d.Decl.Result() == nil {
				o.void = true
			}
		case *ir.CallDynamicStmt:
			o.code, o.target = opCallDynamic, c.loc(s.Result)
			for _, a := range s.Args {
				o.args = append(o.args, c.local(a))
			}
			for _, seg := range s.Path {
				o.path = append(o.path, c.operand(seg))
			}
		case *ir.BlockStmt:
			o.code, o.blocks = opBlock, c.blocks(s.Blocks)
		case *ir.BreakStmt:
			o.code, o.n = opBreak, int(s.Index)
		case *ir.DotStmt:
			o.code, o.x, o.y, o.target = opDot, c.operand(s.Source), c.operand(s.Key), c.loc(s.Target)
		case *ir.LenStmt:
			o.code, o.x, o.target = opLen, c.operand(s.Source), c.loc(s.Target)
		case *ir.ScanStmt:
			o.code, o.x, o.target, o.n = opScan, c.local(s.Source), c.loc(s.Key), c.loc(s.Value)
			o.blocks = [][]op{c.block(s.Block)}
		case *ir.NotStmt:
			o.code, o.blocks = opNot, [][]op{c.block(s.Block)}
		case *ir.AssignIntStmt:
			o.code, o.x, o.target = opAssign, constant(ast.InternedTerm(int(s.Value))), c.loc(s.Target)
		case *ir.AssignVarStmt:
			o.code, o.x, o.target = opAssign, c.operand(s.Source), c.loc(s.Target)
		case *ir.AssignVarOnceStmt:
			o.code, o.x, o.target = opAssignOnce, c.operand(s.Source), c.loc(s.Target)
		case *ir.ResetLocalStmt:
			o.code, o.target = opReset, c.loc(s.Target)
		case *ir.MakeNullStmt:
			o.code, o.x, o.target = opAssign, constant(ast.InternedNullTerm), c.loc(s.Target)
		case *ir.MakeNumberIntStmt:
			o.code, o.x, o.target = opAssign, constant(ast.InternedTerm(int(s.Value))), c.loc(s.Target)
		case *ir.MakeNumberRefStmt:
			num := ast.NewTerm(ast.Number(c.strings[s.Index].Value.(ast.String)))
			o.code, o.x, o.target = opAssign, constant(num), c.loc(s.Target)
		case *ir.MakeArrayStmt:
			o.code, o.n, o.target = opMakeArray, int(s.Capacity), c.loc(s.Target)
		case *ir.MakeObjectStmt:
			o.code, o.target = opMakeObject, c.loc(s.Target)
		case *ir.MakeSetStmt:
			o.code, o.target = opMakeSet, c.loc(s.Target)
		case *ir.EqualStmt:
			o.code, o.x, o.y = opEqual, c.operand(s.A), c.operand(s.B)
		case *ir.NotEqualStmt:
			o.code, o.x, o.y = opNotEqual, c.operand(s.A), c.operand(s.B)
		case *ir.IsArrayStmt:
			o.code, o.x = opIsArray, c.operand(s.Source)
		case *ir.IsObjectStmt:
			o.code, o.x = opIsObject, c.operand(s.Source)
		case *ir.IsSetStmt:
			o.code, o.x = opIsSet, c.operand(s.Source)
		case *ir.IsDefinedStmt:
			o.code, o.x = opIsDefined, c.local(s.Source)
		case *ir.IsUndefinedStmt:
			o.code, o.x = opIsUndefined, c.local(s.Source)
		case *ir.ArrayAppendStmt:
			o.code, o.x, o.target = opArrayAppend, c.operand(s.Value), c.loc(s.Array)
		case *ir.ObjectInsertStmt:
			o.code, o.x, o.y, o.target = opObjectInsert, c.operand(s.Key), c.operand(s.Value), c.loc(s.Object)
		case *ir.ObjectInsertOnceStmt:
			o.code, o.x, o.y, o.target = opObjectInsertOnce, c.operand(s.Key), c.operand(s.Value), c.loc(s.Object)
		case *ir.ObjectMergeStmt:
			o.code, o.x, o.y, o.target = opObjectMerge, c.local(s.A), c.local(s.B), c.loc(s.Target)
		case *ir.SetAddStmt:
			o.code, o.x, o.target = opSetAdd, c.operand(s.Value), c.loc(s.Set)
		case *ir.WithStmt:
			o.code, o.target, o.x = opWith, c.loc(s.Local), c.operand(s.Value)
			for _, idx := range s.Path {
				o.path = append(o.path, constant(c.strings[idx]))
			}
			o.blocks = [][]op{c.block(s.Block)}
		case *ir.NopStmt:
			o.code = opNop
		case *ir.ResultSetAddStmt:
			o.code, o.x = opResultAdd, c.local(s.Value)
		default:
			c.fail("unsupported statement %T", stmt)
		}
		out = append(out, o)
	}
	return out
}

// irEval is the state of one evaluation.
type irEval struct {
	p       *irProgram
	bctx    topdown.BuiltinContext
	memo    []*ast.Term
	memoSet []bool
	results []*ast.Term
	ret     *ast.Term   // the value of the last return statement
	stack   []*ast.Term // the locals of the functions being called
	args    []*ast.Term // scratch for the arguments of a builtin
	// out receives a builtin's result through iter, made once per
	// evaluation rather than a closure per call.
	out  *ast.Term
	iter func(*ast.Term) error
}

// errIRConflict is a rule that produced two values where one is allowed, as
// topdown's conflict errors.
var errIRConflict = errors.New("conflicting values")

// eval runs the plan with the input and data documents, returning the
// values of its result set.
func (p *irProgram) eval(ctx context.Context, input, data ast.Value) (results []*ast.Term, err error) {
	// A fault of the interpreter must not stop a scan or a webhook: it
	// becomes an error, and the caller evaluates the object with topdown.
	defer func() {
		if r := recover(); r != nil {
			results, err = nil, fmt.Errorf("plan: internal error: %v", r)
		}
	}()
	e, _ := p.pool.Get().(*irEval)
	if e == nil {
		e = &irEval{
			p:       p,
			memo:    make([]*ast.Term, len(p.funcs)),
			memoSet: make([]bool, len(p.funcs)),
			stack:   make([]*ast.Term, 0, 1024),
		}
		e.iter = func(t *ast.Term) error {
			e.out = t
			return nil
		}
	}
	defer e.release()
	e.bctx = topdown.BuiltinContext{
		Context: ctx,
		Time:    ast.NewTerm(ast.Number(strconv.FormatInt(time.Now().UnixNano(), 10))),
		Cache:   builtins.Cache{},
		Seed:    rand.Reader, // as topdown: its default seed
	}
	locals := make([]*ast.Term, p.nlocals)
	if input != nil {
		locals[ir.Input] = ast.NewTerm(input)
	}
	locals[ir.Data] = ast.NewTerm(data)
	for _, b := range p.plan {
		r, err := e.block(locals, b)
		if err != nil {
			return nil, err
		}
		if r == brReturn {
			break
		}
	}
	return e.results, nil
}

// release clears the evaluation's state and returns it to its program's
// pool: the stack and the memo tables are reused by the next evaluation.
func (e *irEval) release() {
	clear(e.memo)
	clear(e.memoSet)
	clear(e.stack[:cap(e.stack)])
	e.stack = e.stack[:0]
	clear(e.args[:cap(e.args)])
	e.results, e.ret, e.out = nil, nil, nil
	e.bctx = topdown.BuiltinContext{}
	e.p.pool.Put(e)
}

// The outcome of a block: ran to its end, returned from the function, or
// left with the number of enclosing blocks still to leave (0: only this one,
// as when one of its statements is undefined).
const (
	brEnd    = -1
	brReturn = -2
)

// frame takes n cleared locals from the stack.
func (e *irEval) frame(n int) (base int, locals []*ast.Term) {
	base = len(e.stack)
	if cap(e.stack)-base < n {
		grown := make([]*ast.Term, base, 2*cap(e.stack)+n)
		copy(grown, e.stack)
		e.stack = grown
	}
	e.stack = e.stack[:base+n]
	locals = e.stack[base : base+n : base+n]
	clear(locals)
	return base, locals
}

func (e *irEval) call(f *irFunc, caller []*ast.Term, args []operand) (*ast.Term, error) {
	if f.memo && e.memoSet[f.index] {
		return e.memo[f.index], nil
	}
	base, locals := e.frame(f.nlocals)
	for i, l := range f.params {
		v := args[i].get(caller)
		if v == nil {
			e.stack = e.stack[:base]
			return nil, nil
		}
		locals[l] = v
	}
	out, err := e.run(f, locals)
	e.stack = e.stack[:base]
	return out, err
}

// callInto calls f with the op's arguments and sets its target to the
// result; defined is false when the call is undefined.
func (e *irEval) callInto(locals []*ast.Term, o *op, f *irFunc) (defined bool, err error) {
	out, err := e.call(f, locals, o.args)
	if err != nil || out == nil {
		return false, err
	}
	locals[o.target] = out
	return true, nil
}

func (e *irEval) run(f *irFunc, locals []*ast.Term) (*ast.Term, error) {
	var out *ast.Term
	for _, b := range f.blocks {
		r, err := e.block(locals, b)
		if err != nil {
			return nil, err
		}
		if r == brReturn {
			out = e.ret
			break
		}
		out = locals[f.ret]
		if r > 0 { // a break out of the function's body
			break
		}
	}
	if f.memo {
		e.memo[f.index], e.memoSet[f.index] = out, true
	}
	return out, nil
}

// block runs the ops of one block.
func (e *irEval) block(locals []*ast.Term, b []op) (int, error) {
	for i := range b {
		o := &b[i]
		switch o.code {
		case opReturn:
			e.ret = o.x.get(locals)
			return brReturn, nil
		case opCall:
			if defined, err := e.callInto(locals, o, o.fn); !defined || err != nil {
				return 0, err
			}
		case opCallBuiltin:
			args := e.args[:0]
			for _, a := range o.args {
				v := a.get(locals)
				if v == nil {
					return 0, nil
				}
				args = append(args, v)
			}
			e.args = args
			out, err := e.builtin(o, args)
			if err != nil {
				return 0, err
			}
			if o.void {
				continue
			}
			if out == nil {
				return 0, nil
			}
			locals[o.target] = out
		case opCallDynamic:
			node := e.p.tree
			for _, seg := range o.path {
				key, ok := termValue(seg.get(locals)).(ast.String)
				if !ok || node == nil {
					return 0, nil
				}
				node = node.children[string(key)]
			}
			if node == nil || node.fn == nil {
				return 0, nil
			}
			if defined, err := e.callInto(locals, o, node.fn); !defined || err != nil {
				return 0, err
			}
		case opBlock:
			for _, sub := range o.blocks {
				r, err := e.block(locals, sub)
				if err != nil || r == brReturn {
					return r, err
				}
				if r > 0 {
					return r - 1, nil
				}
			}
		case opBreak:
			return o.n, nil
		case opDot:
			src, key := o.x.get(locals), o.y.get(locals)
			if src == nil || key == nil {
				return 0, nil
			}
			v := dot(src.Value, key)
			if v == nil {
				return 0, nil
			}
			locals[o.target] = v
		case opLen:
			src := o.x.get(locals)
			if src == nil {
				return 0, nil
			}
			n, ok := length(src.Value)
			if !ok {
				return 0, nil
			}
			locals[o.target] = ast.InternedTerm(n)
		case opScan:
			src := o.x.get(locals)
			if src == nil {
				continue
			}
			r, err := e.scan(locals, o, src.Value)
			if err != nil || r == brReturn {
				return r, err
			}
			if r >= 0 {
				return r, nil
			}
		case opNot:
			r, err := e.block(locals, o.blocks[0])
			if err != nil || r == brReturn {
				return r, err
			}
			switch {
			case r == brEnd: // the negated block is defined
				return 0, nil
			case r > 0:
				return r - 1, nil
			}
		case opAssign:
			locals[o.target] = o.x.get(locals)
		case opAssignOnce:
			v := o.x.get(locals)
			if cur := locals[o.target]; cur != nil && v != nil && ast.Compare(cur.Value, v.Value) != 0 {
				return 0, conflict(o.row)
			}
			locals[o.target] = v
		case opReset:
			locals[o.target] = nil
		case opMakeArray:
			locals[o.target] = ast.NewTerm(ast.NewArrayWithCapacity(o.n))
		case opMakeObject:
			locals[o.target] = ast.NewTerm(ast.NewObject())
		case opMakeSet:
			locals[o.target] = ast.NewTerm(ast.NewSet())
		case opEqual:
			a, b := o.x.get(locals), o.y.get(locals)
			if a == nil || b == nil || ast.Compare(a.Value, b.Value) != 0 {
				return 0, nil
			}
		case opNotEqual:
			a, b := o.x.get(locals), o.y.get(locals)
			if a == nil || b == nil || ast.Compare(a.Value, b.Value) == 0 {
				return 0, nil
			}
		case opIsArray:
			if v := o.x.get(locals); v == nil || !isArray(v.Value) {
				return 0, nil
			}
		case opIsObject:
			if v := o.x.get(locals); v == nil || !isObject(v.Value) {
				return 0, nil
			}
		case opIsSet:
			if v := o.x.get(locals); v == nil || !isSet(v.Value) {
				return 0, nil
			}
		case opIsDefined:
			if o.x.get(locals) == nil {
				return 0, nil
			}
		case opIsUndefined:
			if o.x.get(locals) != nil {
				return 0, nil
			}
		case opArrayAppend:
			arr, ok := termValue(locals[o.target]).(*ast.Array)
			v := o.x.get(locals)
			if !ok || v == nil {
				return 0, fmt.Errorf("plan: append to %v (row %d)", locals[o.target], o.row)
			}
			// In place, as OPA's Wasm runtime appends: the planner builds
			// an array completely before any other statement reads it.
			locals[o.target].Value = arr.Append(v)
		case opObjectInsert, opObjectInsertOnce:
			obj, ok := termValue(locals[o.target]).(ast.Object)
			k, v := o.x.get(locals), o.y.get(locals)
			if !ok || k == nil || v == nil {
				return 0, fmt.Errorf("plan: insert into %v (row %d)", locals[o.target], o.row)
			}
			if o.code == opObjectInsertOnce {
				if cur := obj.Get(k); cur != nil {
					if ast.Compare(cur.Value, v.Value) != 0 {
						return 0, conflict(o.row)
					}
					continue
				}
			}
			obj.Insert(k, v)
		case opObjectMerge:
			a, aok := termValue(o.x.get(locals)).(ast.Object)
			b, bok := termValue(o.y.get(locals)).(ast.Object)
			locals[o.target] = nil
			if aok && bok {
				if merged, ok := a.Merge(b); ok {
					locals[o.target] = ast.NewTerm(merged)
				}
			}
		case opSetAdd:
			set, ok := termValue(locals[o.target]).(ast.Set)
			v := o.x.get(locals)
			if !ok || v == nil {
				return 0, fmt.Errorf("plan: add to %v (row %d)", locals[o.target], o.row)
			}
			set.Add(v)
		case opWith:
			r, err := e.with(locals, o)
			if err != nil || r == brReturn {
				return r, err
			}
			if r >= 0 {
				return r, nil
			}
		case opNop:
		case opResultAdd:
			if v := o.x.get(locals); v != nil {
				e.results = append(e.results, v)
			}
		}
	}
	return brEnd, nil
}

// scan runs the scan's block for each element of the collection. It
// returns brEnd to go on after the scan, or what the enclosing block is to
// return.
func (e *irEval) scan(locals []*ast.Term, o *op, src ast.Value) (int, error) {
	// The block is the loop's body: leaving it (0) moves to the next element,
	// leaving one more (1) ends the scan.
	body := o.blocks[0]
	step := func(k, v *ast.Term) (stop bool, r int, err error) {
		locals[o.target], locals[o.n] = k, v
		r, err = e.block(locals, body)
		switch {
		case err != nil || r == brReturn:
			return true, r, err
		case r == 1:
			return true, brEnd, nil
		case r > 1:
			return true, r - 2, nil
		}
		return false, brEnd, nil
	}
	switch src := src.(type) {
	case *ast.Array:
		for i := range src.Len() {
			if stop, r, err := step(ast.InternedTerm(i), src.Elem(i)); stop {
				return r, err
			}
		}
	case ast.Object:
		for _, k := range src.Keys() {
			if stop, r, err := step(k, src.Get(k)); stop {
				return r, err
			}
		}
	case ast.Set:
		for _, k := range src.Slice() {
			if stop, r, err := step(k, k); stop {
				return r, err
			}
		}
	}
	return brEnd, nil
}

// with runs the block with a value upserted into a local (input or data),
// with memoized rules forgotten for its duration.
func (e *irEval) with(locals []*ast.Term, o *op) (int, error) {
	saved, savedMemo, savedSet := locals[o.target], e.memo, e.memoSet
	e.memo, e.memoSet = make([]*ast.Term, len(e.p.funcs)), make([]bool, len(e.p.funcs))
	defer func() { locals[o.target], e.memo, e.memoSet = saved, savedMemo, savedSet }()
	v := o.x.get(locals)
	if v == nil {
		return 0, nil
	}
	if len(o.path) == 0 {
		locals[o.target] = v
	} else {
		path := make([]*ast.Term, len(o.path))
		for i, seg := range o.path {
			path[i] = seg.term
		}
		locals[o.target] = ast.NewTerm(upsert(termValue(saved), path, v))
	}
	r, err := e.block(locals, o.blocks[0])
	switch {
	case err != nil || r == brReturn:
		return r, err
	case r == brEnd:
		return brEnd, nil
	case r == 0: // the block is undefined: so is the with statement
		return 0, nil
	}
	return r - 1, nil
}

// upsert returns a copy of doc with v at path, copying the objects along it.
func upsert(doc ast.Value, path []*ast.Term, v *ast.Term) ast.Value {
	obj, ok := doc.(ast.Object)
	if !ok {
		obj = ast.NewObject()
	} else {
		obj = obj.Copy()
	}
	if len(path) == 1 {
		obj.Insert(path[0], v)
		return obj
	}
	var next ast.Value
	if cur := obj.Get(path[0]); cur != nil {
		next = cur.Value
	}
	obj.Insert(path[0], ast.NewTerm(upsert(next, path[1:], v)))
	return obj
}

func (e *irEval) builtin(o *op, args []*ast.Term) (*ast.Term, error) {
	e.out = nil
	err := o.builtin(e.bctx, args, e.iter)
	out := e.out
	e.out = nil
	if err != nil {
		// As topdown without strict builtin errors: a builtin's error makes
		// its call undefined, unless it halts the evaluation.
		var halt topdown.Halt
		if errors.As(err, &halt) {
			return nil, fmt.Errorf("%s: %w", o.name, err)
		}
		return nil, nil
	}
	return out, nil
}

func conflict(row int) error {
	return fmt.Errorf("%w (row %d)", errIRConflict, row)
}

func termValue(t *ast.Term) ast.Value {
	if t == nil {
		return nil
	}
	return t.Value
}

// dot looks a key up in a collection: an object's value, an array's
// element, or a set's member itself.
func dot(src ast.Value, key *ast.Term) *ast.Term {
	switch src := src.(type) {
	case ast.Object:
		return src.Get(key)
	case *ast.Array:
		n, ok := key.Value.(ast.Number)
		if !ok {
			return nil
		}
		i, ok := n.Int()
		if !ok || i < 0 || i >= src.Len() {
			return nil
		}
		return src.Elem(i)
	case ast.Set:
		if src.Contains(key) {
			return key
		}
	}
	return nil
}

func length(v ast.Value) (int, bool) {
	switch v := v.(type) {
	case *ast.Array:
		return v.Len(), true
	case ast.Object:
		return v.Len(), true
	case ast.Set:
		return v.Len(), true
	case ast.String:
		return len([]rune(string(v))), true
	}
	return 0, false
}

func isArray(v ast.Value) bool  { _, ok := v.(*ast.Array); return ok }
func isObject(v ast.Value) bool { _, ok := v.(ast.Object); return ok }
func isSet(v ast.Value) bool    { _, ok := v.(ast.Set); return ok }
