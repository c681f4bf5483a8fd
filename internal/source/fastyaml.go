package source

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"gopkg.in/yaml.v3"
)

// This file holds a parser for the subset of YAML that Kubernetes manifests
// are written in: block mappings and sequences, single-line plain and quoted
// scalars, single-line flow collections, literal and folded block scalars,
// comments. It builds the very yaml.Node tree that yaml.v3 builds (kinds,
// styles, tags, values, lines and columns; not the comments, which nothing
// here reads), in a fraction of the time and memory: one pass over the
// bytes, no tokens or events, and the nodes of a document in one slab.
//
// Whatever it does not handle, or is not sure yaml.v3 accepts, it refuses
// (ok is false) and the caller parses the document with yaml.v3: anchors,
// aliases, tags, directives, complex keys, multi-line plain, quoted and flow
// scalars, tabs outside quoted, block and comment text, document end
// markers, a byte order mark, line breaks other than LF and CRLF, and input
// that yaml.v3 would reject.

// fyMaxDepth bounds how deeply collections may nest on the fast path.
const fyMaxDepth = 256

// fyMaxInput bounds the size of a document on the fast path.
const fyMaxInput = 1 << 30

// fyMaxKey bounds the bytes from the start of a key to its colon: yaml.v3
// does not take for a key one whose colon is more than 1024 characters on.
const fyMaxKey = 1000

// Tags, by index into fyTagNames.
const (
	fyStr uint8 = iota
	fyNull
	fyBool
	fyInt
	fyFloat
	fyTimestamp
	fyMerge
	fyMap
	fySeq
)

var fyTagNames = [...]string{
	fyStr: "!!str", fyNull: "!!null", fyBool: "!!bool", fyInt: "!!int", fyFloat: "!!float",
	fyTimestamp: "!!timestamp", fyMerge: "!!merge", fyMap: "!!map", fySeq: "!!seq",
}

// Byte classes, for scanning plain scalars.
const (
	clBad   uint8 = iota // control characters and DEL, which YAML does not allow
	clPlain              // printable ASCII with no meaning inside a plain scalar
	clSpace
	clTab
	clLF
	clCR
	clColon
	clHash
	clFlow // , [ ] { } ? which end a plain scalar in a flow collection
	clHigh // the first byte of a multi-byte UTF-8 character
)

// fyClass is the class of every byte; fyText marks the bytes that may appear
// as they are in a comment or in the text of a block scalar, fySingle and
// fyDouble those that may appear as they are in a quoted scalar.
var fyClass, fyText, fySingle, fyDouble = fyTables()

// fyTables builds the byte tables once, at start up, so that the scanning
// loops are a table lookup a byte.
func fyTables() (class [256]uint8, text, single, double [256]bool) {
	for c := 0x21; c < 0x7f; c++ {
		class[c] = clPlain
	}
	for c := 0x80; c < 0x100; c++ {
		class[c] = clHigh
	}
	class[' '], class['\t'], class['\n'], class['\r'] = clSpace, clTab, clLF, clCR
	class[':'], class['#'] = clColon, clHash
	for _, c := range ",[]{}?" {
		class[c] = clFlow
	}
	for c := 0x20; c < 0x7f; c++ {
		text[c] = true
	}
	text['\t'] = true
	single, double = text, text
	single['\''] = false
	double['"'], double['\\'] = false, false
	return class, text, single, double
}

// fyNode is a node before it becomes a yaml.Node: a scalar's value is
// text[off:off+n], a collection's children are content[off:off+n].
type fyNode struct {
	kind      yaml.Kind
	style     yaml.Style
	tag       uint8
	fixed     uint16 // when not 0, the value is fyCommon[fixed-1]
	line, col int32
	off, n    int32
}

// fyToken is a scalar scanned but not yet added as a node, for the caller
// to tell a key from a value first.
type fyToken struct {
	start     int // where it starts in the input
	line, col int32
	off, n    int32 // its value in text
	style     yaml.Style
	tag       uint8
	fixed     uint16 // or fyCommon[fixed-1]
}

// fyParser holds the state of one parse and the buffers that parses reuse.
type fyParser struct {
	src  []byte
	p    int  // the current position
	ls   int  // where the current line starts
	line int  // the current line, 1-based
	wide bool // the current line holds multi-byte characters before p
	// After next: eof, or the column of the content that p is at.
	eof   bool
	ccol  int
	depth int

	nodes   []fyNode
	kids    []int32 // the children of the open collections, innermost last
	content []int32 // the children of the closed collections, each's in a row
	text    []byte  // the values of the scalars
}

// fyPool keeps parsers, and so their buffers, from one document to the next.
var fyPool = sync.Pool{New: func() any { return new(fyParser) }}

// fastParse parses one YAML document into the tree that yaml.v3 would make
// of it (nil for a document without content), when the document keeps to
// the YAML that this parser knows; ok is false otherwise, and the caller
// must parse the document with yaml.v3.
func fastParse(raw []byte) (root *yaml.Node, ok bool) {
	f := fyPool.Get().(*fyParser)
	root, ok = f.parse(raw)
	f.src = nil
	if cap(f.nodes) <= 1<<16 && cap(f.text) <= 1<<20 {
		fyPool.Put(f)
	}
	return root, ok
}

// parse parses a document: an optional "---" line, then one node among
// blank and comment lines.
func (f *fyParser) parse(raw []byte) (*yaml.Node, bool) {
	*f = fyParser{src: raw, line: 1, nodes: f.nodes[:0], kids: f.kids[:0], content: f.content[:0], text: f.text[:0]}
	// Offsets are int32; a byte order mark is left to yaml.v3.
	if len(raw) > fyMaxInput || len(raw) >= 3 && raw[0] == 0xef && raw[1] == 0xbb && raw[2] == 0xbf {
		return nil, false
	}
	explicit := len(raw) >= 3 && raw[0] == '-' && raw[1] == '-' && raw[2] == '-' && f.blankz(3)
	if explicit {
		f.p = 3
		if !f.endLine() {
			return nil, false
		}
	}
	if !f.next() {
		return nil, false
	}
	if f.eof {
		if !explicit {
			return nil, true
		}
		// yaml.v3 gives an empty explicit document a null at the end of the
		// input, on a line of its own.
		line := f.line
		if len(f.src) > f.ls {
			line++
		}
		f.addNode(yaml.ScalarNode, 0, fyNull, line, 1, 0, 0)
		return f.build(), true
	}
	if !f.blockNode(-1, f.ccol) || !f.eof || len(f.kids) != 1 {
		return nil, false
	}
	return f.build(), true
}

// build turns the parsed nodes into yaml.Nodes: the nodes in one slab (or
// two, when that wastes fewer bytes to the rounding of allocation sizes),
// and one array for all the Content slices.
func (f *fyParser) build() *yaml.Node {
	n := len(f.nodes)
	first := fySlabSplit(n)
	nodes, more := make([]yaml.Node, first), []yaml.Node(nil)
	if first < n {
		more = make([]yaml.Node, n-first)
	}
	at := func(i int32) *yaml.Node {
		if int(i) < first {
			return &nodes[i]
		}
		return &more[int(i)-first]
	}
	var ptrs []*yaml.Node
	if len(f.content) > 0 {
		ptrs = make([]*yaml.Node, len(f.content))
		for i, c := range f.content {
			ptrs[i] = at(c)
		}
	}
	for i := range f.nodes {
		p, n := &f.nodes[i], at(int32(i))
		n.Kind, n.Style, n.Tag = p.kind, p.style, fyTagNames[p.tag]
		n.Line, n.Column = int(p.line), int(p.col)
		switch {
		case p.fixed != 0:
			n.Value = fyCommon[p.fixed-1]
		case p.kind == yaml.ScalarNode:
			// A string of its own: callers keep values (names, labels)
			// long after the tree, and a substring of one string for
			// the document would keep all of its text.
			n.Value = string(f.text[p.off : p.off+p.n])
		case p.n > 0:
			n.Content = ptrs[p.off : p.off+p.n : p.off+p.n]
		}
	}
	return at(f.kids[0])
}

// fySizeClasses are the sizes that the Go runtime rounds allocations of 1
// KiB to 32 KiB up to (internal/runtime/gc/sizeclasses.go); larger ones
// take whole 8 KiB pages. A test checks them against the runtime.
var fySizeClasses = [...]int{
	1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864,
	5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336,
	16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768,
}

// fySlabSplit returns how many of n nodes go in the first slab. Rounding a
// slab up to its size class wastes up to an eighth of it; a slab that just
// fills the largest class below, and a second slab for the rest, waste
// much less, for one more allocation.
func fySlabSplit(n int) int {
	const size = int(unsafe.Sizeof(yaml.Node{}))
	bytes := n * size
	if bytes <= fySizeClasses[0] {
		return n
	}
	var below, above int
	if bytes > fySizeClasses[len(fySizeClasses)-1] {
		below, above = bytes&^8191, (bytes+8191)&^8191
	} else {
		i, _ := slices.BinarySearch(fySizeClasses[:], bytes)
		if fySizeClasses[i] == bytes {
			return n
		}
		below, above = fySizeClasses[i-1], fySizeClasses[i]
	}
	first := below / size
	if first >= n || above-bytes < 2*size {
		return n
	}
	return first
}

// addNode adds a node as the next child of the innermost open collection.
func (f *fyParser) addNode(kind yaml.Kind, style yaml.Style, tag uint8, line, col int, off, n int32) int32 {
	i := int32(len(f.nodes))
	f.nodes = append(f.nodes, fyNode{kind: kind, style: style, tag: tag, line: int32(line), col: int32(col), off: off, n: n})
	f.kids = append(f.kids, i)
	return i
}

// addScalar adds a scanned scalar as a node.
func (f *fyParser) addScalar(t *fyToken) {
	i := f.addNode(yaml.ScalarNode, t.style, t.tag, int(t.line), int(t.col), t.off, t.n)
	f.nodes[i].fixed = t.fixed
}

// addNull adds the null that an empty value is, at the given place.
func (f *fyParser) addNull(line, col int) {
	f.addNode(yaml.ScalarNode, 0, fyNull, line, col, 0, 0)
}

// open adds a collection node, whose children follow until close.
func (f *fyParser) open(kind yaml.Kind, style yaml.Style, tag uint8, line, col int) (node int32, mark int, ok bool) {
	if f.depth++; f.depth > fyMaxDepth {
		return 0, 0, false
	}
	node = f.addNode(kind, style, tag, line, col, 0, 0)
	return node, len(f.kids), true
}

// close ends the collection that open began: its children move from the
// stack of open children to the content array, where they stay in a row.
func (f *fyParser) close(node int32, mark int) {
	f.depth--
	kids := f.kids[mark:]
	f.nodes[node].off, f.nodes[node].n = int32(len(f.content)), int32(len(kids))
	f.content = append(f.content, kids...)
	f.kids = f.kids[:mark]
}

// col is the 1-based column of position p of the current line, counted in
// characters as yaml.v3 counts them.
func (f *fyParser) col(p int) int {
	if !f.wide {
		return p - f.ls + 1
	}
	return utf8.RuneCount(f.src[f.ls:p]) + 1
}

// newline moves to the line that starts at p.
func (f *fyParser) newline(p int) {
	f.p, f.ls, f.wide = p, p, false
	f.line++
}

// blankz reports whether position p holds a space, a tab, a line break or
// the end of the input: what must follow an indicator.
func (f *fyParser) blankz(p int) bool {
	if p >= len(f.src) {
		return true
	}
	switch f.src[p] {
	case ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// dash reports whether the content at p is a block sequence entry.
func (f *fyParser) dash() bool {
	return f.src[f.p] == '-' && f.blankz(f.p+1)
}

// char checks the multi-byte character at p, which yaml.v3 must accept as
// printable and not as a line break, and returns its length.
func (f *fyParser) char(p int) (int, bool) {
	r, size := utf8.DecodeRune(f.src[p:])
	if r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff || r == utf8.RuneError && size == 1 {
		return 0, false
	}
	f.wide = true
	return size, true
}

// lineEnd checks the text from p to the end of the line (a comment, or a
// line of a block scalar) and returns where the line break is.
func (f *fyParser) lineEnd(p int) (int, bool) {
	src := f.src
	for p < len(src) {
		c := src[p]
		switch {
		case fyText[c]:
			p++
		case c == '\n':
			return p, true
		case c == '\r':
			return p, p+1 < len(src) && src[p+1] == '\n'
		case c >= 0x80:
			n, ok := f.char(p)
			if !ok {
				return p, false
			}
			p += n
		default:
			return p, false
		}
	}
	return p, true
}

// endLine ends the current line after a node: spaces, maybe a comment
// (after a space, as YAML wants), then a line break or the end.
func (f *fyParser) endLine() bool {
	src, p := f.src, f.p
	for p < len(src) && src[p] == ' ' {
		p++
	}
	if p > 0 && p < len(src) && src[p] == '#' && src[p-1] == ' ' {
		var ok bool
		if p, ok = f.lineEnd(p); !ok {
			return false
		}
	}
	switch {
	case p >= len(src):
		f.p = p
	case src[p] == '\n':
		f.newline(p + 1)
	case src[p] == '\r' && p+1 < len(src) && src[p+1] == '\n':
		f.newline(p + 2)
	default:
		return false
	}
	return true
}

// next moves from the start of a line to the next content, past blank and
// comment lines, and sets ccol to its 0-based column, or eof.
func (f *fyParser) next() bool {
	src := f.src
	for {
		p := f.p
		for p < len(src) && src[p] == ' ' {
			p++
		}
		if p >= len(src) {
			f.p, f.eof = p, true
			return true
		}
		switch src[p] {
		case '\n':
			f.newline(p + 1)
			continue
		case '\r':
			if p+1 < len(src) && src[p+1] == '\n' {
				f.newline(p + 2)
				continue
			}
			return false
		case '#':
			q, ok := f.lineEnd(p)
			if !ok {
				return false
			}
			f.p = q
			continue
		case '\t':
			return false
		case '-', '.':
			// A document marker ends the document; this parser wants one
			// document only.
			if p == f.ls && p+2 < len(src) && src[p+1] == src[p] && src[p+2] == src[p] && f.blankz(p+3) {
				return false
			}
		}
		f.p, f.ccol = p, p-f.ls
		return true
	}
}

// after ends a node that is not a block collection, inside a block
// collection indented by ctx: what comes next must not be indented more,
// or it would continue the node (a multi-line scalar) or be an error.
func (f *fyParser) after(ctx int) bool {
	return f.next() && (f.eof || f.ccol <= ctx)
}

// blockNode parses the node that starts at p, at 0-based column col, inside
// a block collection indented by ctx (-1 at the top): a mapping, a
// sequence, or a node of one line (or a block scalar).
func (f *fyParser) blockNode(ctx, col int) bool {
	switch f.src[f.p] {
	case '-':
		if f.blankz(f.p + 1) {
			return f.sequence(col, false)
		}
	case '|', '>':
		return f.blockScalar(ctx) && f.after(ctx)
	case '[', '{':
		return f.flowNode() && f.endLine() && f.after(ctx)
	}
	var t fyToken
	if !f.scalar(&t, false) {
		return false
	}
	switch f.key(&t) {
	case keyYes:
		return f.mapping(col, &t)
	case keyBad:
		return false
	}
	f.addScalar(&t)
	return f.endLine() && f.after(ctx)
}

// mapping parses a block mapping whose keys are at 0-based column n, from
// its first key, scanned up to its colon.
func (f *fyParser) mapping(n int, first *fyToken) bool {
	node, mark, ok := f.open(yaml.MappingNode, 0, fyMap, int(first.line), int(first.col))
	if !ok {
		return false
	}
	f.addScalar(first)
	for {
		if !f.mapValue(n) {
			return false
		}
		if f.eof || f.ccol < n {
			break
		}
		if f.ccol > n || f.dash() {
			return false
		}
		var t fyToken
		if !f.scalar(&t, false) || f.key(&t) != keyYes {
			return false
		}
		f.addScalar(&t)
	}
	f.close(node, mark)
	return true
}

// mapValue parses the value of a key of a block mapping at column n, from
// just after the colon.
func (f *fyParser) mapValue(n int) bool {
	src := f.src
	nullLine, nullCol := f.line, f.col(f.p)
	p := f.p
	for p < len(src) && src[p] == ' ' {
		p++
	}
	f.p = p
	if p < len(src) && src[p] != '\n' && src[p] != '\r' && src[p] != '#' {
		return f.inline(n)
	}
	if !f.endLine() || !f.next() {
		return false
	}
	switch {
	case f.eof || f.ccol < n:
		f.addNull(nullLine, nullCol)
		return true
	case f.ccol == n:
		// A sequence may sit at the indentation of its key.
		if f.dash() {
			return f.sequence(n, true)
		}
		f.addNull(nullLine, nullCol)
		return true
	}
	return f.blockNode(n, f.ccol)
}

// inline parses a value that follows its key on the same line, inside a
// block mapping at column ctx: a scalar, a flow collection or a block
// scalar, not a key again.
func (f *fyParser) inline(ctx int) bool {
	switch f.src[f.p] {
	case '|', '>':
		return f.blockScalar(ctx) && f.after(ctx)
	case '[', '{':
		return f.flowNode() && f.endLine() && f.after(ctx)
	}
	var t fyToken
	if !f.scalar(&t, false) {
		return false
	}
	f.addScalar(&t)
	return f.endLine() && f.after(ctx)
}

// sequence parses a block sequence whose entries ("- ") are at 0-based
// column m. An indentless one sits at the column of the key it is the value
// of, and ends at the next key.
func (f *fyParser) sequence(m int, indentless bool) bool {
	node, mark, ok := f.open(yaml.SequenceNode, 0, fySeq, f.line, f.col(f.p))
	if !ok {
		return false
	}
	src := f.src
	for {
		line, col := f.line, f.col(f.p)
		p := f.p + 1
		for p < len(src) && src[p] == ' ' {
			p++
		}
		f.p = p
		if p < len(src) && src[p] != '\n' && src[p] != '\r' && src[p] != '#' {
			if !f.blockNode(m, f.col(p)-1) {
				return false
			}
		} else {
			if !f.endLine() || !f.next() {
				return false
			}
			if f.eof || f.ccol <= m {
				f.addNull(line, col+1)
			} else if !f.blockNode(m, f.ccol) {
				return false
			}
		}
		if f.eof || f.ccol < m {
			break
		}
		if f.ccol > m {
			return false
		}
		if !f.dash() {
			if indentless {
				break
			}
			return false
		}
	}
	f.close(node, mark)
	return true
}

// What key finds after a scalar.
const (
	keyNo  = iota // no colon: a value
	keyYes        // a colon: a key, and p is after the colon
	keyBad        // a colon, but too far for yaml.v3 to take the scalar for a key
)

// key looks for the colon that makes the scalar just scanned a key of a
// block mapping.
func (f *fyParser) key(t *fyToken) int {
	src, p := f.src, f.p
	for p < len(src) && src[p] == ' ' {
		p++
	}
	if p >= len(src) || src[p] != ':' || !f.blankz(p+1) {
		return keyNo
	}
	if p-t.start > fyMaxKey {
		return keyBad
	}
	f.p = p + 1
	return keyYes
}

// scalar scans the plain or quoted scalar at p, in a flow collection or
// not, into t.
func (f *fyParser) scalar(t *fyToken, flow bool) bool {
	p := f.p
	t.start, t.line, t.col = p, int32(f.line), int32(f.col(p))
	t.off = int32(len(f.text))
	switch f.src[p] {
	case '"':
		return f.double(t)
	case '\'':
		return f.single(t)
	}
	return f.plainStart(p, flow) && f.plain(t, flow)
}

// plainStart reports whether a plain scalar may start at p, as yaml.v3
// decides it (an indicator cannot start one, unless the YAML spec lets it
// and yaml.v3 agrees).
func (f *fyParser) plainStart(p int, flow bool) bool {
	switch c := f.src[p]; c {
	case '-':
		return !f.blankz(p + 1)
	case '?', ':':
		return !flow && !f.blankz(p+1)
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	default:
		k := fyClass[c]
		return k == clPlain || k == clHigh
	}
}

// plain scans a plain scalar that stays on its line. It stops before the
// colon of a key, a comment, the end of the line, or, in a flow
// collection, an indicator; the caller checks what comes next.
func (f *fyParser) plain(t *fyToken, flow bool) bool {
	src := f.src
	start, p, end := f.p, f.p, f.p
	for {
		q := p
	word:
		for q < len(src) {
			switch fyClass[src[q]] {
			case clPlain, clHash:
				q++
			case clFlow:
				if flow {
					break word
				}
				q++
			case clColon:
				if f.blankz(q + 1) {
					break word
				}
				q++
			case clHigh:
				n, ok := f.char(q)
				if !ok {
					return false
				}
				q += n
			default:
				break word
			}
		}
		if q == p {
			break
		}
		end, p = q, q
		for p < len(src) && src[p] == ' ' {
			p++
		}
		if p == end || p >= len(src) || src[p] == '#' {
			break
		}
	}
	f.p = end
	v := src[start:end]
	t.style, t.tag = 0, resolvePlain(v)
	if t.fixed = fyCommonIndex(v); t.fixed == 0 {
		f.text = append(f.text, v...)
		t.n = int32(end - start)
	}
	return true
}

// single scans a single-quoted scalar that ends on its line.
func (f *fyParser) single(t *fyToken) bool {
	src := f.src
	p := f.p + 1
	run := p
	for {
		for p < len(src) && fySingle[src[p]] {
			p++
		}
		if p >= len(src) {
			return false
		}
		switch c := src[p]; {
		case c == '\'':
			f.text = append(f.text, src[run:p]...)
			if p+1 < len(src) && src[p+1] == '\'' {
				f.text = append(f.text, '\'')
				p += 2
				run = p
				continue
			}
			f.p = p + 1
			t.style, t.tag = yaml.SingleQuotedStyle, fyStr
			t.n = int32(len(f.text)) - t.off
			return true
		case c >= 0x80:
			n, ok := f.char(p)
			if !ok {
				return false
			}
			p += n
		default:
			return false
		}
	}
}

// double scans a double-quoted scalar that ends on its line, and decodes
// its escapes as yaml.v3 does.
func (f *fyParser) double(t *fyToken) bool {
	src := f.src
	p := f.p + 1
	run := p
	for {
		for p < len(src) && fyDouble[src[p]] {
			p++
		}
		if p >= len(src) {
			return false
		}
		switch c := src[p]; {
		case c == '"':
			f.text = append(f.text, src[run:p]...)
			f.p = p + 1
			t.style, t.tag = yaml.DoubleQuotedStyle, fyStr
			t.n = int32(len(f.text)) - t.off
			return true
		case c == '\\':
			f.text = append(f.text, src[run:p]...)
			if p+1 >= len(src) {
				return false
			}
			var ok bool
			if p, ok = f.escape(p + 1); !ok {
				return false
			}
			run = p
		case c >= 0x80:
			n, ok := f.char(p)
			if !ok {
				return false
			}
			p += n
		default:
			return false
		}
	}
}

// fyEscapes maps the escapes of one character to what they stand for.
var fyEscapes = [256]string{
	'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", '\t': "\t", 'n': "\n", 'v': "\v",
	'f': "\f", 'r': "\r", 'e': "\x1b", ' ': " ", '"': "\"", '\'': "'", '\\': "\\",
	'N': "\u0085", '_': "\u00a0", 'L': "\u2028", 'P': "\u2029",
}

// escape decodes the escape whose letter is at p into text, and returns the
// position after it. An escaped line break (a multi-line scalar), an
// unknown escape or an invalid code point is refused.
func (f *fyParser) escape(p int) (int, bool) {
	src := f.src
	c := src[p]
	if s := fyEscapes[c]; s != "" {
		f.text = append(f.text, s...)
		return p + 1, true
	}
	var digits int
	switch c {
	case 'x':
		digits = 2
	case 'u':
		digits = 4
	case 'U':
		digits = 8
	default:
		return p, false
	}
	p++
	if p+digits > len(src) {
		return p, false
	}
	v := 0
	for _, d := range src[p : p+digits] {
		switch {
		case d >= '0' && d <= '9':
			v = v<<4 | int(d-'0')
		case d >= 'a' && d <= 'f':
			v = v<<4 | int(d-'a'+10)
		case d >= 'A' && d <= 'F':
			v = v<<4 | int(d-'A'+10)
		default:
			return p, false
		}
	}
	if v >= 0xd800 && v <= 0xdfff || v > 0x10ffff {
		return p, false
	}
	f.text = utf8.AppendRune(f.text, rune(v))
	return p + digits, true
}

// blockScalar parses a literal (|) or folded (>) block scalar inside a block
// collection indented by ctx, with yaml.v3's rules for its indentation,
// folding and chomping. It leaves p at the start of the first line that is
// not part of it.
func (f *fyParser) blockScalar(ctx int) bool {
	src := f.src
	t := fyToken{line: int32(f.line), col: int32(f.col(f.p)), off: int32(len(f.text)), style: yaml.LiteralStyle, tag: fyStr}
	literal := src[f.p] == '|'
	if !literal {
		t.style = yaml.FoldedStyle
	}
	p := f.p + 1
	chomp, incr := 0, 0
	for range 2 {
		switch {
		case p < len(src) && chomp == 0 && (src[p] == '+' || src[p] == '-'):
			chomp = 1
			if src[p] == '-' {
				chomp = -1
			}
			p++
		case p < len(src) && incr == 0 && src[p] >= '0' && src[p] <= '9':
			if src[p] == '0' {
				return false
			}
			incr = int(src[p] - '0')
			p++
		}
	}
	f.p = p
	if !f.endLine() {
		return false
	}
	indent := 0
	if incr > 0 {
		indent = incr + max(ctx, 0)
	}
	trailing, ok := f.blockBreaks(&indent, ctx)
	if !ok {
		return false
	}
	leadingBreak, leadingBlank := false, false
	for f.p < len(src) && f.p-f.ls == indent {
		blank := src[f.p] == ' ' || src[f.p] == '\t'
		switch {
		case !literal && !leadingBlank && !blank && leadingBreak:
			if trailing == 0 {
				f.text = append(f.text, ' ')
			}
		case leadingBreak:
			f.text = append(f.text, '\n')
		}
		for ; trailing > 0; trailing-- {
			f.text = append(f.text, '\n')
		}
		leadingBlank = blank
		q, ok := f.lineEnd(f.p)
		if !ok {
			return false
		}
		f.text = append(f.text, src[f.p:q]...)
		switch {
		case q >= len(src):
			f.p, leadingBreak = q, false
		case src[q] == '\n':
			f.newline(q + 1)
			leadingBreak = true
		default: // CRLF, as lineEnd checked
			f.newline(q + 2)
			leadingBreak = true
		}
		if trailing, ok = f.blockBreaks(&indent, ctx); !ok {
			return false
		}
	}
	if chomp != -1 && leadingBreak {
		f.text = append(f.text, '\n')
	}
	if chomp == 1 {
		for ; trailing > 0; trailing-- {
			f.text = append(f.text, '\n')
		}
	}
	if f.p < len(src) {
		f.p = f.ls
	}
	t.n = int32(len(f.text)) - t.off
	f.addScalar(&t)
	return true
}

// blockBreaks skips the indentation and the empty lines before a line of a
// block scalar, returns how many empty lines there were, and settles the
// indentation of the scalar when it is not yet known (0), from the most
// indented of those lines, as yaml.v3 does.
func (f *fyParser) blockBreaks(indent *int, ctx int) (int, bool) {
	src := f.src
	breaks, most := 0, 0
	for {
		p := f.p
		for p < len(src) && src[p] == ' ' && (*indent == 0 || p-f.ls < *indent) {
			p++
		}
		col := p - f.ls
		most = max(most, col)
		f.p = p
		if p >= len(src) {
			break
		}
		if src[p] == '\t' && (*indent == 0 || col < *indent) {
			return 0, false
		}
		if src[p] == '\n' {
			f.newline(p + 1)
		} else if src[p] == '\r' && p+1 < len(src) && src[p+1] == '\n' {
			f.newline(p + 2)
		} else {
			break
		}
		breaks++
	}
	if *indent == 0 {
		*indent = max(most, ctx+1, 1)
	}
	return breaks, true
}

// flowNode parses a flow sequence or mapping that ends on its line.
func (f *fyParser) flowNode() bool {
	if f.src[f.p] == '[' {
		return f.flowSeq()
	}
	return f.flowMap()
}

// flowSpace skips the spaces in a flow collection, and refuses what would
// make it more than a one-line collection of scalars: a line break, a
// comment, the end of the input, a tab.
func (f *fyParser) flowSpace() bool {
	src, p := f.src, f.p
	for p < len(src) && src[p] == ' ' {
		p++
	}
	f.p = p
	if p >= len(src) {
		return false
	}
	switch src[p] {
	case '\n', '\r', '#', '\t':
		return false
	}
	return true
}

// flowItem parses an entry of a flow collection: a scalar or a collection.
func (f *fyParser) flowItem() bool {
	switch f.src[f.p] {
	case '[':
		return f.flowSeq()
	case '{':
		return f.flowMap()
	}
	var t fyToken
	if !f.scalar(&t, true) {
		return false
	}
	f.addScalar(&t)
	return true
}

// flowSeq parses a flow sequence of entries that are not pairs.
func (f *fyParser) flowSeq() bool {
	node, mark, ok := f.open(yaml.SequenceNode, yaml.FlowStyle, fySeq, f.line, f.col(f.p))
	if !ok {
		return false
	}
	f.p++
	if !f.flowSpace() {
		return false
	}
	if f.src[f.p] != ']' {
		for {
			if !f.flowItem() || !f.flowSpace() {
				return false
			}
			if f.src[f.p] == ']' {
				break
			}
			// A trailing comma is fine YAML, but rare: refused as well.
			if f.src[f.p] != ',' {
				return false
			}
			f.p++
			if !f.flowSpace() || f.src[f.p] == ']' {
				return false
			}
		}
	}
	f.p++
	f.close(node, mark)
	return true
}

// flowMap parses a flow mapping whose keys are scalars and whose values
// are not empty.
func (f *fyParser) flowMap() bool {
	node, mark, ok := f.open(yaml.MappingNode, yaml.FlowStyle, fyMap, f.line, f.col(f.p))
	if !ok {
		return false
	}
	src := f.src
	f.p++
	if !f.flowSpace() {
		return false
	}
	if src[f.p] != '}' {
		for {
			var t fyToken
			if !f.scalar(&t, true) || !f.flowSpace() || src[f.p] != ':' || f.p-t.start > fyMaxKey {
				return false
			}
			f.addScalar(&t)
			f.p++
			if !f.flowSpace() || src[f.p] == ',' || src[f.p] == '}' {
				return false
			}
			if !f.flowItem() || !f.flowSpace() {
				return false
			}
			if src[f.p] == '}' {
				break
			}
			if src[f.p] != ',' {
				return false
			}
			f.p++
			if !f.flowSpace() || src[f.p] == '}' {
				return false
			}
		}
	}
	f.p++
	f.close(node, mark)
	return true
}

// resolvePlain returns the tag that yaml.v3 resolves a plain scalar to. The
// first byte tells most strings apart at once; numbers and timestamps take
// the same steps as yaml.v3 does, with the same standard library calls,
// after a syntax check that spares those calls to strings that cannot be
// numbers.
func resolvePlain(v []byte) uint8 {
	switch c := v[0]; {
	case c >= '0' && c <= '9' || c == '-' || c == '+':
		return resolveNumber(v)
	case c == '.':
		switch string(v) {
		case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF":
			return fyFloat
		}
		if _, err := strconv.ParseFloat(string(v), 64); err == nil {
			return fyFloat
		}
	case c == '<':
		if string(v) == "<<" {
			return fyMerge
		}
	case c == '~' || c == 'n' || c == 'N':
		switch string(v) {
		case "~", "null", "Null", "NULL":
			return fyNull
		}
	case c == 't' || c == 'T' || c == 'f' || c == 'F':
		switch string(v) {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return fyBool
		}
	}
	return fyStr
}

// fyTimeFormats are the timestamp layouts that yaml.v3 resolves plain
// scalars with.
var fyTimeFormats = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

// resolveNumber resolves a plain scalar that starts with a digit or a sign.
func resolveNumber(v []byte) uint8 {
	switch string(v) {
	case "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return fyFloat
	}
	// Decimal integers, the common case, fit in an int64 up to 18 digits.
	digits := v
	if v[0] == '-' || v[0] == '+' {
		digits = v[1:]
	}
	if len(digits) > 0 && len(digits) <= 18 && (digits[0] != '0' || len(digits) == 1) && allDigits(digits) {
		return fyInt
	}
	if len(v) > 4 && allDigits(v[:4]) && v[4] == '-' {
		for _, layout := range fyTimeFormats {
			if _, err := time.Parse(layout, string(v)); err == nil {
				return fyTimestamp
			}
		}
	}
	plain := string(v)
	if strings.IndexByte(plain, '_') >= 0 {
		plain = strings.ReplaceAll(plain, "_", "")
	}
	// The syntax checks only skip calls that would fail.
	isInt, isFloat := intSyntax(plain), floatSyntax(plain)
	if isInt {
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return fyInt
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return fyInt
		}
	}
	if isFloat {
		if _, err := strconv.ParseFloat(plain, 64); err == nil {
			return fyFloat
		}
	}
	if !isInt {
		return fyStr
	}
	// yaml.v3 tries binary and octal once more without the base prefix,
	// which only matters for values that overflow; so does this.
	for _, b := range []struct {
		prefix string
		base   int
	}{{"0b", 2}, {"0o", 8}} {
		if rest, ok := strings.CutPrefix(plain, b.prefix); ok {
			if _, err := strconv.ParseInt(rest, b.base, 64); err == nil {
				return fyInt
			}
			if _, err := strconv.ParseUint(rest, b.base, 64); err == nil {
				return fyInt
			}
		} else if rest, ok := strings.CutPrefix(plain, "-"+b.prefix); ok {
			if _, err := strconv.ParseInt("-"+rest, b.base, 64); err == nil {
				return fyInt
			}
		}
	}
	return fyStr
}

// allDigits reports whether b is all decimal digits.
func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// intSyntax reports whether s looks like an integer that yaml.v3 could
// resolve with strconv: a sign, then decimal digits, or a 0x prefix and hex
// digits, or a 0o or 0b prefix and digits of that base, which may have a
// sign of their own, as yaml.v3 parses them again without the prefix when
// the whole fails. It says nothing of range, and takes in more than those
// calls accept: they decide.
func intSyntax(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	max := byte('9')
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X':
			for i := 2; i < len(s); i++ {
				if c := s[i] | 0x20; (s[i] < '0' || s[i] > '9') && (c < 'a' || c > 'f') {
					return false
				}
			}
			return true
		case 'o', 'O':
			max, s = '7', s[2:]
		case 'b', 'B':
			max, s = '1', s[2:]
		}
		if max != '9' && (s[0] == '-' || s[0] == '+') {
			if s = s[1:]; s == "" {
				return false
			}
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > max {
			return false
		}
	}
	return true
}

// floatSyntax reports whether s is a float as YAML 1.2 writes one:
// [-+]? ( \.[0-9]+ | [0-9]+ ( \.[0-9]* )? ) ( [eE][-+]?[0-9]+ )?
func floatSyntax(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	} else {
		if digits() == 0 {
			return false
		}
		if i < len(s) && s[i] == '.' {
			i++
			digits()
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// fyCommon are keys and values that Kubernetes manifests use over and
// over: their nodes share these strings instead of copying their text.
var fyCommon = [...]string{
	// Keys.
	"apiVersion", "kind", "metadata", "name", "namespace", "labels", "annotations",
	"spec", "status", "data", "stringData", "binaryData", "type", "template",
	"selector", "matchLabels", "matchExpressions", "key", "operator", "values",
	"replicas", "containers", "initContainers", "ephemeralContainers", "image",
	"imagePullPolicy", "command", "args", "workingDir", "env", "value", "valueFrom",
	"secretKeyRef", "configMapKeyRef", "fieldRef", "fieldPath", "envFrom",
	"configMapRef", "secretRef", "ports", "containerPort", "hostPort", "protocol",
	"port", "targetPort", "nodePort", "resources", "limits", "requests", "cpu",
	"memory", "ephemeral-storage", "securityContext", "privileged",
	"allowPrivilegeEscalation", "readOnlyRootFilesystem", "runAsNonRoot",
	"runAsUser", "runAsGroup", "fsGroup", "supplementalGroups", "capabilities",
	"add", "drop", "seccompProfile", "seLinuxOptions", "appArmorProfile",
	"procMount", "volumeMounts", "mountPath", "subPath", "readOnly", "volumes",
	"hostPath", "path", "configMap", "secret", "secretName", "emptyDir",
	"persistentVolumeClaim", "claimName", "projected", "sources", "livenessProbe",
	"readinessProbe", "startupProbe", "httpGet", "tcpSocket", "exec", "grpc",
	"initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold",
	"successThreshold", "lifecycle", "serviceAccountName", "serviceAccount",
	"automountServiceAccountToken", "hostNetwork", "hostPID", "hostIPC",
	"nodeSelector", "nodeName", "tolerations", "effect", "affinity",
	"restartPolicy", "schedule", "jobTemplate", "backoffLimit", "strategy",
	"rollingUpdate", "maxSurge", "maxUnavailable", "revisionHistoryLimit",
	"serviceName", "volumeClaimTemplates", "accessModes", "storage",
	"storageClassName", "rules", "apiGroups", "verbs", "resourceNames",
	"nonResourceURLs", "subjects", "roleRef", "apiGroup", "aggregationRule",
	"clusterRoleSelectors", "podSelector", "policyTypes", "ingress", "egress",
	"from", "to", "ipBlock", "cidr", "except", "namespaceSelector", "clusterIP",
	"externalTrafficPolicy", "sessionAffinity", "loadBalancerIP", "externalIPs",
	"terminationGracePeriodSeconds", "dnsPolicy", "priorityClassName",
	"imagePullSecrets", "shareProcessNamespace", "ownerReferences", "uid",
	"controller", "items", "host", "http", "paths", "pathType", "backend",
	"service", "number", "tls", "hosts", "ingressClassName", "webhooks",
	"clientConfig", "caBundle", "stdin", "tty", "minReadySeconds", "suspend",
	"concurrencyPolicy", "completions", "parallelism", "generateName",
	// Values.
	"v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1",
	"rbac.authorization.k8s.io", "policy/v1", "autoscaling/v2", "Deployment",
	"StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet", "Service",
	"ServiceAccount", "ConfigMap", "Secret", "Namespace", "Role", "RoleBinding",
	"ClusterRole", "ClusterRoleBinding", "NetworkPolicy", "Ingress", "Egress",
	"PersistentVolumeClaim", "List", "Opaque", "TCP", "UDP", "ClusterIP",
	"NodePort", "LoadBalancer", "Always", "IfNotPresent", "Never", "OnFailure",
	"RuntimeDefault", "Localhost", "Unconfined", "ALL", "NET_ADMIN", "NET_RAW",
	"SYS_ADMIN", "SYS_PTRACE", "NET_BIND_SERVICE", "get", "list", "watch", "create",
	"update", "patch", "delete", "deletecollection", "pods", "secrets", "configmaps",
	"services", "deployments", "Group", "User", "In", "NotIn", "Exists", "NoSchedule",
	"NoExecute", "Prefix", "Exact", "ReadWriteOnce", "Directory", "true", "false",
	"app", "web", "api", "nginx", "busybox", "production", "default", "kube-system",
	"/", "/healthz", "cluster-admin", "developers",
}

// fyCommonTable finds the strings of fyCommon by their text: an open
// addressing table of their indices plus one, 0 for an empty slot, hashed
// by fyHash. Cheaper than a map for these short strings.
var fyCommonTable = func() (t [1 << fyCommonBits]uint16) {
	for i, s := range fyCommon {
		h := fyHash([]byte(s))
		for t[h] != 0 {
			h = (h + 1) & (1<<fyCommonBits - 1)
		}
		t[h] = uint16(i + 1)
	}
	return t
}()

const fyCommonBits = 10

// fyHash hashes the length and four of the bytes of a short string.
func fyHash(v []byte) uint32 {
	n := len(v)
	h := uint32(n)*0x9e3779b1 ^ (uint32(v[0]) | uint32(v[n-1])<<8 | uint32(v[n/2])<<16 | uint32(v[n/3])<<24)
	return h * 0x85ebca6b >> (32 - fyCommonBits)
}

// fyCommonIndex returns the index plus one of v in fyCommon, or 0.
func fyCommonIndex(v []byte) uint16 {
	if len(v) == 0 || len(v) > 32 {
		return 0
	}
	for h := fyHash(v); ; h = (h + 1) & (1<<fyCommonBits - 1) {
		i := fyCommonTable[h]
		if i == 0 || string(v) == fyCommon[i-1] {
			return i
		}
	}
}
