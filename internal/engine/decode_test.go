package engine

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/library"
)

// withName is what named does, on decoded content: the reference the
// decoder is checked against, with resource.Object.Decoded and
// ast.InterfaceToValue (how objects were evaluated before being decoded
// straight to values).
func withName(content map[string]any) map[string]any {
	md, _ := content["metadata"].(map[string]any)
	if _, ok := md["name"].(string); ok {
		return content
	}
	named := maps.Clone(md)
	if named == nil {
		named = map[string]any{}
	}
	gen, _ := md["generateName"].(string)
	named["name"] = gen
	out := maps.Clone(content)
	out["metadata"] = named
	return out
}

// compacted is an object whose content is the JSON document.
func compacted(t testing.TB, doc []byte) *resource.Object {
	t.Helper()
	o := &resource.Object{}
	o.SetCompact(doc, resource.Meta{})
	return o
}

// reference is the input the engine evaluated a compacted object as before
// this decoder: Decoded, withName and ast.InterfaceToValue. ok is false
// when Decoded refuses the document, or finds null.
func reference(o *resource.Object) (v ast.Value, ok bool) {
	m, err := o.Decoded()
	if err != nil || m == nil {
		return nil, false
	}
	v, err = ast.InterfaceToValue(withName(m))
	return v, err == nil
}

// checkDecode checks that the decoder and the reference agree on a
// document: both refuse it, or both make the same value, down to the text
// of its numbers.
func checkDecode(t *testing.T, doc []byte) {
	t.Helper()
	o := compacted(t, doc)
	got, err := ObjectValue(o)
	if !json.Valid(doc) {
		// Decoded reads the first value of a stream and ignores what
		// follows; the decoder reads a whole document, as Compact makes.
		if err == nil {
			t.Fatalf("%q: decoded invalid JSON as %v", doc, got)
		}
		checkProjectedDecode(t, doc, nil)
		return
	}
	want, ok := reference(o)
	switch {
	case !ok && err == nil:
		t.Fatalf("%q: decoded as %v, want an error", doc, got)
	case !ok:
		return
	case err != nil:
		t.Fatalf("%q: %v, want %v", doc, err, want)
	}
	in := named(got)
	if ast.Compare(in, want) != 0 || in.String() != want.String() {
		t.Fatalf("%q:\n got %v\nwant %v", doc, in, want)
	}
	checkProjectedDecode(t, doc, got)
}

// checkProjectedDecode checks that decoding only the fields a workload's
// projection reads gives the projection of the whole value, for the pod
// metadata paths of every workload kind; and that a document refused whole
// is refused in part (checkDecode covers refusals through ObjectValue).
func checkProjectedDecode(t *testing.T, doc []byte, whole ast.Object) {
	t.Helper()
	for _, kind := range []string{"Pod", "Deployment", "CronJob"} {
		path, _ := resource.PodTemplatePath(kind, "metadata")
		part, err := decodeFields(doc, workloadFields(path))
		if whole == nil {
			if err == nil {
				t.Fatalf("%q: decoded in part as %v, refused whole", doc, part)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v decoding in part", doc, err)
		}
		got, want := projectWorkload(part, path), projectWorkload(whole, path)
		if ast.Compare(got, want) != 0 || got.String() != want.String() {
			t.Fatalf("%q as %s: projected from the part\n got %v\nwant %v", doc, kind, got, want)
		}
	}
}

func TestDecodeLibraryFixtures(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	fixtureCases(t, lib, func(_ *library.Control, tc library.TestCase) {
		for _, content := range tc.Objects {
			doc, err := json.Marshal(content)
			if err != nil {
				t.Fatal(err)
			}
			checkDecode(t, doc)
			n++
		}
	})
	if n < 100 {
		t.Fatalf("checked only %d fixture objects", n)
	}
}

// trickyDocs are documents the decoder must read as encoding/json does.
var trickyDocs = []string{
	`{}`,
	` {"kind": "Pod", "metadata": {"name": "p"}} `,
	"\t\r\n{\"a\"\n:\r[ ]\t, \"b\" : { } }\n",
	// metadata.name missing, not a string, metadata not an object.
	`{"metadata": {"generateName": "web-"}}`,
	`{"metadata": {"name": 3, "generateName": "web-"}}`,
	`{"metadata": {"name": null, "generateName": 7}}`,
	`{"metadata": ["name"]}`,
	`{"metadata": "x"}`,
	`{"metadata": null, "spec": {}}`,
	`{"metadata": {}}`,
	// Duplicate keys: the last wins, also in large objects.
	`{"a": 1, "b": 2, "a": 3}`,
	`{"metadata": {"name": "x", "name": 4}}`,
	`{"metadata": {"name": 4, "name": "x"}}`,
	`{"a": {"x": 1}, "a": [2]}`,
	`{` + strings.Repeat(`"k": 1, "j": 2, `, 30) + `"k": "last", "a0": 0, "a1": 1, "a2": 2, "a3": 3, "a4": 4, "a5": 5, "a6": 6, "a7": 7, "a8": 8, "a9": 9, "b0": 0, "b1": 1, "b2": 2, "b3": 3, "b4": 4, "b5": 5, "b6": 6, "b7": 7, "b8": 8, "b9": 9, "a0": "again"}`,
	// Numbers, as Decoded normalizes them.
	`{"n": [0, -0, 1, -1, 255, 256, 512, 1000000, 9223372036854775807, -9223372036854775808]}`,
	`{"n": [9223372036854775808, -9223372036854775809, 123456789012345678901234567890]}`,
	`{"n": [1.0, -0.0, 0.5, 1e2, 1E2, 1e+2, 1e-2, 2.50, 1.5e300, 1e400, -1e400, 4.9e-324, 1e-400]}`,
	`{"n": [0.1, 0.30000000000000004, 3.141592653589793238, 100000000000000000000000, 1e21, 1e20, 12e-1]}`,
	// Strings: escapes, unicode, surrogates, invalid UTF-8.
	`{"s": ["", "plain", "a\"b\\c\/d", "\b\f\n\r\t", "\u0041\u00e9\u4e2d", "\u0000"]}`,
	"{\"s\": [\"h\u00e9ll\u00f6 \u4e16\u754c\", \"\U0001F433\", \"\\ud83d\\udc33\", \"\\ud83d\", \"\\udc33\", \"\\ud83dx\", \"\\ud83d\\u0041\", \"\\ud83d\\ud83d\\udc33\"]}",
	"{\"s\": [\"bad \xff byte\", \"\xc3\", \"\xed\xa0\x80\", \"ok \xe2\x82\xac\", \"\xef\xbf\xbd\", \"\\n\xff\"]}",
	"{\"k\xff\": 1, \"\\u00e9\": 2, \"\u00e9\": 3}",
	`{"s": "\uD83D\uDC33\uFFFF\uffFe"}`,
	// Literals and nesting.
	`{"t": true, "f": false, "z": null, "e": [], "o": {}, "a": [[], [{}], [[[]]]]}`,
	`{"a": [1, "x", true, null, {"b": [false]}]}`,
	// Not JSON, or not an object: refused by both.
	``, ` `, `[]`, `null`, `"x"`, `1`, `{`, `}`, `{"a"}`, `{"a":}`, `{"a" 1}`, `{,}`, `{"a":1,}`, `{"a":1 "b":2}`,
	`{"a":[1,]}`, `{"a":[,1]}`, `{"a":[1 2]}`, `{"a":01}`, `{"a":-}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":1e+}`,
	`{"a":+1}`, `{"a":-a}`, `{"a":tru}`, `{"a":nul}`, `{"a":falsey}`, `{"a":"x}`, `{"a":"\x"}`, `{"a":"\u12"}`,
	`{"a":"\u12g4"}`, "{\"a\":\"\x01\"}", "{\"a\":\"\t\"}", `{"a":"\`, `{"a":"\u`, `{a:1}`, `{'a':1}`, `{"a":1}}`,
	`{"a":1} {"b":2}`, `{"a":1} x`, `{"a":NaN}`, `{"a":Infinity}`, "\ufeff{}",
}

func TestDecodeTricky(t *testing.T) {
	for _, doc := range trickyDocs {
		checkDecode(t, []byte(doc))
	}
}

func TestDecodeDepth(t *testing.T) {
	nested := func(depth int) []byte {
		return []byte(`{"a":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`)
	}
	for _, depth := range []int{maxDepth - 1, maxDepth, maxDepth + 1} {
		checkDecode(t, nested(depth))
	}
	if _, err := decodeObject(nested(maxDepth + 1)); err == nil {
		t.Errorf("depth %d: decoded, want an error as encoding/json gives", maxDepth+1)
	}
}

// TestNamed checks that naming an object leaves it as it is.
func TestNamed(t *testing.T) {
	content, err := decodeObject([]byte(`{"kind": "Pod", "metadata": {"generateName": "web-", "labels": {"a": "b"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	before := content.String()
	got := named(content)
	if content.String() != before {
		t.Errorf("named changed its argument: %v", content)
	}
	if want := `{"kind": "Pod", "metadata": {"generateName": "web-", "labels": {"a": "b"}, "name": "web-"}}`; got.String() != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(benchDeployment))
	f.Add([]byte(hardenedDeployment))
	for _, doc := range trickyDocs {
		f.Add([]byte(doc))
	}
	f.Fuzz(checkDecode)
}

// BenchmarkDecode compares decoding a compacted object to its input value
// with the decoder and as Decoded and InterfaceToValue did.
func BenchmarkDecode(b *testing.B) {
	var content map[string]any
	if err := json.Unmarshal([]byte(benchDeployment), &content); err != nil {
		b.Fatal(err)
	}
	o := &resource.Object{Content: content}
	if err := o.Compact(); err != nil {
		b.Fatal(err)
	}
	b.Run("value", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, err := ObjectValue(o)
			if err != nil {
				b.Fatal(err)
			}
			named(v)
		}
	})
	b.Run("maps", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := reference(o); !ok {
				b.Fatal("not decoded")
			}
		}
	})
}

// BenchmarkEvaluateCompacted is BenchmarkEvaluate's library cases on
// compacted objects, as a file scan evaluates them.
func BenchmarkEvaluateCompacted(b *testing.B) {
	lib, err := library.Load()
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(lib, lib.Controls(), nil)
	if err != nil {
		b.Fatal(err)
	}
	for name, doc := range map[string]string{"library": benchDeployment, "library-hardened": hardenedDeployment} {
		b.Run(name, func(b *testing.B) {
			o := obj(doc)
			if err := o.Compact(); err != nil {
				b.Fatal(err)
			}
			benchEvaluate(b, e.NewSession(nil), o)
		})
	}
}
