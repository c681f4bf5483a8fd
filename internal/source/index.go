package source

import (
	"slices"

	"gopkg.in/yaml.v3"

	"kubescape.io/kubescape/internal/resource"
)

// posIndex holds the position of every field of one object, keyed by a hash
// of its path, so that a finding is located without parsing the document
// again. Eight bytes a field: a few hundred bytes an object.
type posIndex []posEntry

type posEntry struct {
	hash uint32
	// pos packs the line (high 20 bits) and the column (low 12 bits).
	pos uint32
}

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
	maxLine   = 1<<20 - 1
	maxColumn = 1<<12 - 1
)

// hashKey extends the hash of a path by a key segment. Key and index
// segments are told apart by the byte that opens them (0 and 1).
func hashKey(h uint32, key string) uint32 {
	h *= fnvPrime
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * fnvPrime
	}
	return (h ^ 0xff) * fnvPrime
}

// hashIndex extends the hash of a path by an index segment.
func hashIndex(h uint32, i int) uint32 {
	h = (h ^ 1) * fnvPrime
	for range 4 {
		h = (h ^ uint32(i&0xff)) * fnvPrime
		i >>= 8
	}
	return (h ^ 0xfe) * fnvPrime
}

// buildIndex indexes the fields of the object at node n, whose lines are
// shifted by offset in the source. It gives up (false) on what the plain walk
// cannot mirror exactly, aliases and merge keys, and on positions too large
// to pack; those objects are located by parsing their document again.
func buildIndex(n *yaml.Node, offset int) (posIndex, bool) {
	idx := make(posIndex, 0, 64)
	add := func(h uint32, at *yaml.Node) bool {
		line, col := at.Line+offset, at.Column
		if line < 1 || line > maxLine || col < 0 || col > maxColumn {
			return false
		}
		idx = append(idx, posEntry{hash: h, pos: uint32(line)<<12 | uint32(col)})
		return true
	}
	var walk func(n *yaml.Node, h uint32) bool
	walk = func(n *yaml.Node, h uint32) bool {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode || isMerge(k) {
					return false
				}
				hk := hashKey(h, k.Value)
				if !add(hk, k) || !walk(n.Content[i+1], hk) {
					return false
				}
			}
		case yaml.SequenceNode:
			for i, e := range n.Content {
				hi := hashIndex(h, i)
				if !add(hi, e) || !walk(e, hi) {
					return false
				}
			}
		case yaml.AliasNode:
			return false
		}
		return true
	}
	if n.Kind != yaml.MappingNode || !add(fnvOffset, n) || !walk(n, fnvOffset) {
		return nil, false
	}
	// A duplicate key resolves to its last occurrence, as when decoding: keep
	// the last entry of each hash.
	slices.SortStableFunc(idx, func(a, b posEntry) int {
		switch {
		case a.hash < b.hash:
			return -1
		case a.hash > b.hash:
			return 1
		}
		return 0
	})
	out := idx[:0]
	for i, e := range idx {
		if i+1 < len(idx) && idx[i+1].hash == e.hash {
			continue
		}
		out = append(out, e)
	}
	return slices.Clip(out), true
}

// locate finds the position of a parsed path in the index.
func (x posIndex) locate(segs []segment) (resource.Position, bool) {
	h := uint32(fnvOffset)
	for _, s := range segs {
		if s.isIndex {
			h = hashIndex(h, s.index)
		} else {
			h = hashKey(h, s.key)
		}
	}
	i, found := slices.BinarySearchFunc(x, h, func(e posEntry, h uint32) int {
		switch {
		case e.hash < h:
			return -1
		case e.hash > h:
			return 1
		}
		return 0
	})
	if !found {
		return resource.Position{}, false
	}
	return resource.Position{Line: int(x[i].pos >> 12), Column: int(x[i].pos & maxColumn)}, true
}
