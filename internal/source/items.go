package source

import (
	"hash/crc32"

	"gopkg.in/yaml.v3"

	"kubescape.io/kubescape/internal/resource"
)

// cutItems gives each item of a List document its own region of the source,
// so that locating a field of one item parses that item only, not the whole
// list (a kubectl get -o yaml of a cluster is one document). Items that
// cannot be cut safely keep locating through the whole document; a region
// that fails to parse falls back to it too.
func cutItems(raw []byte, doc *docSource, root *yaml.Node, objs []resource.Object) {
	_, seq, ok := lookupKey(root, "items", 0)
	if !ok || seq.Kind != yaml.SequenceNode || len(seq.Content) != len(objs) {
		return
	}
	lines := lineStarts(raw)
	for i, it := range seq.Content {
		l, ok := objs[i].Locator.(*locator)
		if !ok || len(l.items) != 1 || it.Kind == yaml.AliasNode || it.Line < 1 || it.Line > len(lines) {
			continue
		}
		ls := lines[it.Line-1]
		start := ls + it.Column - 1
		if start >= len(raw) || !blankPrefix(raw[ls:start]) {
			continue
		}
		end := -1
		switch {
		case it.Style&yaml.FlowStyle != 0 || seq.Style&yaml.FlowStyle != 0:
			end = closeOf(raw, start)
		case i+1 < len(seq.Content):
			if next := seq.Content[i+1]; next.Line > it.Line && next.Line <= len(lines) {
				end = lines[next.Line-1]
			}
		default:
			end = blockEnd(root, seq, it.Line, lines, len(raw))
		}
		if end <= start {
			continue
		}
		frag := &docSource{
			file: doc.file, off: doc.off + int64(ls), n: end - ls,
			lineOffset: doc.lineOffset + it.Line - 1, json: doc.json, mask: start - ls,
		}
		if doc.data != nil {
			frag.data = doc.data[ls:end]
		} else {
			frag.sum = crc32.Checksum(raw[ls:end], crcTable)
		}
		l.frag = frag
	}
}

// lineStarts returns the byte offset of the start of each line.
func lineStarts(b []byte) []int {
	starts := []int{0}
	for i, c := range b {
		if c == '\n' && i+1 < len(b) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// blankPrefix reports whether what precedes an item on its line is only
// spaces and sequence indicators, which can be blanked out.
func blankPrefix(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '-' && c != '\t' {
			return false
		}
	}
	return true
}

// blockEnd is where the last item of a block sequence ends: at the line of
// the key after "items" in the root mapping, or at the end of the document.
func blockEnd(root, seq *yaml.Node, itemLine int, lines []int, size int) int {
	for i := 1; i < len(root.Content); i += 2 {
		if root.Content[i] != seq {
			continue
		}
		if i+1 == len(root.Content) {
			return size
		}
		if next := root.Content[i+1]; next.Line > itemLine && next.Line <= len(lines) {
			return lines[next.Line-1]
		}
		return -1
	}
	return -1
}

// closeOf returns the offset just after the flow collection that opens at
// start, skipping quoted strings; -1 when it does not close.
func closeOf(b []byte, start int) int {
	if start >= len(b) || (b[start] != '{' && b[start] != '[') {
		return -1
	}
	depth := 0
	for i := start; i < len(b); i++ {
		switch b[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '\'':
			for i++; i < len(b); i++ {
				if b[i] == '\'' {
					if i+1 < len(b) && b[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		}
	}
	return -1
}
