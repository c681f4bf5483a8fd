package source

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"weak"

	"gopkg.in/yaml.v3"

	"kubescape.io/kubescape/internal/resource"
)

// docSource is how to get one document back to locate fields in it: its
// bytes when they are in memory (stdin, Helm, Kustomize), or a region of a
// file that is read again on demand. The parsed tree is held only through a
// weak pointer, so it lives at most until the next garbage collection: many
// Locate calls in a row on one document parse it once, and a scan of many
// objects does not hold their trees.
type docSource struct {
	file       string
	off        int64
	n          int
	data       []byte
	sum        uint32
	lineOffset int
	json       bool
	// mask is how many bytes of the first line to blank before parsing: the
	// "- " of a List item cut out of its list.
	mask int
	// failed is set when the region did not parse as it should.
	failed atomic.Bool

	mu   sync.Mutex
	tree weak.Pointer[yaml.Node]
}

// errChanged says that a file changed between reading and locating.
var errChanged = errors.New("file changed since it was read")

func (d *docSource) keep(root *yaml.Node) {
	d.mu.Lock()
	d.tree = weak.Make(root)
	d.mu.Unlock()
}

// cached returns the parsed tree if it is still in memory.
func (d *docSource) cached() *yaml.Node {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tree.Value()
}

// root returns the parsed root node of the document.
func (d *docSource) root() (*yaml.Node, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t := d.tree.Value(); t != nil {
		return t, nil
	}
	raw := d.data
	if raw == nil {
		var err error
		if raw, err = d.read(); err != nil {
			return nil, err
		}
	}
	if d.mask > 0 {
		raw = blankStart(raw, d.mask)
	}
	t, err := parseTree(raw, d.json)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, errChanged
	}
	d.tree = weak.Make(t)
	return t, nil
}

// blankStart returns a copy of b with its first n bytes replaced by spaces.
func blankStart(b []byte, n int) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	for i := range min(n, len(out)) {
		out[i] = ' '
	}
	return out
}

// read reads the document's region of its file again, and checks that it
// did not change.
func (d *docSource) read() ([]byte, error) {
	f, err := os.Open(d.file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw := make([]byte, d.n)
	if _, err := f.ReadAt(raw, d.off); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s: %w", d.file, err)
	}
	if crc32.Checksum(raw, crcTable) != d.sum {
		return nil, fmt.Errorf("read %s: %w", d.file, errChanged)
	}
	return raw, nil
}

// locator resolves field paths of one object: the document it is in, and
// the List item indices from the document root to the object. frag, when
// set, is the object's own region of a List document, parsed instead of the
// whole list when the list's tree is not at hand.
type locator struct {
	doc   *docSource
	items []int
	frag  *docSource
	// index, when set, holds the position of every field, built as the
	// document was read; until Release, Locate needs no parsing.
	index atomic.Pointer[posIndex]
}

// Release drops the index: the object's fields are located by parsing its
// document again from then on.
func (l *locator) Release() { l.index.Store(nil) }

var _ resource.Locator = (*locator)(nil)

// Locate returns the position of the key of the field at path (of the
// element, for a list index; of the object, for ""). It is false when the
// field does not exist, the path is malformed or the source cannot be read again.
func (l *locator) Locate(path string) (resource.Position, bool) {
	// A scan locates many paths, and each of their parents in turn: parsing
	// into this array allocates nothing for paths of up to its length.
	var buf [16]segment
	segs, ok := parsePath(path, buf[:0])
	if !ok {
		return resource.Position{}, false
	}
	if idx := l.index.Load(); idx != nil {
		return idx.locate(segs)
	}
	n, lineOffset, ok := l.object()
	if !ok {
		return resource.Position{}, false
	}
	at := n
	for _, s := range segs {
		if s.isIndex {
			n, ok = lookupIndex(n, s.index)
			at = n
		} else {
			at, n, ok = lookupKey(n, s.key, 0)
		}
		if !ok {
			return resource.Position{}, false
		}
	}
	return resource.Position{Line: at.Line + lineOffset, Column: at.Column}, true
}

// object returns the node of the object and the line offset of its tree:
// from the whole document when its tree is at hand or the object has no
// region of its own, from the object's region otherwise.
func (l *locator) object() (*yaml.Node, int, bool) {
	if l.frag != nil && !l.frag.failed.Load() && l.doc.cached() == nil {
		n, err := l.frag.root()
		if err == nil && n.Kind == yaml.MappingNode && n.Line == 1 {
			return n, l.frag.lineOffset, true
		}
		// The region did not parse as the item it was cut from.
		l.frag.failed.Store(true)
	}
	n, err := l.doc.root()
	if err != nil {
		return nil, 0, false
	}
	for _, i := range l.items {
		var ok bool
		if _, n, ok = lookupKey(n, "items", 0); !ok {
			return nil, 0, false
		}
		if n, ok = lookupIndex(n, i); !ok {
			return nil, 0, false
		}
	}
	return n, l.doc.lineOffset, true
}

// segment is one step of a field path: a key, or an index when isIndex.
type segment struct {
	key     string
	index   int
	isIndex bool
}

// parsePath splits a path like spec.containers[0].securityContext.privileged
// or metadata.annotations["kubescape.io/ignore"] into segments, appended to segs.
func parsePath(path string, segs []segment) ([]segment, bool) {
	for i := 0; i < len(path); {
		switch path[i] {
		case '.':
			if i == 0 || i+1 >= len(path) || path[i+1] == '.' || path[i+1] == '[' {
				return nil, false
			}
			i++
		case '[':
			j := i + 1
			if j < len(path) && (path[j] == '"' || path[j] == '\'') {
				key, n, ok := quoted(path[j:])
				if !ok || j+n >= len(path) || path[j+n] != ']' {
					return nil, false
				}
				segs = append(segs, segment{key: key})
				i = j + n + 1
				continue
			}
			end := strings.IndexByte(path[j:], ']')
			if end < 0 {
				return nil, false
			}
			idx, err := strconv.Atoi(path[j : j+end])
			if err != nil || idx < 0 {
				return nil, false
			}
			segs = append(segs, segment{index: idx, isIndex: true})
			i = j + end + 1
		default:
			if i > 0 && path[i-1] != '.' {
				return nil, false
			}
			end := i
			for end < len(path) && path[end] != '.' && path[end] != '[' {
				end++
			}
			segs = append(segs, segment{key: path[i:end]})
			i = end
		}
	}
	return segs, true
}

// quoted reads a quoted key at the start of s ("..." with Go escapes, or
// '...' verbatim) and returns it and the number of bytes it took.
func quoted(s string) (string, int, bool) {
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if q == '"' {
				i++
			}
		case q:
			if q == '\'' {
				return s[1:i], i + 1, true
			}
			key, err := strconv.Unquote(s[:i+1])
			return key, i + 1, err == nil
		}
	}
	return "", 0, false
}

// lookupKey finds key in a mapping: the key node and the value node. As in
// decoding, the last of duplicate keys wins and explicit keys win over
// merged ones.
func lookupKey(m *yaml.Node, key string, depth int) (*yaml.Node, *yaml.Node, bool) {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil, false
	}
	for i := len(m.Content) - 2; i >= 0; i -= 2 {
		k := m.Content[i]
		if isMerge(k) {
			continue
		}
		if dk := deref(k); dk != nil && dk.Kind == yaml.ScalarNode && dk.Value == key {
			return k, m.Content[i+1], true
		}
	}
	if depth >= maxMergeDepth {
		return nil, nil, false
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !isMerge(m.Content[i]) {
			continue
		}
		src := deref(m.Content[i+1])
		sources := []*yaml.Node{src}
		if src != nil && src.Kind == yaml.SequenceNode {
			sources = src.Content
		}
		for _, s := range sources {
			if k, v, ok := lookupKey(s, key, depth+1); ok {
				return k, v, true
			}
		}
	}
	return nil, nil, false
}

// lookupIndex returns element i of a sequence.
func lookupIndex(s *yaml.Node, i int) (*yaml.Node, bool) {
	s = deref(s)
	if s == nil || s.Kind != yaml.SequenceNode || i >= len(s.Content) {
		return nil, false
	}
	return s.Content[i], true
}
