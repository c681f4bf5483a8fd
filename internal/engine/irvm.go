package engine

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
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
	nbuilds int // builder slots of the plan's body (see builds)
	funcs   []*irFunc
	tree    *funcTree    // for dynamic calls
	pool    sync.Pool    // of *irEval
	shared  []sharedSlot // the values of dataOnly functions, by index
}

type irFunc struct {
	index   int
	params  []int
	ret     int
	blocks  [][]op
	nlocals int
	nbuilds int
	memo    bool // functions of input and data alone are rules: memoized per evaluation
	// dataOnly rules depend on the data document alone: their value is
	// shared across evaluations (see irconst.go).
	dataOnly bool
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
	// The ops of composite values made in one go (see builds).
	opBuild       // starts collecting into builder n
	opCollect     // adds x to builder n
	opCollectPair // adds the key x and the value y to builder n
	opSealArray   // sets target to an array of builder n's elements
	opSealObject  // sets target to an object of builder n's pairs, of distinct keys
	opSealInserts // sets target to an object of builder n's pairs, inserted in turn
	opSealSet     // sets target to a set of builder n's elements
)

// op is one statement. Fields are used as each opcode needs: target the
// local written, x and y the operands read, n a count (capacity, break
// index, builder slot), args the arguments of calls, blocks the nested
// blocks. The fields that few ops use are in ext, keeping ops small.
type op struct {
	code   opcode
	void   bool // a builtin call without result
	row    int32
	target int
	n      int
	x, y   operand
	args   []operand
	blocks [][]op
	fn     *irFunc
	ext    *opExt
}

// opExt is the builtin of a call, with its name for errors, or the path of
// a dynamic call or a with statement.
type opExt struct {
	name    string
	builtin topdown.BuiltinFunc
	path    []operand
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
	dataOnly := dataOnlyFuncs(funcs)
	p.shared = make([]sharedSlot, len(funcs))
	for i, fn := range funcs {
		f := &irFunc{index: i, ret: int(fn.Return), memo: len(fn.Params) == 2, dataOnly: dataOnly[i]}
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
		f.blocks, f.nlocals, f.nbuilds = c.body(fn.Blocks, append([]ir.Local{fn.Return}, fn.Params...))
	}
	p.plan, p.nlocals, p.nbuilds = c.body(policy.Plans.Plans[0].Blocks, nil)
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
// every local it names, and the builders of its composite values.
func (c *irCompiler) body(bs []*ir.Block, named []ir.Local) (blocks [][]op, nlocals, nbuilds int) {
	c.top = int(ir.Data)
	for _, l := range named {
		c.loc(l)
	}
	blocks = c.blocks(bs)
	locals := map[int]bool{}
	for _, l := range named {
		locals[int(l)] = true
	}
	return blocks, c.top + 1, buildValues(blocks, locals)
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
		o := op{row: int32(stmt.GetLocation().Row)}
		switch s := stmt.(type) {
		case *ir.ReturnLocalStmt:
			o.code, o.x = opReturn, c.local(s.Source)
		case *ir.CallStmt:
			o.target = c.loc(s.Result)
			for _, a := range s.Args {
				o.args = append(o.args, c.operand(a))
			}
			if f, ok := c.byName[s.Func]; ok {
				o.code, o.fn = opCall, f
				break
			}
			o.code, o.ext = opCallBuiltin, &opExt{name: s.Func, builtin: builtinFor(s.Func)}
			if o.ext.builtin == nil {
				c.fail("unknown function %q", s.Func)
			}
			if d, ok := c.decls[s.Func]; ok && d.Decl != nil && d.Decl.Result() == nil {
				o.void = true
			}
		case *ir.CallDynamicStmt:
			o.code, o.target, o.ext = opCallDynamic, c.loc(s.Result), &opExt{}
			for _, a := range s.Args {
				o.args = append(o.args, c.local(a))
			}
			for _, seg := range s.Path {
				o.ext.path = append(o.ext.path, c.operand(seg))
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
			o.code, o.target, o.x, o.ext = opWith, c.loc(s.Local), c.operand(s.Value), &opExt{}
			for _, idx := range s.Path {
				o.ext.path = append(o.ext.path, constant(c.strings[idx]))
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

// builds finds the arrays, objects and sets that a body makes and then
// fills, and has them built in one go. The planner makes a composite value
// by a Make statement followed by appends, inserts or adds (in a
// comprehension, from nested blocks), and reads it only afterwards;
// appending to an ast.Array copies it, and inserting grows maps and slices
// one element at a time. So the elements are collected into a builder, a
// buffer of the evaluation reused from value to value, and the value is
// made from them with its final size (sealed) just before the first op of
// the block that names its local otherwise.
//
// While the value is collected, its local keeps its previous value, and
// so does it when a break leaves the block before the seal. A value is
// built so only when no op can tell: every op that reads the local outside
// the ops that follow the Make in its block runs only after the local was
// written again (or before the Make ran). Fills after the seal update the
// sealed value as they update any other.
type builds struct {
	body    [][]op
	named   map[int]bool    // parameters and the return local, read by the calls
	readers map[int][][]pos // the places of the ops that read the locals of regions
	regions []region
	seals   map[*op][]seal // by the first op of their block
}

// seal is a seal op and the place in its block of the op it precedes.
type seal struct {
	op op
	at int
}

// region is the collection of one value.
type region struct {
	at   []pos // of the Make op
	end  int   // the place in its block of the op before which the value is sealed
	fill opcode
	seal opcode
}

// pos is the place of an op: the index of its block among the blocks of
// its parent op (or of the body), and its index in the block.
type pos struct{ block, op int }

// buildValues rewrites the values of body that can be built in one go, and
// returns the number of builders it uses.
func buildValues(body [][]op, named map[int]bool) int {
	b := &builds{body: body, named: named, readers: map[int][][]pos{}, seals: map[*op][]seal{}}
	walk(body, b.find)
	if len(b.regions) == 0 {
		return 0
	}
	// Keep the regions whose locals no other op can read unwritten.
	var inputs []int
	walk(body, func(at []pos, in [][]op) {
		inputs = in[len(in)-1][at[len(at)-1].op].inputs(inputs[:0])
		for i, l := range inputs {
			if _, ok := b.readers[l]; ok && !slices.Contains(inputs[:i], l) {
				b.readers[l] = append(b.readers[l], slices.Clone(at))
			}
		}
	})
	regions := b.regions[:0]
	for _, r := range b.regions {
		if b.unseen(r) {
			regions = append(regions, r)
		}
	}
	for slot, r := range regions {
		ops := b.block(r.at)
		i := r.at[len(r.at)-1].op
		l, row := ops[i].target, ops[i].row
		ops[i] = op{code: opBuild, target: l, n: slot, row: row}
		for k := i + 1; k < r.end; k++ {
			collect(&ops[k], l, r.fill, slot)
		}
		if r.end < len(ops) {
			key := &ops[0]
			b.seals[key] = append(b.seals[key], seal{op{code: r.seal, target: l, n: slot, row: row}, r.end})
		}
	}
	for i := range body {
		body[i] = b.insertSeals(body[i])
	}
	return len(regions)
}

// walk calls f with the place of every op of blocks and of their nested
// blocks, and the blocks that hold it, from the body's down; f must not
// keep them.
func walk(blocks [][]op, f func(at []pos, in [][]op)) {
	var visit func(blocks [][]op, at []pos, in [][]op)
	visit = func(blocks [][]op, at []pos, in [][]op) {
		if len(blocks) == 0 {
			return
		}
		at, in = append(at, pos{}), append(in, nil)
		d := len(at) - 1
		for bi, ops := range blocks {
			in[d] = ops
			for oi := range ops {
				at[d] = pos{bi, oi}
				f(at, in)
				visit(ops[oi].blocks, at, in)
			}
		}
	}
	// With room for the depth of plans, the levels share the stacks
	// rather than copy them.
	visit(blocks, make([]pos, 0, 32), make([][]op, 0, 32))
}

// block returns the block of the op at a place.
func (b *builds) block(at []pos) []op {
	blocks := b.body
	for _, p := range at[:len(at)-1] {
		blocks = blocks[p.block][p.op].blocks
	}
	return blocks[at[len(at)-1].block]
}

// find records the region of the value that the op at a place makes, if
// it can be built in one go.
func (b *builds) find(at []pos, in [][]op) {
	ops, i := in[len(in)-1], at[len(at)-1].op
	var r region
	switch ops[i].code {
	case opMakeArray:
		r.fill, r.seal = opArrayAppend, opSealArray
	case opMakeObject:
		r.fill, r.seal = opObjectInsert, opSealObject
	case opMakeSet:
		r.fill, r.seal = opSetAdd, opSealSet
	default:
		return
	}
	l := ops[i].target
	if l <= int(ir.Data) || b.named[l] {
		return
	}
	// The value is filled up to the first op that names its local
	// otherwise.
	r.end = i + 1
	keys := map[ast.String]bool{} // of the object, when they are distinct constants
	filled := false
	for ; r.end < len(ops); r.end++ {
		o := &ops[r.end]
		uses, fills := usesOf(o, l, r.fill)
		if uses != fills {
			break
		}
		if fills == 0 {
			continue
		}
		filled = true
		if r.fill != opObjectInsert {
			continue
		}
		if key, ok := termValue(o.x.term).(ast.String); ok && o.code == r.fill && !keys[key] {
			keys[key] = true
		} else {
			// A key of a local, or a fill nested in a loop: an insert may
			// replace the value of another.
			r.seal = opSealInserts
		}
	}
	if !filled {
		return
	}
	r.at = slices.Clone(at)
	b.readers[l] = nil
	b.regions = append(b.regions, r)
}

// unseen tells whether no op can read the local of a region before it is
// sealed: every op that reads it follows the Make op, or runs after the
// local was written again.
func (b *builds) unseen(r region) bool {
	l := b.block(r.at)[r.at[len(r.at)-1].op].target
	for _, p := range b.readers[l] {
		if !after(p, r.at) && !b.written(p, r.at, l) {
			return false
		}
	}
	return true
}

// after tells whether the op at p follows the op at m in m's block, or is
// nested in one that does.
func after(p, m []pos) bool {
	d := len(m) - 1
	return len(p) > d && slices.Equal(p[:d], m[:d]) && p[d].block == m[d].block && p[d].op > m[d].op
}

// written tells whether every run from the op at m to the op at p writes
// the local l in between: an op before p's, in its block or in one that
// holds it, writes l, and no run from m reaches p without running that op.
func (b *builds) written(p, m []pos, l int) bool {
	in := make([][]op, len(p)) // the blocks along p
	blocks := b.body
	for d, q := range p {
		in[d] = blocks[q.block]
		blocks = in[d][q.op].blocks
	}
	for d := len(p) - 1; d >= 0; d-- {
		lo, j := 0, p[d].op
		if d < len(m) && slices.Equal(p[:d], m[:d]) && p[d].block == m[d].block {
			// The block holds m too. When m's op precedes p's, a run
			// from m may reach p through the ops between them only;
			// when it follows, only by entering the block again.
			switch q := m[d].op; {
			case q == j:
				return false // both are in this op: no op of this block is in between
			case q < j:
				lo = q + 1
			}
		}
		for k := lo; k < j; k++ {
			if in[d][k].writes(l) {
				return true
			}
		}
	}
	return false
}

// inputs appends the locals that o reads itself, not in nested blocks.
func (o *op) inputs(dst []int) []int {
	var operands []operand
	switch o.code {
	case opReturn, opIsArray, opIsObject, opIsSet, opIsDefined, opIsUndefined, opResultAdd, opLen, opAssign, opScan:
		operands = []operand{o.x}
	case opEqual, opNotEqual, opDot, opObjectMerge:
		operands = []operand{o.x, o.y}
	case opArrayAppend, opSetAdd, opAssignOnce, opWith, opCollect: // and update the target
		operands = []operand{o.x, {local: o.target}}
	case opObjectInsert, opObjectInsertOnce, opCollectPair:
		operands = []operand{o.x, o.y, {local: o.target}}
	case opCall, opCallBuiltin, opCallDynamic:
		operands = slices.Clip(o.args)
		if o.ext != nil {
			operands = append(operands, o.ext.path...)
		}
	}
	for _, x := range operands {
		if x.term == nil {
			dst = append(dst, x.local)
		}
	}
	return dst
}

// reads returns how many times o reads the local l itself.
func (o *op) reads(l int) int {
	var buf [4]int
	n := 0
	for _, x := range o.inputs(buf[:0]) {
		if x == l {
			n++
		}
	}
	return n
}

// writes tells whether o sets the local l whenever the ops after it in its
// block run.
func (o *op) writes(l int) bool {
	switch o.code {
	case opAssign, opReset, opMakeArray, opMakeObject, opMakeSet, opDot, opLen, opObjectMerge, opCall, opCallDynamic:
		return o.target == l
	case opCallBuiltin:
		return o.target == l && !o.void
	case opScan: // not for an empty collection
	}
	return false
}

// names tells whether o reads or sets the local l itself.
func (o *op) names(l int) bool {
	if o.reads(l) > 0 {
		return true
	}
	switch o.code {
	case opScan:
		return o.target == l || o.n == l
	case opReturn, opBlock, opBreak, opNot, opEqual, opNotEqual, opIsArray, opIsObject, opIsSet, opIsDefined, opIsUndefined, opNop, opResultAdd:
		return false
	}
	return o.target == l
}

// usesOf returns how many ops, o and those nested in it, name the local l,
// and how many of them are fills of it: ops of the fill code into l, whose
// operands are other locals.
func usesOf(o *op, l int, fill opcode) (uses, fills int) {
	if o.names(l) {
		uses++
		if o.code == fill && o.target == l && o.reads(l) == 1 {
			fills++
		}
	}
	for _, ops := range o.blocks {
		for i := range ops {
			u, f := usesOf(&ops[i], l, fill)
			uses, fills = uses+u, fills+f
		}
	}
	return uses, fills
}

// collect turns the fills of the local l in o and in its nested blocks into
// adds to the builder slot.
func collect(o *op, l int, fill opcode, slot int) {
	if o.code == fill && o.target == l {
		o.code, o.n = opCollect, slot
		if fill == opObjectInsert {
			o.code = opCollectPair
		}
	}
	for _, ops := range o.blocks {
		for i := range ops {
			collect(&ops[i], l, fill, slot)
		}
	}
}

// insertSeals returns ops, and the ops of their nested blocks, with the
// seals of their values.
func (b *builds) insertSeals(ops []op) []op {
	for i := range ops {
		for j := range ops[i].blocks {
			ops[i].blocks[j] = b.insertSeals(ops[i].blocks[j])
		}
	}
	if len(ops) == 0 || len(b.seals[&ops[0]]) == 0 {
		return ops
	}
	seals := b.seals[&ops[0]]
	out := make([]op, 0, len(ops)+len(seals))
	for i := range ops {
		for _, s := range seals {
			if s.at == i {
				out = append(out, s.op)
			}
		}
		out = append(out, ops[i])
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
	// builds are the builder slots of the bodies being run, from bbase
	// for the innermost one (see builds); pairs is scratch for objects.
	builds [][]*ast.Term
	bbase  int
	pairs  [][2]*ast.Term
	args   []*ast.Term // scratch for the arguments of a builtin
	// out receives a builtin's result through iter, made once per
	// evaluation rather than a closure per call.
	out  *ast.Term
	iter func(*ast.Term) error
}

// emptySet is the value of made sets until their first add: the sets of
// rules are most often empty. Nothing changes it: adds replace it.
var emptySet = ast.NewSet()

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
	e.pushBuilds(p.nbuilds)
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
	for _, b := range e.builds[:cap(e.builds)] {
		clear(b[:cap(b)])
	}
	e.builds, e.bbase = e.builds[:0], 0
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

// pushBuilds takes n builder slots, the first at bbase, and returns the
// previous bbase for popBuilds. Slots keep the buffers that earlier bodies
// left in them, for reuse.
func (e *irEval) pushBuilds(n int) (saved int) {
	saved, e.bbase = e.bbase, len(e.builds)
	e.builds = slices.Grow(e.builds, n)[:e.bbase+n]
	return saved
}

func (e *irEval) popBuilds(saved int) {
	e.builds, e.bbase = e.builds[:e.bbase], saved
}

func (e *irEval) call(f *irFunc, caller []*ast.Term, args []operand) (*ast.Term, error) {
	if f.memo && e.memoSet[f.index] {
		return e.memo[f.index], nil
	}
	// A dataOnly rule's value for this data document is computed by the
	// first evaluation that needs it, and shared (see irconst.go).
	var data ast.Value
	if f.dataOnly {
		if t := args[1].get(caller); t != nil {
			data = t.Value
			if out, ok := e.p.shared[f.index].load(data); ok {
				e.memo[f.index], e.memoSet[f.index] = out, true
				return out, nil
			}
		}
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
	var out *ast.Term
	var err error
	if f.nbuilds == 0 { // its ops do not touch the builders
		out, err = e.run(f, locals)
	} else {
		saved := e.pushBuilds(f.nbuilds)
		out, err = e.run(f, locals)
		e.popBuilds(saved)
	}
	e.stack = e.stack[:base]
	if data != nil && err == nil {
		e.p.shared[f.index].store(data, out)
	}
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
			for _, seg := range o.ext.path {
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
			locals[o.target] = ast.NewTerm(emptySet)
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
			if set == emptySet {
				// In place, as appends: the term may have been read.
				locals[o.target].Value = ast.NewSet(v)
				continue
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
		case opBuild:
			e.builds[e.bbase+o.n] = e.builds[e.bbase+o.n][:0]
		case opCollect:
			v := o.x.get(locals)
			if v == nil {
				return 0, fmt.Errorf("plan: add of an undefined value (row %d)", o.row)
			}
			b := &e.builds[e.bbase+o.n]
			*b = append(*b, v)
		case opCollectPair:
			k, v := o.x.get(locals), o.y.get(locals)
			if k == nil || v == nil {
				return 0, fmt.Errorf("plan: insert of an undefined value (row %d)", o.row)
			}
			b := &e.builds[e.bbase+o.n]
			*b = append(*b, k, v)
		case opSealArray, opSealObject, opSealInserts, opSealSet:
			locals[o.target] = ast.NewTerm(e.seal(o))
		}
	}
	return brEnd, nil
}

// seal makes the value of a builder's elements, and clears the builder.
func (e *irEval) seal(o *op) ast.Value {
	b := e.builds[e.bbase+o.n]
	defer clear(b)
	switch o.code {
	case opSealArray:
		// The array keeps its slice: the builder is reused.
		elems := make([]*ast.Term, len(b))
		copy(elems, b)
		return ast.NewArray(elems...)
	case opSealSet:
		return ast.NewSet(b...)
	case opSealInserts:
		// Inserts replace the values of equal keys, which NewObject would
		// keep twice.
		obj := ast.NewObjectWithCapacity(len(b) / 2)
		for i := 0; i < len(b); i += 2 {
			obj.Insert(b[i], b[i+1])
		}
		return obj
	}
	pairs := e.pairs[:0]
	for i := 0; i < len(b); i += 2 {
		pairs = append(pairs, [2]*ast.Term{b[i], b[i+1]})
	}
	e.pairs = pairs
	defer clear(pairs)
	return ast.NewObject(pairs...)
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
	if len(o.ext.path) == 0 {
		locals[o.target] = v
	} else {
		path := make([]*ast.Term, len(o.ext.path))
		for i, seg := range o.ext.path {
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
	err := o.ext.builtin(e.bctx, args, e.iter)
	out := e.out
	e.out = nil
	if err != nil {
		// As topdown without strict builtin errors: a builtin's error makes
		// its call undefined, unless it halts the evaluation.
		var halt topdown.Halt
		if errors.As(err, &halt) {
			return nil, fmt.Errorf("%s: %w", o.ext.name, err)
		}
		return nil, nil
	}
	return out, nil
}

func conflict(row int32) error {
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
