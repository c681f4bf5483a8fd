package source

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/internal/result"
)

// summary is an object as the tests compare it.
type summary struct {
	Ref    string
	Kind   resource.OriginKind
	Path   string
	Doc    int
	Line   int
	Column int
}

func summarize(objs []resource.Object) []summary {
	var out []summary
	for _, o := range objs {
		r := o.Ref()
		out = append(out, summary{
			Ref: r.Kind + "/" + r.Name, Kind: o.Origin.Kind, Path: o.Origin.Path,
			Doc: o.Origin.Document, Line: o.Origin.Line, Column: o.Origin.Column,
		})
	}
	return out
}

func read(t *testing.T, targets []string, opts Options) *Result {
	t.Helper()
	res, err := Read(t.Context(), targets, opts)
	if err != nil {
		t.Fatalf("Read(%v): %v", targets, err)
	}
	for _, o := range res.Objects {
		if _, err := json.Marshal(o.Content); err != nil {
			t.Errorf("%s: content is not JSON-compatible: %v", o.Origin, err)
		}
	}
	return res
}

func TestReadFiles(t *testing.T) {
	f := func(name string) string { return filepath.Join("testdata", "files", name) }
	tests := []struct {
		name     string
		target   string
		objects  []summary
		problems []result.InputProblem
	}{
		{
			name:   "multi-document YAML with empty and comment-only documents",
			target: f("multi.yaml"),
			objects: []summary{
				{"Deployment/web", resource.OriginFile, f("multi.yaml"), 0, 2, 1},
				{"Service/web", resource.OriginFile, f("multi.yaml"), 3, 24, 1},
			},
		},
		{
			name:   "malformed documents amid good ones",
			target: f("mixed.yaml"),
			objects: []summary{
				{"ConfigMap/first", resource.OriginFile, f("mixed.yaml"), 0, 1, 1},
				{"ConfigMap/third", resource.OriginFile, f("mixed.yaml"), 2, 12, 1},
			},
			problems: []result.InputProblem{
				{Source: f("mixed.yaml"), Line: 10, Reason: "invalid YAML: did not find expected ',' or ']'"},
				{Source: f("mixed.yaml"), Line: 17, Reason: "not a Kubernetes object: no kind", Skipped: true},
				{Source: f("mixed.yaml"), Line: 25, Reason: "invalid YAML: found unexpected end of stream"},
			},
		},
		{
			name:   "YAML List keeps the line of each item",
			target: f("list.yaml"),
			objects: []summary{
				{"ServiceAccount/one", resource.OriginFile, f("list.yaml"), 0, 4, 5},
				{"ServiceAccount/two", resource.OriginFile, f("list.yaml"), 0, 8, 5},
			},
		},
		{
			name:    "JSON object",
			target:  f("pod.json"),
			objects: []summary{{"Pod/json-pod", resource.OriginFile, f("pod.json"), 0, 1, 1}},
		},
		{
			name:   "JSON PodList",
			target: f("list.json"),
			objects: []summary{
				{"Pod/a", resource.OriginFile, f("list.json"), 0, 2, 3},
				{"Pod/b", resource.OriginFile, f("list.json"), 0, 3, 3},
			},
		},
		{
			name:   "JSON array is not an object",
			target: f("array.json"),
			problems: []result.InputProblem{
				{Source: f("array.json"), Line: 1, Reason: "not a Kubernetes object: document 0 is a list", Skipped: true},
			},
		},
		{
			name:    "alias bomb is refused, the next document is read",
			target:  f("bomb.yaml"),
			objects: []summary{{"ConfigMap/after-bomb", resource.OriginFile, f("bomb.yaml"), 1, 16, 1}},
			problems: []result.InputProblem{
				{Source: f("bomb.yaml"), Line: 6, Reason: "document 0: YAML aliases expand to more than 262144 nodes"},
			},
		},
		{
			name:   "alias to itself",
			target: f("selfalias.yaml"),
			problems: []result.InputProblem{
				{Source: f("selfalias.yaml"), Line: 6, Reason: "document 0: alias *d refers to itself"},
			},
		},
		{
			name:    "a file named explicitly is read whatever its extension",
			target:  f("manifest.txt"),
			objects: []summary{{"Namespace/from-txt", resource.OriginFile, f("manifest.txt"), 0, 1, 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := read(t, []string{tt.target}, Options{})
			if got := summarize(res.Objects); !reflect.DeepEqual(got, tt.objects) {
				t.Errorf("objects:\n got %+v\nwant %+v", got, tt.objects)
			}
			if !reflect.DeepEqual(res.Problems, tt.problems) {
				t.Errorf("problems:\n got %+v\nwant %+v", res.Problems, tt.problems)
			}
		})
	}
}

func TestManyAliasBombs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "files", "bomb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bomb, good, _ := strings.Cut(string(b), "---\n")
	p := filepath.Join(t.TempDir(), "bombs.yaml")
	writeFile(t, p, strings.Repeat(bomb+"---\n", 50)+good)
	res := read(t, []string{p}, Options{})
	if len(res.Objects) != 1 || res.Objects[0].Ref().Name != "after-bomb" {
		t.Errorf("objects %+v, want after-bomb only", summarize(res.Objects))
	}
	if len(res.Problems) != 50 {
		t.Fatalf("got %d problems, want 50", len(res.Problems))
	}
	if want := "document 49: YAML aliases of the input expand to too many nodes"; res.Problems[49].Reason != want {
		t.Errorf("last problem %q, want %q", res.Problems[49].Reason, want)
	}
}

func TestLocate(t *testing.T) {
	f := func(name string) string { return filepath.Join("testdata", "files", name) }
	tests := []struct {
		file   string
		object int
		path   string
		want   resource.Position
		found  bool
	}{
		{f("multi.yaml"), 0, "", resource.Position{Line: 2, Column: 1}, true},
		{f("multi.yaml"), 0, "kind", resource.Position{Line: 3, Column: 1}, true},
		{f("multi.yaml"), 0, "metadata.name", resource.Position{Line: 5, Column: 3}, true},
		{f("multi.yaml"), 0, `metadata.annotations["kubescape.io/ignore"]`, resource.Position{Line: 8, Column: 5}, true},
		{f("multi.yaml"), 0, "spec.template.spec.containers[0]", resource.Position{Line: 14, Column: 11}, true},
		{f("multi.yaml"), 0, "spec.template.spec.containers[0].securityContext.privileged", resource.Position{Line: 17, Column: 13}, true},
		{f("multi.yaml"), 0, "spec.template.spec.containers[1].image", resource.Position{Line: 19, Column: 11}, true},
		{f("multi.yaml"), 0, "spec.template.spec.containers[2]", resource.Position{}, false},
		{f("multi.yaml"), 0, "spec.template.spec.containers[1].securityContext", resource.Position{}, false},
		{f("multi.yaml"), 0, "spec.replicas[0]", resource.Position{}, false},
		{f("multi.yaml"), 0, "spec..replicas", resource.Position{}, false},
		{f("multi.yaml"), 1, "spec.ports[0].targetPort", resource.Position{Line: 28, Column: 22}, true},
		{f("multi.yaml"), 1, "metadata.namespace", resource.Position{Line: 26, Column: 23}, true},
		{f("list.yaml"), 1, "automountServiceAccountToken", resource.Position{Line: 12, Column: 5}, true},
		{f("list.yaml"), 1, "metadata.name", resource.Position{Line: 11, Column: 7}, true},
		{f("list.yaml"), 0, "automountServiceAccountToken", resource.Position{}, false},
		{f("pod.json"), 0, "spec.hostNetwork", resource.Position{Line: 9, Column: 5}, true},
		{f("pod.json"), 0, "spec.containers[0].resources.limits.memory", resource.Position{Line: 11, Column: 78}, true},
		{f("pod.json"), 0, `metadata.annotations['docs']`, resource.Position{Line: 6, Column: 21}, true},
		{f("list.json"), 1, "metadata.name", resource.Position{Line: 4, Column: 17}, true},
		{f("list.json"), 0, "kind", resource.Position{Line: 2, Column: 24}, true},
		{f("kubectl-list.yaml"), 0, "spec.containers[0].image", resource.Position{Line: 10, Column: 7}, true},
		{f("kubectl-list.yaml"), 1, "", resource.Position{Line: 11, Column: 3}, true},
		{f("kubectl-list.yaml"), 1, "spec.containers[0].image", resource.Position{Line: 20, Column: 7}, true},
		{f("kubectl-list.yaml"), 2, "metadata.labels.app", resource.Position{Line: 16, Column: 7}, true},
		{f("kubectl-list.yaml"), 2, "spec.containers[0].securityContext.privileged", resource.Position{Line: 30, Column: 9}, true},
		{f("kubectl-list.yaml"), 3, "metadata.name", resource.Position{Line: 32, Column: 15}, true},
		{f("kubectl-list.json"), 1, "spec.hostPID", resource.Position{Line: 18, Column: 22}, true},
		{f("kubectl-list.json"), 0, "spec.containers[0].name", resource.Position{Line: 9, Column: 18}, true},
		{f("anchors.yaml"), 0, "metadata.annotations.app", resource.Position{Line: 6, Column: 5}, true},
		{f("anchors.yaml"), 0, "metadata.annotations.tier", resource.Position{Line: 10, Column: 5}, true},
		{f("anchors.yaml"), 0, "spec.containers[1].securityContext.runAsNonRoot", resource.Position{Line: 17, Column: 9}, true},
		{f("anchors.yaml"), 0, `spec.values["1"]`, resource.Position{Line: 30, Column: 5}, true},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file)+"/"+tt.path, func(t *testing.T) {
			res := read(t, []string{tt.file}, Options{})
			if tt.object >= len(res.Objects) {
				t.Fatalf("only %d objects", len(res.Objects))
			}
			// From the index built while reading; then, the index released,
			// with the tree parsed while reading, and parsed again (for List
			// items, from the item's own region).
			for _, when := range []string{"index", "fresh", "after GC"} {
				switch when {
				case "fresh":
					res.Objects[tt.object].Locator.(interface{ Release() }).Release()
				case "after GC":
					runtime.GC()
					runtime.GC()
				}
				got, ok := res.Objects[tt.object].Locator.Locate(tt.path)
				if got != tt.want || ok != tt.found {
					t.Errorf("%s: Locate(%q) = %v, %v; want %v, %v", when, tt.path, got, ok, tt.want, tt.found)
				}
			}
		})
	}
}

func TestListItemRegions(t *testing.T) {
	tests := []struct {
		file   string
		failed []bool // per item: the item's region cannot stand alone
	}{
		{"kubectl-list.yaml", []bool{false, false, true, false}},
		{"kubectl-list.json", []bool{false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := read(t, []string{filepath.Join("testdata", "files", tt.file)}, Options{})
			if len(res.Objects) != len(tt.failed) {
				t.Fatalf("got %d objects, want %d", len(res.Objects), len(tt.failed))
			}
			runtime.GC()
			runtime.GC()
			for i, o := range res.Objects {
				l := o.Locator.(*locator)
				if l.frag == nil {
					t.Fatalf("item %d has no region of its own", i)
				}
				if l.doc.cached() != nil {
					t.Skip("the list's tree survived garbage collection")
				}
				if _, ok := o.Locate("kind"); !ok {
					t.Errorf("item %d: kind not located", i)
				}
				if got := l.frag.failed.Load(); got != tt.failed[i] {
					t.Errorf("item %d: region failed = %v, want %v", i, got, tt.failed[i])
				}
			}
		})
	}
}

func TestValues(t *testing.T) {
	res := read(t, []string{filepath.Join("testdata", "files", "anchors.yaml")}, Options{})
	if len(res.Objects) != 1 {
		t.Fatalf("got %d objects, want 1", len(res.Objects))
	}
	c := res.Objects[0].Content
	spec := c["spec"].(map[string]any)
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"merged labels, explicit key wins", c["metadata"].(map[string]any)["annotations"], map[string]any{"app": "web", "tier": "override"}},
		{"alias expanded", spec["containers"].([]any)[1].(map[string]any)["securityContext"], map[string]any{"runAsNonRoot": true}},
		{"hex int", spec["values"].(map[string]any)["count"], int64(31)},
		{"int beyond int64", spec["values"].(map[string]any)["big"], float64(12345678901234567890)},
		{"float", spec["values"].(map[string]any)["ratio"], 1500.0},
		{"infinity stays text", spec["values"].(map[string]any)["inf"], ".inf"},
		{"timestamp stays text", spec["values"].(map[string]any)["when"], "2024-01-02T03:04:05Z"},
		{"yes is a string", spec["values"].(map[string]any)["yes"], "yes"},
		{"bool", spec["values"].(map[string]any)["off"], false},
		{"null", spec["values"].(map[string]any)["nothing"], nil},
		{"int key", spec["values"].(map[string]any)["1"], "one"},
		{"bool key", spec["values"].(map[string]any)["true"], "yes-key"},
		{"octal", spec["values"].(map[string]any)["octal"], int64(15)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
}

func TestReadDirectory(t *testing.T) {
	w := func(name string) string { return filepath.Join("testdata", "walk", name) }
	res := read(t, []string{filepath.Join("testdata", "walk")}, Options{})
	want := []summary{
		{"Namespace/a", resource.OriginFile, w("a.yaml"), 0, 1, 1},
		{"Namespace/release-ns", resource.OriginHelm, "app/templates/ns.yaml", 0, 1, 1},
		{"Namespace/b", resource.OriginFile, w("sub/b.yml"), 0, 1, 1},
		{"Namespace/c", resource.OriginFile, w("sub/c.json"), 0, 1, 1},
	}
	if got := summarize(res.Objects); !reflect.DeepEqual(got, want) {
		t.Errorf("objects:\n got %+v\nwant %+v", got, want)
	}
	if len(res.Problems) != 0 {
		t.Errorf("problems: %+v", res.Problems)
	}
}

func TestReadGlob(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string
	}{
		{"testdata/walk/**/*.yml", []string{"Namespace/b"}},
		{"testdata/walk/**", []string{"Namespace/a", "Namespace/release-ns", "Namespace/b", "Namespace/c"}},
		{"testdata/walk/*.txt", []string{"Namespace/from-txt"}},
		{"testdata/walk/**/ns.yaml", []string{"Namespace/release-ns"}},
		{"testdata/walk/.hidden/*.yaml", []string{"Namespace/hidden"}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			res := read(t, []string{filepath.FromSlash(tt.pattern)}, Options{})
			var got []string
			for _, s := range summarize(res.Objects) {
				got = append(got, s.Ref)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReadNotFound(t *testing.T) {
	for _, target := range []string{"testdata/nope.yaml", "testdata/nope/**/*.yaml"} {
		t.Run(target, func(t *testing.T) {
			_, err := Read(t.Context(), []string{"testdata/walk", target}, Options{})
			if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), target) {
				t.Errorf("got %v, want ErrNotFound naming %s", err, target)
			}
		})
	}
}

func TestReadDeduplicates(t *testing.T) {
	a := filepath.Join("testdata", "walk", "a.yaml")
	res := read(t, []string{a, "testdata/walk", a}, Options{})
	if n := len(res.Objects); n != 4 {
		t.Errorf("got %d objects, want 4", n)
	}
	if res.Objects[0].Origin.Path != a {
		t.Errorf("first object from %s, want %s", res.Objects[0].Origin.Path, a)
	}
}

func TestSymlinks(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.yaml")
	writeFile(t, secret, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: outside\n")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "real.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: real\n")
	links := map[string]string{
		"escape.yaml":  secret,
		"inside.yaml":  filepath.Join(dir, "real.yaml"),
		"broken.yaml":  filepath.Join(dir, "missing.yaml"),
		"outside-dir":  outside,
		"inside-again": dir,
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("symlinks not supported: %v", err)
		}
	}
	res := read(t, []string{dir}, Options{})
	var got []string
	for _, o := range res.Objects {
		got = append(got, filepath.Base(o.Origin.Path)+"="+o.Ref().Name)
	}
	if want := []string{"inside.yaml=real"}; !slices.Equal(got, want) {
		t.Errorf("objects %v, want %v (real.yaml is the file inside.yaml, read first, links to)", got, want)
	}
	reasons := map[string]string{}
	for _, p := range res.Problems {
		if !p.Skipped {
			t.Errorf("problem %+v is not Skipped", p)
		}
		reasons[filepath.Base(p.Source)] = p.Reason
	}
	for _, name := range []string{"escape.yaml", "outside-dir"} {
		if !strings.Contains(reasons[name], "symlink points outside") {
			t.Errorf("%s: reason %q, want a symlink escape", name, reasons[name])
		}
	}
	if !strings.Contains(reasons["broken.yaml"], "broken symlink") {
		t.Errorf("broken.yaml: reason %q", reasons["broken.yaml"])
	}
	if len(reasons) != 3 {
		t.Errorf("problems %+v, want 3", res.Problems)
	}
}

func TestSkippedFiles(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin.yaml")
	writeFile(t, bin, "apiVersion: v1\x00\x01\x02")
	big := filepath.Join(dir, "big.yaml")
	bigContent := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n" + strings.Repeat("# padding\n", 20)
	writeFile(t, big, bigContent)
	res := read(t, []string{bin, big}, Options{MaxFileSize: 100})
	want := []result.InputProblem{
		{Source: bin, Reason: "binary file", Skipped: true},
		{Source: big, Reason: fmt.Sprintf("file is %d bytes, larger than the limit of 100 bytes", len(bigContent)), Skipped: true},
	}
	if !reflect.DeepEqual(res.Problems, want) {
		t.Errorf("problems:\n got %+v\nwant %+v", res.Problems, want)
	}
	if len(res.Objects) != 0 {
		t.Errorf("objects: %+v", summarize(res.Objects))
	}
}

func TestUnreadableFile(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root reads files whatever their mode")
	}
	p := filepath.Join(t.TempDir(), "locked.yaml")
	writeFile(t, p, "apiVersion: v1\n")
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	res := read(t, []string{p}, Options{})
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Reason, "permission denied") {
		t.Errorf("problems %+v, want permission denied", res.Problems)
	}
}

func TestStdin(t *testing.T) {
	tests := []struct {
		name     string
		stdin    string
		objects  []summary
		problems []result.InputProblem
	}{
		{
			name:    "YAML",
			stdin:   "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: piped\n",
			objects: []summary{{"Namespace/piped", resource.OriginStdin, "-", 0, 2, 1}},
		},
		{
			name:    "JSON",
			stdin:   `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"j"}}`,
			objects: []summary{{"Namespace/j", resource.OriginStdin, "-", 0, 1, 1}},
		},
		{
			name:     "too large",
			stdin:    strings.Repeat("#", 200),
			problems: []result.InputProblem{{Source: "-", Reason: "standard input is larger than the limit of 100 bytes", Skipped: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := read(t, []string{"-"}, Options{Stdin: strings.NewReader(tt.stdin), MaxFileSize: 100})
			if got := summarize(res.Objects); !reflect.DeepEqual(got, tt.objects) {
				t.Errorf("objects:\n got %+v\nwant %+v", got, tt.objects)
			}
			if !reflect.DeepEqual(res.Problems, tt.problems) {
				t.Errorf("problems:\n got %+v\nwant %+v", res.Problems, tt.problems)
			}
			for _, o := range res.Objects {
				if p, ok := o.Locate("metadata.name"); !ok || p.Line == 0 {
					t.Errorf("Locate(metadata.name) = %v, %v", p, ok)
				}
			}
		})
	}
}

// TestPipe reads a pipe named by path, as a shell's <(helm template ...) gives.
func TestPipe(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/dev/fd paths to pipes are a Linux feature")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		defer w.Close()
		_, _ = w.WriteString("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: piped\n")
	}()
	path := fmt.Sprintf("/dev/fd/%d", r.Fd())
	res := read(t, []string{path}, Options{})
	want := []summary{{"Namespace/piped", resource.OriginFile, path, 0, 1, 1}}
	if got := summarize(res.Objects); !reflect.DeepEqual(got, want) || len(res.Problems) != 0 {
		t.Fatalf("objects %+v, problems %+v; want %+v", got, res.Problems, want)
	}
	runtime.GC() // the pipe cannot be read again: the locator keeps its bytes
	if p, ok := res.Objects[0].Locate("metadata.name"); !ok || p != (resource.Position{Line: 4, Column: 3}) {
		t.Errorf("Locate(metadata.name) = %v, %v", p, ok)
	}
}

func TestHelm(t *testing.T) {
	chart := filepath.Join("testdata", "chart", "mychart")
	tests := []struct {
		name       string
		opts       Options
		replicas   int64
		image      string
		privileged bool
	}{
		{"chart defaults", Options{}, 1, "nginx:1.27", false},
		{
			"values file and --set",
			Options{
				HelmValues:  []string{filepath.Join("testdata", "chart", "values-prod.yaml")},
				HelmSet:     []string{"privileged=true", "image.repository=registry/nginx"},
				ReleaseName: "prod", ReleaseNamespace: "shop",
			},
			3, "registry/nginx:1.28", true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := read(t, []string{chart}, tt.opts)
			if len(res.Problems) != 0 {
				t.Fatalf("problems: %+v", res.Problems)
			}
			release, ns := "release", "default"
			if tt.opts.ReleaseName != "" {
				release, ns = tt.opts.ReleaseName, tt.opts.ReleaseNamespace
			}
			const tmpl = "mychart/templates/deployment.yaml"
			want := []summary{
				{"Deployment/" + release + "-mychart", resource.OriginHelm, tmpl, 0, 1, 1},
				{"ConfigMap/" + release + "-mychart-config", resource.OriginHelm, tmpl, 1, 15, 1},
			}
			if tt.privileged {
				want[1].Line = 17
			}
			if got := summarize(res.Objects); !reflect.DeepEqual(got, want) {
				t.Fatalf("objects:\n got %+v\nwant %+v", got, want)
			}
			dep, cm := res.Objects[0], res.Objects[1]
			spec := dep.Content["spec"].(map[string]any)
			if got := spec["replicas"]; got != tt.replicas {
				t.Errorf("replicas = %#v, want %d", got, tt.replicas)
			}
			c := spec["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
			if c["image"] != tt.image {
				t.Errorf("image = %v, want %s", c["image"], tt.image)
			}
			if got := cm.Ref().Namespace; got != ns {
				t.Errorf("ConfigMap namespace = %q, want %q", got, ns)
			}
			if got := dep.Ref().Namespace; got != "" {
				t.Errorf("Deployment namespace = %q, want it left as rendered (empty)", got)
			}
			p, ok := dep.Locate("spec.template.spec.containers[0].securityContext.privileged")
			if ok != tt.privileged || (ok && p != (resource.Position{Line: 15, Column: 13})) {
				t.Errorf("Locate(privileged) = %v, %v", p, ok)
			}
			if p, ok := cm.Locate("metadata.namespace"); !ok || p.Line != want[1].Line+4 {
				t.Errorf("Locate(metadata.namespace) = %v, %v; want line %d", p, ok, want[1].Line+4)
			}
		})
	}
}

func TestHelmProblems(t *testing.T) {
	tests := []struct {
		name   string
		target string
		opts   Options
		reason string
	}{
		{"template fails", filepath.Join("testdata", "chart", "broken"), Options{}, "render chart testdata/chart/broken: execution error at (broken/templates/cm.yaml:4:11): name is required"},
		{"values file missing", filepath.Join("testdata", "chart", "mychart"), Options{HelmValues: []string{"testdata/none.yaml"}}, "chart testdata/chart/mychart: read values testdata/none.yaml: open testdata/none.yaml: no such file or directory"},
		{"bad --set", filepath.Join("testdata", "chart", "mychart"), Options{HelmSet: []string{"a[=1"}}, "chart testdata/chart/mychart: parse --set a[=1: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := read(t, []string{tt.target}, tt.opts)
			if len(res.Objects) != 0 || len(res.Problems) != 1 {
				t.Fatalf("objects %+v, problems %+v", summarize(res.Objects), res.Problems)
			}
			p := res.Problems[0]
			if p.Source != tt.target || !strings.HasPrefix(p.Reason, tt.reason) || p.Skipped {
				t.Errorf("problem %+v, want source %s and reason %q", p, tt.target, tt.reason)
			}
		})
	}
}

func TestKustomize(t *testing.T) {
	k := func(name string) string { return filepath.Join("testdata", "kustomize", name) }
	res := read(t, []string{k("overlays/prod"), k("broken")}, Options{})
	want := []summary{
		{"Deployment/prod-api", resource.OriginKustomize, k("overlays/prod"), 0, 1, 1},
		{"Service/prod-api", resource.OriginKustomize, k("overlays/prod"), 1, 22, 1},
	}
	if got := summarize(res.Objects); !reflect.DeepEqual(got, want) {
		t.Errorf("objects:\n got %+v\nwant %+v", got, want)
	}
	dep := res.Objects[0]
	if got := dep.Ref().Namespace; got != "prod" {
		t.Errorf("namespace = %q, want prod", got)
	}
	if p, ok := dep.Locate("spec.template.spec.containers[0].securityContext.privileged"); !ok || p != (resource.Position{Line: 20, Column: 11}) {
		t.Errorf("Locate(privileged) = %v, %v; want 20:11 of the rendered output", p, ok)
	}
	if len(res.Problems) != 1 || res.Problems[0].Source != k("broken") ||
		!strings.HasPrefix(res.Problems[0].Reason, "build kustomization "+k("broken")+": ") {
		t.Errorf("problems %+v, want one for %s", res.Problems, k("broken"))
	}
}

func TestKustomizeInWalk(t *testing.T) {
	res := read(t, []string{filepath.Join("testdata", "kustomize")}, Options{})
	var got []string
	for _, o := range res.Objects {
		got = append(got, o.Origin.Path+":"+o.Ref().Name)
	}
	want := []string{
		"testdata/kustomize/base:api", "testdata/kustomize/base:api",
		"testdata/kustomize/overlays/prod:prod-api", "testdata/kustomize/overlays/prod:prod-api",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestLocateAfterCollection(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.yaml")
	writeFile(t, p, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n")
	res := read(t, []string{p}, Options{})
	runtime.GC()
	runtime.GC()
	if pos, ok := res.Objects[1].Locate("metadata.name"); !ok || pos != (resource.Position{Line: 9, Column: 3}) {
		t.Errorf("after GC: Locate = %v, %v", pos, ok)
	}
	writeFile(t, p, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n")
	// The index answers as the file was read; once released, the document is
	// read again and found changed.
	if pos, ok := res.Objects[0].Locate("metadata.name"); !ok || pos.Line != 4 {
		t.Errorf("from the index: Locate = %v, %v", pos, ok)
	}
	res.Objects[0].Release()
	runtime.GC()
	runtime.GC()
	if pos, ok := res.Objects[0].Locate("metadata.name"); ok {
		t.Errorf("file changed: Locate = %v, true; want false", pos)
	}
}

func TestLocateConcurrent(t *testing.T) {
	res := read(t, []string{filepath.Join("testdata", "files")}, Options{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				for _, o := range res.Objects {
					if _, ok := o.Locate("metadata.name"); !ok {
						t.Errorf("%s: metadata.name not found", o.Origin)
						return
					}
				}
				runtime.GC()
			}
		})
	}
	wg.Wait()
}

func TestParsePath(t *testing.T) {
	key := func(s string) segment { return segment{key: s} }
	idx := func(i int) segment { return segment{index: i, isIndex: true} }
	tests := []struct {
		path string
		want []segment
		ok   bool
	}{
		{"", nil, true},
		{"kind", []segment{key("kind")}, true},
		{"spec.containers[0].securityContext.privileged", []segment{key("spec"), key("containers"), idx(0), key("securityContext"), key("privileged")}, true},
		{`metadata.annotations["kubescape.io/ignore"]`, []segment{key("metadata"), key("annotations"), key("kubescape.io/ignore")}, true},
		{`a["x\"]y"].b`, []segment{key("a"), key(`x"]y`), key("b")}, true},
		{`a['k.v']`, []segment{key("a"), key("k.v")}, true},
		{"[1][2]", []segment{idx(1), idx(2)}, true},
		{"a[-1]", nil, false},
		{"a[x]", nil, false},
		{"a.", nil, false},
		{".a", nil, false},
		{"a..b", nil, false},
		{`a["open`, nil, false},
		{"a[0]b", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, ok := parsePath(tt.path, nil)
			if ok != tt.ok || (ok && fmt.Sprint(render(got)) != fmt.Sprint(render(tt.want))) {
				t.Errorf("parsePath(%q) = %v, %v; want %v, %v", tt.path, render(got), ok, render(tt.want), tt.ok)
			}
		})
	}
}

func render(segs []segment) []string {
	var out []string
	for _, s := range segs {
		if s.isIndex {
			out = append(out, fmt.Sprint("index:", s.index))
		} else {
			out = append(out, "key:"+s.key)
		}
	}
	return out
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCompact(t *testing.T) {
	stdin := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: a}\nspec:\n  containers:\n    - name: c\n      image: nginx\n"
	res := read(t, []string{"-"}, Options{Stdin: strings.NewReader(stdin), Compact: true})
	if len(res.Objects) != 1 {
		t.Fatalf("objects: %+v", res.Objects)
	}
	o := &res.Objects[0]
	if o.Content != nil {
		t.Error("Content kept with Compact")
	}
	if o.Ref().Name != "p" || o.Labels()["app"] != "a" {
		t.Errorf("identity %v %v", o.Ref(), o.Labels())
	}
	m, err := o.Decoded()
	if err != nil || m["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["image"] != "nginx" {
		t.Errorf("decoded %v %v", m, err)
	}
	if pos, ok := o.Locate("spec.containers[0].image"); !ok || pos.Line != 9 {
		t.Errorf("locate after compact: %v %v", pos, ok)
	}
}
