package source

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"kubescape.io/kubescape/internal/resource"
)

// FuzzParse feeds arbitrary bytes to the document parser and the locator:
// nothing may panic, every object must be JSON-compatible and locate its kind.
func FuzzParse(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"), "metadata.name")
	f.Add([]byte("---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod}\n"), "items[0]")
	f.Add([]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"a\/b":"c"}}}`), `metadata.annotations["a/b"]`)
	f.Add([]byte("a: &a [*a]\n"), "a[0]")
	f.Add([]byte("kind: K\napiVersion: v\nx: &x {<<: *x}\n"), "x.y")
	f.Add([]byte("kind: K\napiVersion: v\n? [complex]\n: key\n"), "[0]")
	f.Add([]byte("%YAML 1.2\n---\nkind: K\napiVersion: v\n...\n"), "kind")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		out := parseInput(input{kind: resource.OriginStdin, path: "-", data: data})
		for _, o := range out.objects {
			if _, err := json.Marshal(o.Content); err != nil {
				t.Fatalf("content not JSON-compatible: %v", err)
			}
			if _, ok := o.Locate("kind"); !ok {
				t.Fatalf("kind of %v not located", o.Origin)
			}
			o.Locate(path)
		}
		for _, p := range out.problems {
			if p.Line < 0 || !utf8.ValidString(p.Source) {
				t.Fatalf("bad problem %+v", p)
			}
		}
	})
}
