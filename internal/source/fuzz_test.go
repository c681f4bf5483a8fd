package source

import (
	"encoding/json"
	"strconv"
	"testing"
	"unicode/utf8"

	"kubescape.io/kubescape/internal/resource"
)

// FuzzParse feeds arbitrary bytes to the document parser and the locator:
// nothing may panic, every object must be JSON-compatible and locate its
// kind, the position index must agree with a parse of the document on
// every field, and objects compacted as they are read must be those that
// decoding and compacting make.
func FuzzParse(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"), "metadata.name")
	f.Add([]byte("---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod}\n"), "items[0]")
	f.Add([]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"a\/b":"c"}}}`), `metadata.annotations["a/b"]`)
	f.Add([]byte("a: &a [*a]\n"), "a[0]")
	f.Add([]byte("kind: K\napiVersion: v\nx: &x {<<: *x}\n"), "x.y")
	f.Add([]byte("kind: K\napiVersion: v\n? [complex]\n: key\n"), "[0]")
	f.Add([]byte("%YAML 1.2\n---\nkind: K\napiVersion: v\n...\n"), "kind")
	f.Add([]byte("kind: List\napiVersion: v1\nitems:\n- {kind: K, apiVersion: v, metadata: {labels: {a: 1, a: b}, ownerReferences: [{controller: TRUE}]}}\n- x\n"), "items[0]")
	f.Add([]byte("kind: K\napiVersion: v\nx: [1e400, 0x10, -0.0, 1e-7, !!binary aGk=, .inf, \"<\\u2028>\", ~, !!int 0b1]\n"), "x[1]")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		out := parseInput(input{kind: resource.OriginStdin, path: "-", data: data})
		for _, o := range out.objects {
			if _, err := json.Marshal(o.Content); err != nil {
				t.Fatalf("content not JSON-compatible: %v", err)
			}
			if _, ok := o.Locate("kind"); !ok {
				t.Fatalf("kind of %v not located", o.Origin)
			}
			paths := append(fieldPaths("", o.Content, 200), path)
			fromIndex := make([]resource.Position, len(paths))
			for i, p := range paths {
				fromIndex[i], _ = o.Locate(p)
			}
			o.Locator.(*locator).Release()
			for i, p := range paths {
				if got, _ := o.Locate(p); got != fromIndex[i] {
					t.Fatalf("Locate(%q): index %v, parse %v", p, fromIndex[i], got)
				}
			}
		}
		for _, p := range out.problems {
			if p.Line < 0 || !utf8.ValidString(p.Source) {
				t.Fatalf("bad problem %+v", p)
			}
		}
		checkCompact(t, data)
	})
}

// fieldPaths lists up to limit paths of the fields of v, in the locator's syntax.
func fieldPaths(prefix string, v any, limit int) []string {
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if len(out) >= limit {
					return
				}
				p := prefix + "[" + strconv.Quote(k) + "]"
				out = append(out, p)
				walk(p, c)
			}
		case []any:
			for i, c := range x {
				if len(out) >= limit {
					return
				}
				p := prefix + "[" + strconv.Itoa(i) + "]"
				out = append(out, p)
				walk(p, c)
			}
		}
	}
	walk(prefix, v)
	return out
}
