package source

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"kubescape.io/kubescape/internal/resource"
)

// TestCompactAsDecoded checks that objects compacted straight from their
// YAML tree are those that decoding and compacting make, byte for byte.
func TestCompactAsDecoded(t *testing.T) {
	const head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n"
	for _, tc := range []struct {
		name, doc string
		// plain says whether the compactor handles the document itself.
		plain bool
	}{
		{"strings", head + "data:\n  a: plain\n  b: \"quoted \\\" \\\\ \\t \\n \\r \\b \\f \\x01 \\x7f\"\n  c: '<html> & </html>'\n  d: \"\\u2028\\u2029 é 日本 \\U0001F600\"\n  e: ''\n  f: |\n    multi\n    line\n", true},
		{"numbers", head + "data:\n  int: 42\n  neg: -7\n  hex: 0x1F\n  oct: 0o17\n  under: 1_000\n  big: 18446744073709551615\n  huge: 123456789012345678901234567890\n  float: 1.5\n  exp: 1e21\n  small: 1e-7\n  tiny: 1.5e-300\n  zero: 0.0\n  negzero: -0.0\n  intfloat: 3.0\n", true},
		{"special floats", head + "data: {a: .inf, b: -.Inf, c: .nan, d: !!float inf, e: !!float 1e400, f: !!int 1e400, g: !!int abc}\n", true},
		{"bools and nulls", head + "data: {a: true, b: False, c: TRUE, d: yes, e: no, f: on, g: null, h: ~, i: , j: !!bool yes, k: !!null x}\n", true},
		{"tags", head + "data: {a: !!str 12, b: !!binary aGVsbG8=, c: !!timestamp 2001-12-14t21:59:43.10-05:00, d: 2001-12-14, e: !custom x, f: !!int \"12\", g: !!float \"1.5\", h: \"12\"}\n", true},
		{"keys", head + "data:\n  1: one\n  true: t\n  null: n\n  ~: tilde\n  1.5: f\n  \"<k>\": html\n  '': empty\n  ? explicit\n  : e\n", true},
		{"duplicate keys", head + "data: {a: 1, b: 2, a: 3}\nkind: Secret\nmetadata: {name: second, labels: {x: y, x: [1], z: w, z: v}}\n", true},
		{"sorting", head + "data: {b: 1, a: 2, B: 3, ab: 4, aa: 5, é: 6, Z: 7}\n", true},
		{"collections", head + "data:\n  empty: {}\n  list: []\n  nested: [[1, [2, {}]], {x: [null]}]\n  flow: {a: [1, 2], b: {c: d}}\n", true},
		{"anchors without aliases", head + "data: &d {a: &x 1}\n", true},
		{"identity", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n  uid: 1234\n  labels: {app: web, n: 3, t: true, l: [x]}\n  annotations: {a: \"b\", e: \"\"}\n  ownerReferences:\n  - {kind: ReplicaSet, name: rs, uid: u1, controller: true}\n  - {kind: Job, name: j, uid: 7, controller: \"true\"}\n  - scalar\n  - {kind: X, controller: True}\n", true},
		{"odd identity", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: 12\n  namespace: [x]\n  labels: {}\n  annotations: [a]\n  ownerReferences: {kind: x}\n  uid: \"u\"\n", true},
		{"scalar metadata", "apiVersion: v1\nkind: Pod\nmetadata: x\n", true},
		{"empty labels values", "apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {a: 1}\n", true},
		{"list", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- scalar\n- [x]\n- {kind: Pod}\n- apiVersion: v1\n  kind: PodList\n  items:\n  - {apiVersion: v1, kind: Pod, metadata: {name: nested}}\n", true},
		{"list without items", "apiVersion: v1\nkind: List\nitems: {a: b}\n", true},
		{"not objects", "- a\n---\nscalar\n---\n{kind: Pod}\n---\n{apiVersion: v1}\n---\n{apiVersion: v1, kind: \"\"}\n---\n{apiVersion: 1, kind: Pod}\n---\n{apiVersion: !!str 1, kind: Pod}\n", true},
		{"json", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"a\/b": "c\u00e9"}}, "spec": {"n": 1.0, "x": [true, null]}}`, true},
		{"merge key", head + "base: &b {x: 1, y: 2}\ndata:\n  <<: *b\n  y: 3\n", false},
		{"alias", head + "a: &a {x: 1}\nb: *a\n", false},
		{"alias key", head + "k: &k key\ndata: {*k : v}\n", false},
		{"collection key", head + "---\n" + head + "data:\n  ? [a, b]\n  : c\n", true},
		{"quoted merge key", head + "data: {\"<<\": {a: 1}}\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n := checkCompact(t, []byte(tc.doc)); n == 0 {
				t.Fatal("no object read")
			} else if plain := compactedObjects(t, []byte(tc.doc)); plain != tc.plain {
				t.Errorf("compacted while read: %v, want %v", plain, tc.plain)
			}
		})
	}
}

// compactedObjects reports whether reading data with a compactor compacts its objects.
func compactedObjects(t *testing.T, data []byte) bool {
	t.Helper()
	out := parseInput(input{kind: resource.OriginStdin, path: "-", data: data, worker: worker{compact: &compactor{}}})
	return len(out.objects) > 0 && out.objects[0].Content == nil
}

// checkCompact reads data with and without a compactor, and checks that both
// give the same objects (those read with one compacted as Compact would) and
// the same problems. It returns how many objects there are.
func checkCompact(t *testing.T, data []byte) int {
	t.Helper()
	want := parseInput(input{kind: resource.OriginStdin, path: "-", data: data})
	got := parseInput(input{kind: resource.OriginStdin, path: "-", data: data, worker: worker{strings: newInterner(), compact: &compactor{}}})
	if !reflect.DeepEqual(got.problems, want.problems) {
		t.Fatalf("problems\n got %+v\nwant %+v", got.problems, want.problems)
	}
	if len(got.objects) != len(want.objects) {
		t.Fatalf("%d objects, want %d", len(got.objects), len(want.objects))
	}
	for i := range want.objects {
		g, w := &got.objects[i], &want.objects[i]
		if g.Origin != w.Origin {
			t.Errorf("object %d: origin %+v, want %+v", i, g.Origin, w.Origin)
		}
		if g.Ref() != w.Ref() || !reflect.DeepEqual(g.Labels(), w.Labels()) || !reflect.DeepEqual(g.Annotations(), w.Annotations()) ||
			g.UID() != w.UID() || !reflect.DeepEqual(g.OwnerReferences(), w.OwnerReferences()) {
			t.Errorf("object %d: identity %v %#v %#v %q %#v\nwant %v %#v %#v %q %#v", i,
				g.Ref(), g.Labels(), g.Annotations(), g.UID(), g.OwnerReferences(),
				w.Ref(), w.Labels(), w.Annotations(), w.UID(), w.OwnerReferences())
		}
		paths := append(fieldPaths("", w.Content, 200), "metadata.name")
		if g.Content != nil {
			if !reflect.DeepEqual(g.Content, w.Content) {
				t.Errorf("object %d: content %#v\nwant %#v", i, g.Content, w.Content)
			}
		} else if err := w.Compact(); err != nil {
			t.Fatal(err)
		} else if !bytes.Equal(g.Raw(), w.Raw()) {
			t.Errorf("object %d: JSON\n got %s\nwant %s", i, g.Raw(), w.Raw())
		}
		for _, p := range paths {
			gp, gok := g.Locate(p)
			wp, wok := w.Locate(p)
			if gp != wp || gok != wok {
				t.Errorf("object %d: Locate(%q) = %v, %v; want %v, %v", i, p, gp, gok, wp, wok)
			}
		}
	}
	return len(want.objects)
}

// TestAppendString checks the quoting of strings against encoding/json.
func TestAppendString(t *testing.T) {
	cases := []string{"", "plain", `"\`, "<>&", "\u2028\u2029", "\xff\xfe", "a\xc3", "é日本😀", "\x7f"}
	for c := range 0x80 {
		cases = append(cases, "x"+string(rune(c))+"y")
	}
	for _, s := range cases {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

// TestAppendFloat checks the formatting of floats against encoding/json.
func TestAppendFloat(t *testing.T) {
	cases := []float64{0, math.Copysign(0, -1), 1, -1.5, 1e20, 1e21, 123456789e13, 1e-6, 9.99e-7, 1e-7, 1.5e-300, math.MaxFloat64, math.SmallestNonzeroFloat64, 1.8446744073709552e19, 0.1, 1e100}
	for e := -30; e <= 30; e++ {
		cases = append(cases, math.Pow(10, float64(e)), -3.7*math.Pow(10, float64(e)))
	}
	for _, f := range cases {
		want, _ := json.Marshal(f)
		if got := appendFloat(nil, f); !bytes.Equal(got, want) {
			t.Errorf("appendFloat(%s) = %s, want %s", strconv.FormatFloat(f, 'g', -1, 64), got, want)
		}
	}
}

// TestCompactCorpus checks the compactor over the documents of the benchmark.
func TestCompactCorpus(t *testing.T) {
	var b strings.Builder
	for i := range 20 {
		b.WriteString("---\n")
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(deploymentTemplate, "%[1]d", strconv.Itoa(i)), "%[2]d", strconv.Itoa(i%3)))
	}
	if n := checkCompact(t, []byte(b.String())); n != 20 {
		t.Fatalf("%d objects", n)
	}
}
