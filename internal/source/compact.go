package source

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"kubescape.io/kubescape/internal/resource"
)

// compactor encodes objects as JSON straight from their YAML tree, for reads
// with Options.Compact: the same bytes as resource.Object.Compact makes of
// the decoded content, without building that content (maps, slices and
// boxed values) only to marshal and drop it. It handles plain trees only
// (see isPlain); the others are decoded and compacted as usual. Each worker
// has its own, whose buffers serve object after object.
type compactor struct {
	buf []byte
	// pairs is a stack of the entries of the mappings being encoded, sorted
	// by key, each mapping's on top of its parent's.
	pairs []pair
}

type pair struct {
	key   string
	value *yaml.Node
}

// isPlain reports whether decoding the tree at n can neither fail nor depend
// on more than each node itself: it holds no aliases, no merge keys and no
// keys that are collections. Decoding a plain tree gives a map for a
// mapping node, a slice for a sequence node and scalarValue for a scalar,
// the last of duplicate keys winning.
func isPlain(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind != yaml.ScalarNode || isMerge(k) || !isPlain(n.Content[i+1]) {
				return false
			}
		}
	case yaml.SequenceNode:
		for _, e := range n.Content {
			if !isPlain(e) {
				return false
			}
		}
	case yaml.ScalarNode:
	default:
		return false
	}
	return true
}

// emit does what the function emit does, for a plain tree: it makes
// compacted objects of the document, or of the items of a List, with the
// same checks and problems.
func (c *compactor) emit(in input, doc *docSource, index int, node *yaml.Node, items []int, out *parsed) {
	line := node.Line + doc.lineOffset
	if node.Kind != yaml.MappingNode {
		what := "a scalar"
		if node.Kind == yaml.SequenceNode {
			what = "a list"
		}
		out.problem(in.path, line, true, "not a Kubernetes object: document %d is %s", index, what)
		return
	}
	kind, _ := stringField(node, "kind")
	if seq := field(node, "items"); seq != nil && seq.Kind == yaml.SequenceNode && strings.HasSuffix(kind, "List") {
		for i, item := range seq.Content {
			c.emit(in, doc, index, item, append(items[:len(items):len(items)], i), out)
		}
		return
	}
	missing := ""
	if kind == "" {
		missing = "kind"
	} else if apiVersion, _ := stringField(node, "apiVersion"); apiVersion == "" {
		missing = "apiVersion"
	}
	if missing != "" {
		out.problem(in.path, line, true, "not a Kubernetes object: no %s", missing)
		return
	}
	c.buf = c.value(c.buf[:0], node)
	o := resource.Object{
		Origin: resource.Origin{
			Kind: in.kind, Path: in.path, Document: index,
			Line: line, Column: node.Column,
		},
		Locator: newLocator(doc, items, node),
	}
	o.SetCompact(slices.Clone(c.buf), metaOf(node, in.strings))
	out.objects = append(out.objects, o)
}

// metaOf is what resource.Object.Compact keeps of the object at plain
// mapping node n, with the strings shared through st.
func metaOf(n *yaml.Node, st *interner) resource.Meta {
	str := func(n *yaml.Node, key string) string {
		s, _ := stringField(n, key)
		return st.key(s)
	}
	m := resource.Meta{Ref: resource.Ref{APIVersion: str(n, "apiVersion"), Kind: str(n, "kind")}}
	md := field(n, "metadata")
	if md == nil || md.Kind != yaml.MappingNode {
		return m
	}
	m.Ref.Namespace, m.Ref.Name = str(md, "namespace"), str(md, "name")
	m.Labels = stringMap(field(md, "labels"), st)
	m.Annotations = stringMap(field(md, "annotations"), st)
	m.UID = str(md, "uid")
	if owners := field(md, "ownerReferences"); owners != nil && owners.Kind == yaml.SequenceNode {
		for _, e := range owners.Content {
			if e.Kind != yaml.MappingNode {
				continue
			}
			r := resource.OwnerRef{Kind: str(e, "kind"), Name: str(e, "name"), UID: str(e, "uid")}
			if c := field(e, "controller"); c != nil && c.Kind == yaml.ScalarNode {
				r.Controller, _ = scalarValue(c).(bool)
			}
			m.Owners = append(m.Owners, r)
		}
	}
	return m
}

// stringMap is the string entries of plain mapping n, as
// resource.Object.Labels returns them: nil when n is not a mapping or is
// empty, and a key whose last value is not a string left out.
func stringMap(n *yaml.Node, st *interner) map[string]string {
	if n == nil || n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil
	}
	out := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if s, ok := stringValue(n.Content[i+1]); ok {
			out[st.key(k)] = st.key(s)
		} else {
			delete(out, k)
		}
	}
	return out
}

// field is the value of key in plain mapping n (the last one of duplicate
// keys), nil when there is none.
func field(n *yaml.Node, key string) *yaml.Node {
	for i := len(n.Content) - 2; i >= 0; i -= 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// stringField is the value of key in plain mapping n when it decodes to a string.
func stringField(n *yaml.Node, key string) (string, bool) {
	if v := field(n, key); v != nil {
		return stringValue(v)
	}
	return "", false
}

// stringValue reports whether plain node n decodes to a string, and returns it.
func stringValue(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		return "", false
	}
	if n.ShortTag() == "!!str" {
		return n.Value, true
	}
	s, ok := scalarValue(n).(string)
	return s, ok
}

// value appends the JSON encoding of the decoding of plain node n to b, as
// json.Marshal would: mapping keys sorted, the last of duplicate keys kept.
func (c *compactor) value(b []byte, n *yaml.Node) []byte {
	switch n.Kind {
	case yaml.MappingNode:
		start := len(c.pairs)
		for i := 0; i+1 < len(n.Content); i += 2 {
			c.pairs = append(c.pairs, pair{n.Content[i].Value, n.Content[i+1]})
		}
		end := len(c.pairs)
		// Stable, so that the last of duplicate keys is the last of its run.
		slices.SortStableFunc(c.pairs[start:end], func(x, y pair) int { return strings.Compare(x.key, y.key) })
		b = append(b, '{')
		for i := start; i < end; i++ {
			p := c.pairs[i]
			if i+1 < end && c.pairs[i+1].key == p.key {
				continue
			}
			if b[len(b)-1] != '{' {
				b = append(b, ',')
			}
			b = appendString(b, p.key)
			b = append(b, ':')
			b = c.value(b, p.value)
		}
		c.pairs = c.pairs[:start]
		return append(b, '}')
	case yaml.SequenceNode:
		b = append(b, '[')
		for i, e := range n.Content {
			if i > 0 {
				b = append(b, ',')
			}
			b = c.value(b, e)
		}
		return append(b, ']')
	}
	if n.ShortTag() == "!!str" {
		return appendString(b, n.Value)
	}
	switch v := scalarValue(n).(type) {
	case bool:
		return strconv.AppendBool(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		return appendFloat(b, v)
	case string:
		return appendString(b, v)
	}
	return append(b, "null"...)
}

// appendFloat appends f as encoding/json does: like %g, but with the
// exponent form only below 1e-6 and from 1e21 on, and without padding the
// exponent to two digits. f is finite (scalarValue keeps the others as text).
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b
}

// appendString appends s quoted as encoding/json does by default: <, > and
// & escaped as well as control characters, invalid UTF-8 replaced by
// U+FFFD, and U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		var esc string
		switch {
		case r == utf8.RuneError && size == 1:
			esc = `\ufffd`
		case r == '\u2028':
			esc = `\u2028`
		case r == '\u2029':
			esc = `\u2029`
		}
		if esc != "" {
			b = append(b, s[start:i]...)
			b = append(b, esc...)
			start = i + size
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
