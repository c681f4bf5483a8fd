package source

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/internal/result"
)

// maxAliasNodes caps how many nodes the expansion of YAML aliases may produce
// in one document, so that an alias bomb ("billion laughs") costs little;
// aliasNodesPerByte caps them for a whole input, so that many bombs in one
// file cost little too.
const (
	maxAliasNodes     = 1 << 18
	aliasNodesPerByte = 4
)

// maxMergeDepth bounds how many aliases and merge keys (<<) are followed in a row.
const maxMergeDepth = 32

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// input is the bytes of one file, template render or stream, and how to name them.
type input struct {
	kind resource.OriginKind
	// path is Origin.Path of the objects and Source of the problems.
	path string
	data []byte
	// file, when set, is the file that locators read again on demand
	// instead of keeping data in memory.
	file string
	worker
}

// worker is what one reading goroutine carries from input to input.
type worker struct {
	// strings shares the text of keys and short values between objects; nil shares nothing.
	strings *interner
	// compact, when set, makes compacted objects (Options.Compact).
	compact *compactor
}

// parsed is what one input yields.
type parsed struct {
	objects  []resource.Object
	problems []result.InputProblem
}

func (p *parsed) problem(source string, line int, skipped bool, format string, args ...any) {
	p.problems = append(p.problems, result.InputProblem{
		Source: source, Line: line, Reason: fmt.Sprintf(format, args...), Skipped: skipped,
	})
}

// chunk is one YAML document of an input: bytes [start, end) that begin at line.
type chunk struct {
	start, end int
	line       int
	index      int
}

// splitDocuments cuts data at the document markers ("---" at the start of a
// line). The marker line stays in the document that it opens, so that line
// numbers within a document are those of the file shifted by line-1. A leading
// part that holds only blank lines, comments and directives is not a document.
func splitDocuments(data []byte) []chunk {
	var chunks []chunk
	cur := chunk{line: 1}
	line := 1
	for off := 0; off < len(data); {
		end := len(data)
		if nl := bytes.IndexByte(data[off:], '\n'); nl >= 0 {
			end = off + nl + 1
		}
		if off > 0 && isMarker(data[off:end]) {
			cur.end = off
			chunks = append(chunks, cur)
			cur = chunk{start: off, line: line}
		}
		off = end
		line++
	}
	cur.end = len(data)
	chunks = append(chunks, cur)
	if len(chunks) > 1 && isPreamble(data[chunks[0].start:chunks[0].end]) {
		chunks = chunks[1:]
	}
	for i := range chunks {
		chunks[i].index = i
	}
	return chunks
}

// isMarker reports whether a line is a document start marker.
func isMarker(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	if len(line) == 3 {
		return true
	}
	switch line[3] {
	case ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// isPreamble reports whether b holds only blank lines, comments and directives.
func isPreamble(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	for len(b) > 0 {
		var ln []byte
		ln, b, _ = bytes.Cut(b, []byte("\n"))
		ln = bytes.TrimSpace(ln)
		if len(ln) > 0 && ln[0] != '#' && ln[0] != '%' {
			return false
		}
	}
	return true
}

// parseInput splits an input into documents and decodes each of them.
func parseInput(in input) parsed {
	var out parsed
	budget := max(maxAliasNodes, aliasNodesPerByte*len(in.data))
	for _, c := range splitDocuments(in.data) {
		parseChunk(in, c, &budget, &out)
	}
	return out
}

// parseChunk decodes one document. A panic, whatever its cause, becomes a
// problem of that document only.
func parseChunk(in input, c chunk, budget *int, out *parsed) {
	defer func() {
		if r := recover(); r != nil {
			out.problem(in.path, c.line, false, "document %d: internal error: %v", c.index, r)
		}
	}()
	raw := in.data[c.start:c.end]
	doc := &docSource{file: in.file, off: int64(c.start), n: len(raw), lineOffset: c.line - 1}
	if in.file == "" {
		doc.data = raw
	} else {
		doc.sum = crc32.Checksum(raw, crcTable)
	}
	doc.json = looksLikeJSON(raw)
	root, err := parseTree(raw, doc.json)
	if err != nil {
		line, reason := errorLine(err)
		out.problem(in.path, line+doc.lineOffset, false, "%s", reason)
		return
	}
	if root == nil || isNull(root) {
		return
	}
	n := len(out.objects)
	if in.compact != nil && isPlain(root) {
		in.compact.emit(in, doc, c.index, root, nil, out)
	} else {
		d := decoder{strings: in.strings, inputBudget: budget}
		v, err := d.decode(root)
		if err != nil {
			out.problem(in.path, lineOf(err, root)+doc.lineOffset, false, "document %d: %s", c.index, err)
			return
		}
		emit(in, doc, c.index, root, v, nil, out)
	}
	// Seed the locator cache with the tree just parsed: a Locate soon after
	// reading (before the next garbage collection) parses nothing again.
	doc.keep(root)
	if len(out.objects)-n > 1 {
		cutItems(raw, doc, root, out.objects[n:])
	}
}

// emit turns a decoded document, or an item of a List, into objects.
func emit(in input, doc *docSource, index int, node *yaml.Node, v any, items []int, out *parsed) {
	line := node.Line + doc.lineOffset
	m, ok := v.(map[string]any)
	if !ok {
		what := "a scalar"
		if _, isList := v.([]any); isList {
			what = "a list"
		}
		out.problem(in.path, line, true, "not a Kubernetes object: document %d is %s", index, what)
		return
	}
	if list, ok := m["items"].([]any); ok && isListKind(m["kind"]) {
		_, seq, found := lookupKey(node, "items", 0)
		seq = deref(seq)
		if !found || seq.Kind != yaml.SequenceNode || len(seq.Content) != len(list) {
			out.problem(in.path, line, false, "document %d: cannot locate the items of the list", index)
			return
		}
		for i, item := range list {
			emit(in, doc, index, seq.Content[i], item, append(items[:len(items):len(items)], i), out)
		}
		return
	}
	for _, field := range []string{"kind", "apiVersion"} {
		if s, ok := m[field].(string); !ok || s == "" {
			out.problem(in.path, line, true, "not a Kubernetes object: no %s", field)
			return
		}
	}
	out.objects = append(out.objects, resource.Object{
		Content: m,
		Origin: resource.Origin{
			Kind: in.kind, Path: in.path, Document: index,
			Line: line, Column: node.Column,
		},
		Locator: newLocator(doc, items, node),
	})
}

func newLocator(doc *docSource, items []int, node *yaml.Node) *locator {
	l := &locator{doc: doc, items: items}
	if idx, ok := buildIndex(node, doc.lineOffset); ok {
		l.index.Store(&idx)
	}
	return l
}

func isListKind(kind any) bool {
	s, ok := kind.(string)
	return ok && strings.HasSuffix(s, "List")
}

// looksLikeJSON reports whether a document starts like JSON ({ or [).
func looksLikeJSON(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// parseTree parses one document into a yaml.Node tree; nil for an empty
// document. The YAML that manifests are written in takes the fast parser
// (fastyaml.go), which builds the same tree; JSON and whatever that parser
// refuses take yaml.v3.
func parseTree(raw []byte, json bool) (*yaml.Node, error) {
	if json {
		raw = fixJSONEscapes(raw)
	} else if root, ok := fastParse(raw); ok {
		return root, nil
	}
	return yamlTree(raw)
}

// yamlTree parses one document with yaml.v3: the root node, nil for a
// document without content.
func yamlTree(raw []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// fixJSONEscapes rewrites the JSON escape \/ , which YAML does not know, to
// \u002f. Columns after it on the same line move by four.
func fixJSONEscapes(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\/`)) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '"':
			inString = !inString
		case c == '\\' && inString && i+1 < len(b):
			if b[i+1] == '/' {
				out = append(out, `\u002f`...)
			} else {
				out = append(out, c, b[i+1])
			}
			i++
			continue
		}
		out = append(out, c)
	}
	return out
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parserProblems are the messages of yaml.v3 parser (not scanner) errors,
// whose line yaml.v3 reports 0-based.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// errorLine extracts the 1-based line (within the document) and the reason
// from a yaml.v3 error. yaml.v3 omits the line when it is the first one and
// reports parser errors 0-based; both are corrected here.
func errorLine(err error) (int, string) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if parserProblems[m[2]] {
			line++
		}
		return line, "invalid YAML: " + m[2]
	}
	return 1, "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// nodeError is a decoding error at a node.
type nodeError struct {
	node *yaml.Node
	msg  string
}

func (e *nodeError) Error() string { return e.msg }

// lineOf is the line of the node a decoding error is about.
func lineOf(err error, root *yaml.Node) int {
	var ne *nodeError
	if errors.As(err, &ne) && ne.node != nil && ne.node.Line > 0 {
		return ne.node.Line
	}
	return root.Line
}

// decoder turns a yaml.Node tree into JSON-compatible Go values in one pass.
type decoder struct {
	strings *interner
	// aliasNodes counts the nodes produced by expanding aliases in the document.
	aliasNodes int
	// inputBudget is what is left of the alias expansion budget of the whole input.
	inputBudget *int
	// expanding holds the anchors being expanded, to refuse an alias to itself.
	expanding []*yaml.Node
}

func (d *decoder) decode(n *yaml.Node) (any, error) {
	if len(d.expanding) > 0 {
		d.aliasNodes++
		if d.aliasNodes > maxAliasNodes {
			return nil, &nodeError{n, fmt.Sprintf("YAML aliases expand to more than %d nodes", maxAliasNodes)}
		}
		if d.inputBudget != nil {
			if *d.inputBudget--; *d.inputBudget < 0 {
				return nil, &nodeError{n, "YAML aliases of the input expand to too many nodes"}
			}
		}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() == "!!str" {
			return d.strings.value(n.Value), nil
		}
		return scalarValue(n), nil
	case yaml.MappingNode:
		return d.mapping(n)
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := d.decode(c)
			if err != nil {
				return nil, err
			}
			s[i] = v
		}
		return s, nil
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, &nodeError{n, "alias without anchor"}
		}
		for _, a := range d.expanding {
			if a == n.Alias {
				return nil, &nodeError{n, fmt.Sprintf("alias *%s refers to itself", n.Value)}
			}
		}
		d.expanding = append(d.expanding, n.Alias)
		v, err := d.decode(n.Alias)
		d.expanding = d.expanding[:len(d.expanding)-1]
		return v, err
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return d.decode(n.Content[0])
	}
	return nil, &nodeError{n, fmt.Sprintf("unexpected YAML node kind %d", n.Kind)}
}

func (d *decoder) mapping(n *yaml.Node) (map[string]any, error) {
	m := make(map[string]any, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if isMerge(k) {
			merges = append(merges, n.Content[i+1])
			continue
		}
		key, err := keyString(k)
		if err != nil {
			return nil, err
		}
		key = d.strings.key(key)
		v, err := d.decode(n.Content[i+1])
		if err != nil {
			return nil, err
		}
		m[key] = v
	}
	// Explicit keys win over merged ones, and earlier merge sources over later ones.
	for _, src := range merges {
		sources := []*yaml.Node{src}
		if s := deref(src); s != nil && s.Kind == yaml.SequenceNode {
			sources = s.Content
		}
		for _, s := range sources {
			v, err := d.decode(s)
			if err != nil {
				return nil, err
			}
			sm, ok := v.(map[string]any)
			if !ok {
				return nil, &nodeError{s, "merge key << needs a mapping or a list of mappings"}
			}
			for k, v := range sm {
				if _, set := m[k]; !set {
					m[k] = v
				}
			}
		}
	}
	return m, nil
}

// keyString is the map key of a key node: its text, for scalars of any type
// (the key 1 is "1", true is "true").
func keyString(k *yaml.Node) (string, error) {
	if dk := deref(k); dk != nil && dk.Kind == yaml.ScalarNode {
		return dk.Value, nil
	}
	return "", &nodeError{k, "mapping key is not a scalar"}
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

// deref follows aliases (a bounded number of times) to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i == maxMergeDepth {
			return nil
		}
		n = n.Alias
	}
	return n
}

// scalarValue resolves a scalar the way yaml.v3 does, but to JSON-compatible
// values: integers as int64 (float64 beyond its range), floats as float64
// (infinities and NaN stay strings), timestamps and binary as their text.
func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		switch n.Value {
		case "true", "True", "TRUE":
			return true
		case "false", "False", "FALSE":
			return false
		}
	case "!!int":
		plain := strings.ReplaceAll(n.Value, "_", "")
		if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return float64(u)
		}
		if f, err := strconv.ParseFloat(plain, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	case "!!float":
		plain := strings.ReplaceAll(n.Value, "_", "")
		if f, err := strconv.ParseFloat(plain, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	return n.Value
}
