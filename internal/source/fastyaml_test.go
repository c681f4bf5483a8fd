package source

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"gopkg.in/yaml.v3"
)

// referenceTree parses a document with yaml.v3 as parseTree did before the
// fast path: the root node, nil for a document without content. A panic of
// yaml.v3 counts as an error.
func referenceTree(raw []byte) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("yaml.v3 panicked: %v", r)
		}
	}()
	return yamlTree(raw)
}

// diffTrees describes the first difference between two trees, in every
// field but the comments, or returns "". It also wants the fast tree's
// Content slices to have no spare capacity, so that an append to one
// cannot write over its neighbour in the shared array.
func diffTrees(path string, got, want *yaml.Node) string {
	if got == nil || want == nil {
		if got != want {
			return fmt.Sprintf("%s: got %s, want %s", path, describeNode(got), describeNode(want))
		}
		return ""
	}
	if got.Kind != want.Kind || got.Style != want.Style || got.Tag != want.Tag || got.Value != want.Value ||
		got.Anchor != want.Anchor || got.Line != want.Line || got.Column != want.Column ||
		(got.Alias == nil) != (want.Alias == nil) || len(got.Content) != len(want.Content) ||
		(got.Content == nil) != (want.Content == nil) {
		return fmt.Sprintf("%s: got %s, want %s", path, describeNode(got), describeNode(want))
	}
	if cap(got.Content) != len(got.Content) {
		return fmt.Sprintf("%s: Content has capacity %d for %d nodes", path, cap(got.Content), len(got.Content))
	}
	for i := range got.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		if want.Kind == yaml.MappingNode && i%2 == 1 {
			p = fmt.Sprintf("%s[%q]", path, want.Content[i-1].Value)
		}
		if d := diffTrees(p, got.Content[i], want.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

// describeNode prints the fields of a node that diffTrees compares.
func describeNode(n *yaml.Node) string {
	if n == nil {
		return "nil"
	}
	return fmt.Sprintf("{Kind:%d Style:%d Tag:%q Value:%q Anchor:%q Line:%d Column:%d Alias:%t Content:%d}",
		n.Kind, n.Style, n.Tag, n.Value, n.Anchor, n.Line, n.Column, n.Alias != nil, len(n.Content))
}

// checkFast parses raw with fastParse and, when it takes the fast path,
// checks its tree against yaml.v3's. It reports whether it took it.
func checkFast(t testing.TB, name string, raw []byte) bool {
	t.Helper()
	got, ok := fastParse(raw)
	if !ok {
		if got != nil {
			t.Errorf("%s: fastParse refused but returned a tree", name)
		}
		return false
	}
	want, err := referenceTree(raw)
	if err != nil {
		t.Errorf("%s: fastParse accepted what yaml.v3 refuses (%v):\n%q", name, err, raw)
		return true
	}
	if d := diffTrees("$", got, want); d != "" {
		t.Errorf("%s: %s\ninput: %q", name, d, raw)
	}
	return true
}

// yamlDocuments returns the YAML documents (not JSON ones) of the files
// with a YAML extension under the roots, cut as the reader cuts them.
func yamlDocuments(t testing.TB, roots ...string) map[string][]byte {
	t.Helper()
	docs := map[string][]byte{}
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, c := range splitDocuments(data) {
				raw := data[c.start:c.end]
				if !looksLikeJSON(raw) {
					docs[fmt.Sprintf("%s#%d", path, c.index)] = raw
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return docs
}

// benchCorpus writes a corpus of 1,000 objects with hack/bench, as the
// scan benchmarks see them, and returns its directory. hack/bench fails
// after writing it, having no plugin to run; an error says that it could
// not run here at all.
func benchCorpus(tb testing.TB) (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	dir := tb.TempDir()
	out, _ := exec.Command(gobin, "run", "../../hack/bench", "-dir", dir, "-sizes", "1000", "-runs", "1", "-bin", os.DevNull).CombinedOutput()
	corpus := filepath.Join(dir, "corpus-1000")
	if _, err := os.Stat(filepath.Join(corpus, "ns-0000.yaml")); err != nil {
		return "", fmt.Errorf("hack/bench wrote no corpus: %w\n%s", err, out)
	}
	return corpus, nil
}

// TestFastYAMLCorpora checks fastParse against yaml.v3 on every YAML
// document of the examples, the control fixtures, the test data and a
// generated bench corpus, and how many of them take the fast path.
func TestFastYAMLCorpora(t *testing.T) {
	fixtures, err := filepath.Glob("../../library/controls/*/fixtures")
	if err != nil {
		t.Fatal(err)
	}
	corpora := []struct {
		name  string
		roots []string
		// min is the fraction of documents that must take the fast path.
		min float64
	}{
		{"examples", []string{"../../examples"}, 0.99},
		{"control fixtures", fixtures, 0.95},
		{"testdata", []string{"testdata"}, 0},
	}
	if dir, err := benchCorpus(t); err == nil {
		corpora = append(corpora, struct {
			name  string
			roots []string
			min   float64
		}{"bench corpus", []string{dir}, 1})
	} else {
		t.Logf("no bench corpus: %v", err)
	}
	for _, c := range corpora {
		docs := yamlDocuments(t, c.roots...)
		fast := 0
		var slow []string
		for name, raw := range docs {
			if checkFast(t, name, raw) {
				fast++
			} else {
				slow = append(slow, name)
			}
		}
		frac := float64(fast) / float64(max(len(docs), 1))
		t.Logf("%s: %d of %d documents (%.1f%%) took the fast path", c.name, fast, len(docs), 100*frac)
		if len(slow) > 0 && testing.Verbose() {
			t.Logf("%s: slow path for %s", c.name, strings.Join(slow[:min(len(slow), 20)], ", "))
		}
		if len(docs) == 0 || frac < c.min {
			t.Errorf("%s: %d of %d documents took the fast path, want at least %.0f%%", c.name, fast, len(docs), 100*c.min)
		}
	}
}

// fastYAMLCases are tricky inputs; fast says that fastParse must take them.
var fastYAMLCases = []struct {
	in   string
	fast bool
}{
	// Scalar styles and empty values.
	{"a: plain\nb: 'single'\nc: \"double\"\n", true},
	{"key:\n", true},
	{"key:", true},
	{"key: ''\n", true},
	{"key: \"\"\n", true},
	{"a:\nb: 1\nc:\n", true},
	{"key: \"a\\\"b\"\n", true},
	{"key: 'it''s'\n", true},
	{"key: 'back\\slash'\n", true},
	{"key: \"\\u00e9\\x41\\U0001F600\\t\\n\\0\\a\\b\\e\\f\\r\\v\\ \\/\\_\\N\\L\\P\\\\\"\n", false},
	{"key: \"\\u00e9\\x41\\U0001F600\\t\\n\\0\\a\\b\\e\\f\\r\\v\\ \\_\\N\\L\\P\\\\\"\n", true},
	{"key: \"\\ud800\"\n", false},
	{"key: \"\\q\"\n", false},
	{"key: \"\\x4\"\n", false},
	{"key: \"tab\tinside \"\n", true},
	{"key: \"a\n  b\"\n", false},
	{"key: 'a\n  b'\n", false},
	{"key: \"unterminated\n", false},
	// Numbers and the other resolved tags.
	{"a: 0x1F\nb: 1_000\nc: .5\nd: 1e3\ne: +1\nf: 0o17\ng: 017\nh: -0\ni: .inf\nj: .NaN\nk: ~\nl: Null\nm: TRUE\nn: yes\no: on\np: 2001-12-14\nq: 2001-12-14t21:59:43.10-05:00\n", true},
	{"a: 08\nb: 09.5\nc: 0b101\nd: -0b101\ne: 0B11\nf: -0o17\ng: 0x\nh: 1e400\ni: ._5\nj: 1.4.2\nk: 10.0.0.1\nl: 100m\nm: 128Mi\nn: -c\no: --config\n", true},
	{"a: 9223372036854775807\nb: 9223372036854775808\nc: 18446744073709551616\nd: -9223372036854775809\ne: 0xFFFFFFFFFFFFFFFF\nf: 0x1FFFFFFFFFFFFFFFF\n", true},
	{"a: 0b1111111111111111111111111111111111111111111111111111111111111111\nb: -0b1\nc: 0o1777777777777777777777\nd: 1_0.5\ne: _1\nf: 1__0\ng: +.inf\nh: -.Inf\ni: +.nan\nj: 1.\nk: 1.e5\nl: .e5\nm: +\n", true},
	{"a: 2001-12-14 21:59:43.10\nb: 2001-12-14T21:59:43Z\nc: 2001-1-2\nd: 2001-12-14 21:59:43.10 -5\ne: 1234-\nf: 12345-1\ng: 2001-13-45\n", true},
	// Found by FuzzFastYAML: yaml.v3 parses the digits after a 0b or 0o
	// prefix again on their own, sign included.
	{"0b+00", true},
	{"a: 0b+101\nb: 0b-1\nc: 0o+17\nd: 0o-17\ne: -0b+1\nf: 0B+1\ng: 0b+\nh: 0o-\ni: -0o-1\nj: +0b1\n", true},
	{"a: 12:30\nb: 0.\nc: 0x1p3\nd: +0x10\ne: -0x8000000000000000\nf: 0o\ng: 00\nh: 0_x1\ni: 1_000.5\nj: 0x_1F\n", true},
	{"- -\n  - a\n-\n  - b\n", true},
	{"a: True\nb: FALSE\nc: tRUE\nd: NULL\ne: nULL\nf: n\ng: y\nh: .NAN\ni: .Inf\nj: .nAn\n", true},
	{"<<: {a: 1}\nb: <<\nc: <\n", true},
	{"1: a\ntrue: b\n~: c\n1.5: d\n", true},
	// Comments and spacing.
	{"key: value # comment\n", true},
	{"key: a#b\n", true},
	{"key: a #b\n", true},
	{"key: \"a\"#b\n", false},
	{"key:    spaced\n", true},
	{"key: trailing   \n", true},
	{"key: a b  c\n", true},
	{"a : b\n", true},
	{"\"a\" : b\n", true},
	{"key: value\r\nother: x\r\n", true},
	{"key: |\r\n  a\r\n  b\r\n", true},
	{"key: value\rother: x\n", false},
	{"# only a comment\n", true},
	{"# one\n\n# two\n", true},
	{"", true},
	{"\n\n", true},
	{"---\n", true},
	{"---", true},
	{"--- # trailing comment\nkey: v\n", true},
	{"---\n# comment\n", true},
	{"---\n# comment", true},
	{"--- a\n", false},
	{"a: 1\n...\n", false},
	{"a: 1\n---\nb: 2\n", false},
	{"%YAML 1.2\n---\na: 1\n", false},
	{"\xef\xbb\xbfa: 1\n", false},
	{"plain scalar\n", true},
	{"'quoted scalar'\n", true},
	{"plain\nmore\n", false},
	{"- a\n- b\n", true},
	{"a: 1\n# comment at column 0\n  # indented comment\nb: 2\n", true},
	{"a:\n  b: 1\n# dedented comment\n  c: 2\n", true},
	{"a: b\n  # more indented comment\nc: d\n", true},
	// Sequences.
	{"- - nested\n", true},
	{"- - a\n  - b\n- c\n", true},
	{"- key: v\n  other: w\n", true},
	{"-   key: v\n    other: w\n- x\n", true},
	{"containers:\n- name: x\n  image: y\n- name: z\nnext: 1\n", true},
	{"containers:\n  - name: x\n    image: y\n", true},
	{"a:\n-\n- b\n-\nc: d\n", true},
	{"-\n-\n", true},
	{"- # comment\n  a: 1\n", true},
	{"- \n  - a\n", true},
	{"a:\n- b\n  - c\n", false},
	{"- a\n  b\n", false},
	{"- a: 1\n  - b\n", false},
	{"- a: 1\n b: 2\n", false},
	{"- a: 1\n   b: 2\n", false},
	{"a:\n  - b\n  c: d\n", false},
	{"key: - a\n", false},
	{"key: -\n", false},
	{"- key: - a\n", false},
	// Mappings.
	{"a:\n  b:\n    c: d\n  e: f\ng: h\n", true},
	{"  indented: root\n  second: key\n", true},
	{"  indented: root\nback: out\n", false},
	{"a: 1\n  b: 2\n", false},
	{"a: b: c\n", false},
	{"a: b:\n", false},
	{"a: b :c\n", true},
	{"a:b\n", true},
	{"a: 1\nkey:value\n", false},
	{"a:\n  value on its own line\n", true},
	{"a:\n  value\n  continued\n", false},
	{"a:\n  'quoted on its own line'\nb: 1\n", true},
	{"a: 1\na: 2\n", true},
	{"? complex\n: key\n", false},
	{": no key\n", false},
	{"ключ: значение\nkey: é\n\"é\": ü\n", true},
	{"k: é x: y\n", false},
	{strings.Repeat("k", 1100) + ": v\n", false},
	{"a: " + strings.Repeat("v", 1100) + "\n", true},
	// Flow collections.
	{"a: {}\nb: []\n", true},
	{"a: [x, 'y', \"z\", 1, true, ~, [n], {k: v}]\n", true},
	{"a: {cpu: 500m, memory: 256Mi}\n", true},
	{"a: {\"k\":\"v\", 'q': 1}\n", true},
	{"a: [a, b,]\n", false},
	{"a: {a:b}\n", false},
	{"a: [a?b]\n", false},
	{"a: [a: b]\n", false},
	{"a: [a # c\n  ]\n", false},
	{"a: [\n  x]\n", false},
	{"a: [x] y\n", false},
	{"a: [x]: y\n", false},
	{"a: {k: }\n", false},
	{"a: [-1, -x, - y]\n", false},
	{"a: [-1, -x]\n", true},
	{"a: [a b, c  d ]\n", true},
	{"a: [a:b, 'c']\n", true},
	{"[a, b]\n", true},
	{"{a: b}\n", true},
	// Block scalars.
	{"a: |\n  line 1\n  line 2\n", true},
	{"a: |-\n  line 1\n  line 2\n\n", true},
	{"a: |+\n  line 1\n  line 2\n\n\n", true},
	{"a: >\n  folded\n  text\n\n  new para\n    indented\n  back\n", true},
	{"a: >-\n  folded\n  text\n", true},
	{"a: >+\n  folded\n\n", true},
	{"a: |2\n    two more\n  base\n", false},
	{"a: |2\n   extra\n  base\n", true},
	{"a: |\n\n  after blank\n", true},
	{"a: |\n      \n  less\n", false},
	{"a: |\n  \ttab\n", false},
	{"a: |\n  x\n  \ttab inside\n", true},
	{"a: |\n  # not a comment\n  x\nb: 1\n", true},
	{"a: |\n  x\n# comment\nb: 1\n", true},
	{"a: |\n  x\n# comment\n  y\n", false},
	{"a: |\nb: 1\n", true},
	{"a: |\n", true},
	{"a: |", true},
	{"a: | # comment\n  x\n", true},
	{"a: |#comment\n  x\n", false},
	{"a: |0\n  x\n", false},
	{"a: |-2\n    x\n", true},
	{"a: |2-\n    x\n", true},
	{"a: | x\n", false},
	{"- |\n  in a sequence\n- >\n  folded\n  too\n", true},
	{"- a: |\n    in a mapping\n  b: 1\n", true},
	{"|\n  root\n", true},
	{"|\n  root\nmore\n", false},
	{"a:\n  |\n    on its own line\n", true},
	{"a: >\n\n  a\n\n\n  b\n \n", true},
	{"a: >\n  a\n   b\n  c\n", true},
	// Refused constructs.
	{"a: &x 1\nb: *x\n", false},
	{"a: !!str 1\n", false},
	{"a: !custom 1\n", false},
	{"a: @x\n", false},
	{"a: `x\n", false},
	{"a: %x\n", false},
	{"a:\tb\n", false},
	{"\ta: b\n", false},
	{"a: b\t# c\n", false},
	{"a: b\x00\n", false},
	{"a: b\x7f\n", false},
	{"a: \xff\n", false},
	{"a: b\u0085c\n", false},
	{"a: b\u2028c\n", false},
	{"a: b\ufeffc\n", false},
	{"# comment \xff\n", false},
	{"a: b\n--- \n", false},
	{"a: b\n...\n", false},
	{"---x: y\n", true},
	{"...x: y\n", true},
	{"a: ?x\nb: :y\nc: -z\n", true},
	{"a: ? x\n", false},
	{"a: ,x\n", false},
	{"a: ]\n", false},
	{"a: }\n", false},
	{strings.Repeat("- ", 300) + "x\n", false},
	{strings.Repeat("[", 300) + strings.Repeat("]", 300) + "\n", false},
}

// TestFastYAMLCases checks fastParse on tricky inputs: it takes the fast
// path where it must, and gives yaml.v3's tree whenever it takes it.
func TestFastYAMLCases(t *testing.T) {
	for _, c := range fastYAMLCases {
		if took := checkFast(t, fmt.Sprintf("%q", c.in), []byte(c.in)); c.fast && !took {
			_, err := referenceTree([]byte(c.in))
			t.Errorf("%q: slow path, want fast (yaml.v3: %v)", c.in, err)
		}
	}
}

// TestParseTreeFast checks that parseTree takes the fast path and falls
// back to yaml.v3 for what it refuses, errors included.
func TestParseTreeFast(t *testing.T) {
	for _, in := range []string{"a: 1\n", "a: &x 1\nb: *x\n", "a: [\n", "# c\n", "---\n"} {
		got, gotErr := parseTree([]byte(in), false)
		want, wantErr := referenceTree([]byte(in))
		if (gotErr != nil) != (wantErr != nil) {
			t.Errorf("%q: error %v, want %v", in, gotErr, wantErr)
		}
		if d := diffTrees("$", got, want); d != "" && want != nil && want.Anchor == "" {
			t.Errorf("%q: %s", in, d)
		}
	}
}

// TestFastYAMLGenerated checks fastParse against yaml.v3 on random
// documents made of what manifests are made of, with comments, blank lines,
// CRLF, odd indentation and stray characters in random places: structure
// that byte-level fuzzing seldom reaches.
func TestFastYAMLGenerated(t *testing.T) {
	n, seed := 30000, uint64(1)
	if testing.Short() {
		n = 3000
	}
	// FASTYAML_GENERATED=count,seed runs more documents, or others.
	if env := os.Getenv("FASTYAML_GENERATED"); env != "" {
		if _, err := fmt.Sscanf(env, "%d,%d", &n, &seed); err != nil {
			t.Fatalf("FASTYAML_GENERATED=%q: %v", env, err)
		}
	}
	g := yamlGen{r: rand.New(rand.NewPCG(seed, 2))}
	fast := 0
	for range n {
		doc := g.document()
		if checkFast(t, "generated", doc) {
			fast++
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("%d of %d generated documents took the fast path", fast, n)
	if fast < n/3 {
		t.Errorf("only %d of %d generated documents took the fast path", fast, n)
	}
}

// yamlGen writes random YAML documents.
type yamlGen struct {
	r    *rand.Rand
	b    []byte
	crlf bool
}

var (
	genScalars = []string{
		"a", "hello world", "x#y", "a:b", "http://x:80/p", "-x", "?x", ":x", "1", "017", "08",
		"0x1F", "1e3", ".5", "-.inf", "true", "False", "~", "null", "yes", "2001-12-14",
		"2001-12-14 21:59:43.10", "<<", "'single'", "'it''s'", `"dq"`, `"esc\n\t\"x"`,
		`"\u00e9\x41"`, "ü", "日本語", "'a # b'", `"a: b"`, "''", `""`, "3.14", "-0", "+1",
		"1_000", "v1.2.3", "100m", "128Mi", "a  b", "tab\there", "0o17", "0b101", "1.", "{{ x }}",
	}
	genKeys  = []string{"name", "a b", "key", "ключ", "1", "true", `"quoted"`, "'q'", "x-y", "a.b/c", "<<", "~", "k"}
	genFlows = []string{"[]", "{}", "[a, b]", "{a: 1, b: [x]}", `["q", 'r']`, "[a b, c]", "{k: v}", "[[], {}]", "[1, 2.5, true, ~]"}
	genJunk  = []string{"\t", "&", "*", ":", "- ", "#", "'", `"`, "? ", "!", "|", ">", "[", "{", "...", "---", " ", "\r", "\xc2\x85", "%"}
)

// pick returns one of the strings.
func (g *yamlGen) pick(list []string) string { return list[g.r.IntN(len(list))] }

// text writes s as it is.
func (g *yamlGen) text(s string) { g.b = append(g.b, s...) }

// newline ends a line after a node, with trailing spaces or a comment now
// and then.
func (g *yamlGen) newline() {
	if g.r.IntN(12) == 0 {
		g.b = append(g.b, "  "...) // trailing spaces
	}
	if g.r.IntN(8) == 0 {
		g.b = append(g.b, " # comment"...)
	}
	if g.crlf {
		g.b = append(g.b, '\r')
	}
	g.b = append(g.b, '\n')
}

// pad writes the indentation of a line, now and then one off.
func (g *yamlGen) pad(n int) {
	if g.r.IntN(40) == 0 {
		n += g.r.IntN(3) - 1 // wrong indentation, now and then
	}
	for range max(n, 0) {
		g.b = append(g.b, ' ')
	}
}

// noise writes blank lines and comment lines at any indentation.
func (g *yamlGen) noise(indent int) {
	for g.r.IntN(5) == 0 {
		switch g.r.IntN(3) {
		case 0:
		case 1:
			g.pad(g.r.IntN(indent + 4))
		default:
			g.pad(g.r.IntN(indent + 4))
			g.b = append(g.b, "# note"...)
		}
		if g.crlf {
			g.b = append(g.b, '\r')
		}
		g.b = append(g.b, '\n')
	}
}

// document returns a new random document: a mapping mostly, else a
// sequence or a scalar, now and then with a stray character.
func (g *yamlGen) document() []byte {
	g.b, g.crlf = g.b[:0], g.r.IntN(10) == 0
	if g.r.IntN(3) == 0 {
		g.text("---")
		g.newline()
	}
	g.noise(0)
	switch g.r.IntN(10) {
	case 0:
		g.sequence(g.r.IntN(2), 0, false)
	case 1:
		g.text(g.pick(genScalars))
		g.newline()
	default:
		g.mapping(g.r.IntN(2), 0, false)
	}
	g.noise(0)
	if g.r.IntN(4) == 0 {
		// A stray character somewhere.
		j := []byte(g.pick(genJunk))
		at := g.r.IntN(len(g.b) + 1)
		g.b = append(g.b[:at], append(j, g.b[at:]...)...)
	}
	return append([]byte(nil), g.b...)
}

// mapping writes a block mapping at the indentation; inline says that its
// first key follows "- " on the current line.
func (g *yamlGen) mapping(indent, depth int, inline bool) {
	for i := range 1 + g.r.IntN(4) {
		if i > 0 || !inline {
			g.pad(indent)
		}
		g.text(g.pick(genKeys))
		if g.r.IntN(20) == 0 {
			g.text("  ")
		}
		g.text(":")
		g.value(indent, depth)
		g.noise(indent)
	}
}

// value writes what follows a key's colon.
func (g *yamlGen) value(indent, depth int) {
	deeper := depth < 4
	switch k := g.r.IntN(10); {
	case k < 3 || !deeper && k < 7:
		g.text(" " + g.pick(genScalars))
		g.newline()
	case k == 3:
		g.newline() // null
	case k == 4:
		g.text(" " + g.pick(genFlows))
		g.newline()
	case k == 5:
		g.text(" ")
		g.block(indent)
	case k == 6:
		g.newline()
		g.noise(indent)
		g.mapping(indent+1+g.r.IntN(4), depth+1, false)
	case k == 7:
		g.newline()
		g.noise(indent)
		g.sequence(indent+2*g.r.IntN(2), depth+1, false)
	case k == 8:
		g.newline()
		g.pad(indent + 2)
		g.text(g.pick(genScalars))
		g.newline()
	default:
		g.newline()
		g.pad(indent + 2)
		g.text(g.pick(genFlows))
		g.newline()
	}
}

// sequence writes a block sequence at the indentation.
func (g *yamlGen) sequence(indent, depth int, inline bool) {
	for i := range 1 + g.r.IntN(4) {
		if i > 0 || !inline {
			g.pad(indent)
		}
		g.text("-")
		switch k := g.r.IntN(8); {
		case k < 2 || depth >= 4 && k < 6:
			g.text(" " + g.pick(genScalars))
			g.newline()
		case k == 2:
			g.newline() // null
		case k == 3:
			g.text(" ")
			g.mapping(indent+2, depth+1, true)
		case k == 4:
			g.text(" ")
			g.sequence(indent+2, depth+1, true)
		case k == 5:
			g.text(" ")
			g.block(indent)
		case k == 6:
			if g.r.IntN(3) == 0 {
				g.text(" # c")
			}
			g.newline()
			g.noise(indent)
			if g.r.IntN(3) == 0 {
				g.pad(indent + 1 + g.r.IntN(2))
				g.text(g.pick(genScalars))
				g.newline()
			} else {
				g.mapping(indent+2, depth+1, false)
			}
		default:
			g.text(" " + g.pick(genFlows))
			g.newline()
		}
		g.noise(indent)
	}
}

// block writes a block scalar whose parent is at the indentation.
func (g *yamlGen) block(indent int) {
	g.text(g.pick([]string{"|", "|-", "|+", ">", ">-", ">+", "|2", "|1-", ">+3"}))
	g.newline()
	in := indent + 1 + g.r.IntN(3)
	for range g.r.IntN(6) {
		switch g.r.IntN(6) {
		case 0:
		case 1:
			g.pad(in + 1 + g.r.IntN(2))
			g.text("more indented")
		case 2:
			g.pad(in)
			g.text("# not a comment\t x")
		default:
			g.pad(in)
			g.text(g.pick(genScalars))
		}
		if g.crlf {
			g.b = append(g.b, '\r')
		}
		g.b = append(g.b, '\n')
	}
}

// TestFastYAMLSizeClasses checks fySizeClasses against the rounding of
// the runtime, and that splitting a slab never wastes more bytes.
func TestFastYAMLSizeClasses(t *testing.T) {
	round := func(n int) int { return cap(slices.Grow([]byte(nil), n)) }
	prev := 896
	for _, c := range fySizeClasses {
		if round(c) != c || round(prev+1) != c {
			t.Errorf("size class %d: %d rounds to %d, %d to %d", c, c, round(c), prev+1, round(prev+1))
		}
		prev = c
	}
	size := int(unsafe.Sizeof(yaml.Node{}))
	for n := 1; n < 600; n++ {
		first := fySlabSplit(n)
		split := round(first * size)
		if first < n {
			split += round((n - first) * size)
		}
		if first < 1 || first > n || split > round(n*size) {
			t.Errorf("fySlabSplit(%d) = %d: %d bytes, %d in one slab", n, first, split, round(n*size))
		}
	}
}

// TestFastYAMLCommonStrings checks that every string of fyCommon is found,
// once, and that other strings are not.
func TestFastYAMLCommonStrings(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range fyCommon {
		if seen[s] {
			t.Errorf("%q twice in fyCommon", s)
		}
		seen[s] = true
		if i := fyCommonIndex([]byte(s)); i == 0 || fyCommon[i-1] != s {
			t.Errorf("fyCommonIndex(%q) = %d", s, i)
		}
	}
	for _, s := range []string{"", "x", "Name", "apiVersio", "apiVersionn", strings.Repeat("a", 40)} {
		if i := fyCommonIndex([]byte(s)); i != 0 {
			t.Errorf("fyCommonIndex(%q) = %d, want 0", s, i)
		}
	}
}

// FuzzFastYAML checks that fastParse never panics and, whenever it takes
// the fast path, gives yaml.v3's tree for an input that yaml.v3 accepts.
func FuzzFastYAML(f *testing.F) {
	for _, c := range fastYAMLCases {
		f.Add([]byte(c.in))
	}
	for _, path := range []string{
		"../../examples/shop/frontend.yaml",
		"../../examples/shop/rbac.yaml",
		"testdata/files/multi.yaml",
		"testdata/kustomize/base/deployment.yaml",
	} {
		data, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			f.Fatal(err)
		}
		for _, c := range splitDocuments(data) {
			f.Add(data[c.start:c.end])
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkFast(t, "fuzz", raw)
	})
}

// BenchmarkParseTree parses every document of a generated corpus with
// parseTree (the fast path, falling back to yaml.v3) and with yaml.v3 alone.
func BenchmarkParseTree(b *testing.B) {
	var docs [][]byte
	// FASTYAML_CORPUS=dir reads the documents of another corpus.
	if dir := os.Getenv("FASTYAML_CORPUS"); dir != "" {
		for _, raw := range yamlDocuments(b, dir) {
			docs = append(docs, raw)
		}
	} else if dir, err := benchCorpus(b); err == nil {
		for _, raw := range yamlDocuments(b, dir) {
			docs = append(docs, raw)
		}
	} else {
		b.Logf("no bench corpus (%v), using the Deployments of BenchmarkRead", err)
		dir := b.TempDir()
		writeCorpus(b, dir, 1000, 10)
		for _, raw := range yamlDocuments(b, dir) {
			docs = append(docs, raw)
		}
	}
	var size int64
	for _, d := range docs {
		size += int64(len(d))
	}
	for _, bc := range []struct {
		name  string
		parse func([]byte) (*yaml.Node, error)
	}{
		{"fast", func(raw []byte) (*yaml.Node, error) { return parseTree(raw, false) }},
		{"yaml.v3", referenceTree},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(size)
			for b.Loop() {
				for _, d := range docs {
					if _, err := bc.parse(d); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(docs)), "ns/doc")
		})
	}
}
