package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/opa/v1/ast"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/library"
)

// testLibrary builds a library of the real shared Rego plus the given controls
// (ID -> rule body, kinds, related).
func testLibrary(t testing.TB, controls map[string][3]string) *library.Library {
	t.Helper()
	k8s, err := os.ReadFile("../../library/lib/k8s.rego")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"lib/k8s.rego": {Data: k8s}}
	var ids []string
	for id, c := range controls {
		ids = append(ids, id)
		dir := "controls/" + id + "/"
		fsys[dir+"control.yaml"] = &fstest.MapFile{Data: []byte(`id: ` + id + `
name: test control
description: d
remediation: r
severity: high
baseScore: 5
scope: [file]
kinds: [` + c[1] + `]
related: [` + c[2] + `]
`)}
		fsys[dir+"rule.rego"] = &fstest.MapFile{Data: []byte("package kubescape.controls.c" + strings.TrimPrefix(id, "C-") + "\n\nimport data.kubescape.lib.k8s\n\n" + c[0])}
	}
	fsys["frameworks/all.yaml"] = &fstest.MapFile{Data: []byte("name: all\ntitle: t\ndescription: d\ncontrols: [" + strings.Join(ids, ", ") + "]\n")}
	lib, err := library.LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// fixtureCases calls f with every test case of every control of the
// library that has a rule (controls without one have no fixtures).
func fixtureCases(tb testing.TB, lib *library.Library, f func(c *library.Control, tc library.TestCase)) {
	tb.Helper()
	for _, c := range lib.Controls() {
		if c.Rego == "" {
			continue
		}
		cases, err := lib.Tests(c)
		if err != nil {
			tb.Fatal(err)
		}
		for _, tc := range cases {
			f(c, tc)
		}
	}
}

func obj(content string) *resource.Object {
	var m map[string]any
	if err := yamlUnmarshal(content, &m); err != nil {
		panic(err)
	}
	return &resource.Object{Content: m}
}

func TestPodSpecAccessorCoversEveryWorkloadKind(t *testing.T) {
	lib := testLibrary(t, map[string][3]string{
		"C-9001": {`deny contains {"message": c.path, "failedPaths": [c.path]} if { some c in k8s.containers }`,
			strings.Join(library.WorkloadKinds, ", "), ""},
	})
	e, err := New(lib, lib.Controls(), nil)
	if err != nil {
		t.Fatal(err)
	}
	spec := `{"initContainers": [{"name": "i"}], "containers": [{"name": "a"}, {"name": "b"}], "ephemeralContainers": [{"name": "e"}]}`
	tmpl := `{"template": {"spec": ` + spec + `}}`
	tests := map[string]struct{ content, prefix string }{
		"Pod":                   {`{"kind": "Pod", "spec": ` + spec + `}`, "spec"},
		"Deployment":            {`{"kind": "Deployment", "spec": ` + tmpl + `}`, "spec.template.spec"},
		"ReplicaSet":            {`{"kind": "ReplicaSet", "spec": ` + tmpl + `}`, "spec.template.spec"},
		"StatefulSet":           {`{"kind": "StatefulSet", "spec": ` + tmpl + `}`, "spec.template.spec"},
		"DaemonSet":             {`{"kind": "DaemonSet", "spec": ` + tmpl + `}`, "spec.template.spec"},
		"Job":                   {`{"kind": "Job", "spec": ` + tmpl + `}`, "spec.template.spec"},
		"ReplicationController": {`{"kind": "ReplicationController", "spec": ` + tmpl + `}`, "spec.template.spec"},
		"CronJob":               {`{"kind": "CronJob", "spec": {"jobTemplate": {"spec": ` + tmpl + `}}}`, "spec.jobTemplate.spec.template.spec"},
	}
	if len(tests) != len(library.WorkloadKinds) {
		t.Fatalf("test covers %d kinds, the library has %d", len(tests), len(library.WorkloadKinds))
	}
	for kind, tt := range tests {
		t.Run(kind, func(t *testing.T) {
			v := e.NewSession(nil).Evaluate(t.Context(), obj(tt.content))
			if len(v) != 1 || v[0].Err != nil {
				t.Fatalf("verdicts %+v", v)
			}
			var got []string
			for _, f := range v[0].Findings {
				got = append(got, f.Message)
			}
			want := []string{
				tt.prefix + ".containers[0]", tt.prefix + ".containers[1]",
				tt.prefix + ".ephemeralContainers[0]", tt.prefix + ".initContainers[0]",
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestBrokenRuleDoesNotHideOthers(t *testing.T) {
	lib := testLibrary(t, map[string][3]string{
		// Two values for one complete rule: a runtime conflict error.
		"C-9001": {"x := 1 if input.kind\nx := 2 if input.kind\ndeny contains {\"message\": \"m\"} if x == 1", "Pod", ""},
		"C-9002": {`deny contains {"message": "always"} if input.kind == "Pod"`, "Pod", ""},
	})
	e, err := New(lib, lib.Controls(), nil)
	if err != nil {
		t.Fatal(err)
	}
	v := e.NewSession(nil).Evaluate(t.Context(), obj(`{"kind": "Pod"}`))
	if len(v) != 2 {
		t.Fatalf("verdicts %+v", v)
	}
	if v[0].Err == nil || !strings.Contains(v[0].Err.Error(), "C-9001") {
		t.Errorf("C-9001: want an evaluation error, got %+v", v[0])
	}
	if v[1].Err != nil || !v[1].Failed() {
		t.Errorf("C-9002: want a finding, got %+v", v[1])
	}
}

func TestRelationalInventory(t *testing.T) {
	lib := testLibrary(t, map[string][3]string{
		"C-9001": {`deny contains {"message": sprintf("%d policies", [count(k8s.namespaced("NetworkPolicy"))]), "related": [k8s.ref(p) | some p in k8s.namespaced("NetworkPolicy")]} if input.kind == "Deployment"`, "Deployment", "NetworkPolicy"},
	})
	e, err := New(lib, lib.Controls(), nil)
	if err != nil {
		t.Fatal(err)
	}
	objs := []*resource.Object{
		obj(`{"kind": "Deployment", "metadata": {"name": "a", "namespace": "shop"}}`),
		obj(`{"kind": "Deployment", "metadata": {"name": "b"}}`),
		obj(`{"kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1", "metadata": {"name": "p1", "namespace": "shop"}}`),
		obj(`{"kind": "NetworkPolicy", "metadata": {"name": "p2", "namespace": "shop"}}`),
		obj(`{"kind": "NetworkPolicy", "metadata": {"name": "p3"}}`),
	}
	out := make([][]Verdict, len(objs))
	if err := e.Evaluate(t.Context(), objs, func(i int, _ ast.Object, v []Verdict) { out[i] = v }); err != nil {
		t.Fatal(err)
	}
	if got := out[0][0].Findings[0]; got.Message != "2 policies" || len(got.Related) != 2 || got.Related[0].APIVersion != "networking.k8s.io/v1" {
		t.Errorf("shop: %+v", got)
	}
	if got := out[1][0].Findings[0]; got.Message != "1 policies" || got.Related[0].Name != "p3" {
		t.Errorf("default namespace: %+v", got)
	}
	if out[2] != nil {
		t.Errorf("NetworkPolicy is not evaluated by the control, got %+v", out[2])
	}
}

func TestUnknownInput(t *testing.T) {
	lib := testLibrary(t, map[string][3]string{"C-9001": {`deny contains {"message": "m"} if false`, "Pod", ""}})
	if _, err := New(lib, lib.Controls(), map[string]any{"noSuchInput": 1}); err == nil || !strings.Contains(err.Error(), "unknown control input") {
		t.Errorf("unknown input: got %v", err)
	}
}

func TestProjectWorkload(t *testing.T) {
	project := func(content map[string]any, podMeta []string) []byte {
		v, err := ast.InterfaceToValue(content)
		if err != nil {
			t.Fatal(err)
		}
		out, err := ast.JSON(projectWorkload(v.(ast.Object), podMeta))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(out)
		return b
	}
	var cron map[string]any
	if err := json.Unmarshal([]byte(`{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c","namespace":"n","labels":{"a":"b"},"managedFields":[{}]},
	 "spec":{"schedule":"@daily","jobTemplate":{"spec":{"template":{"metadata":{"labels":{"app":"c"},"name":"x"},"spec":{"containers":[{"name":"x"}]}}}}}}`), &cron); err != nil {
		t.Fatal(err)
	}
	got := project(cron, podMeta(t, "CronJob"))
	want := `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"labels":{"a":"b"},"name":"c","namespace":"n"},"spec":{"jobTemplate":{"spec":{"template":{"metadata":{"labels":{"app":"c"}}}}}}}`
	if string(got) != want {
		t.Errorf("CronJob:\n got %s\nwant %s", got, want)
	}
	var dep map[string]any
	if err := json.Unmarshal([]byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"d"}},"template":{"spec":{}}}}`), &dep); err != nil {
		t.Fatal(err)
	}
	got = project(dep, podMeta(t, "Deployment"))
	if want := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"d"}},"template":{}}}`; string(got) != want {
		t.Errorf("Deployment without pod metadata:\n got %s\nwant %s", got, want)
	}
	pod := map[string]any{"kind": "Pod", "metadata": map[string]any{"name": "p", "labels": map[string]any{"x": "y"}}, "spec": map[string]any{"containers": []any{}}}
	got = project(pod, podMeta(t, "Pod"))
	if want := `{"kind":"Pod","metadata":{"labels":{"x":"y"},"name":"p"}}`; string(got) != want {
		t.Errorf("Pod:\n got %s\nwant %s", got, want)
	}
}

// TestGenerateName checks that an object named by generateName alone is
// evaluated like any other (rules format metadata.name into messages).
func TestGenerateName(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := lib.Control("C-0057")
	e, err := New(lib, []*library.Control{c}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{
		"generateName": `{"apiVersion":"batch/v1","kind":"Job","metadata":{"generateName":"migrate-"},"spec":{"template":{"spec":{"containers":[{"name":"m","image":"x","securityContext":{"privileged":true}}]}}}}`,
		"no name":      `{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"m","image":"x","securityContext":{"privileged":true}}]}}`,
	} {
		v := e.NewSession(nil).Evaluate(t.Context(), obj(doc))
		if len(v) != 1 || !v[0].Failed() {
			t.Errorf("%s: privileged container not found: %+v", name, v)
			continue
		}
		if name == "generateName" && !strings.Contains(v[0].Findings[0].Message, "Job migrate-") {
			t.Errorf("message %q does not name the object by its generateName", v[0].Findings[0].Message)
		}
	}
}

func podMeta(t *testing.T, kind string) []string {
	t.Helper()
	path, ok := resource.PodTemplatePath(kind, "metadata")
	if !ok {
		t.Fatalf("%s runs no pods", kind)
	}
	return path
}

// TestSplitQueriesGiveTheSameVerdicts evaluates objects of several kinds
// with every control of the library as one query and as 2 and 3 concurrent
// ones: the verdicts must be the same, control by control.
func TestSplitQueriesGiveTheSameVerdicts(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	objects := []string{
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"spec":{"template":{"spec":{"hostNetwork":true,"containers":[{"name":"a","image":"nginx","securityContext":{"privileged":true,"capabilities":{"add":["SYS_ADMIN"]}}},{"name":"b","image":"registry.example.com/b:1","env":[{"name":"PASSWORD","value":"x"}]}]}}}}`,
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"shop"},"spec":{"containers":[{"name":"a","image":"nginx:1.27","securityContext":{"runAsNonRoot":true,"readOnlyRootFilesystem":true,"allowPrivilegeEscalation":false}}],"volumes":[{"name":"h","hostPath":{"path":"/var/run/docker.sock"}}]}}`,
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"admin-ish"},"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}`,
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"shop"},"spec":{"type":"NodePort","ports":[{"port":80}]}}`,
	}
	verdicts := func(split int) [][]string {
		e, err := New(lib, lib.Controls(), nil)
		if err != nil {
			t.Fatal(err)
		}
		e.SplitQueries(split)
		s := e.NewSession(nil)
		var out [][]string
		for _, doc := range objects {
			var got []string
			for _, v := range s.Evaluate(t.Context(), obj(doc)) {
				line := v.Control.ID + fmt.Sprintf(" err=%v", v.Err)
				for _, f := range v.Findings {
					line += " | " + f.Message
				}
				got = append(got, line)
			}
			out = append(out, got)
		}
		return out
	}
	want := verdicts(1)
	failed := 0
	for _, lines := range want {
		for _, l := range lines {
			if strings.Contains(l, " | ") {
				failed++
			}
		}
	}
	if failed < 8 {
		t.Fatalf("the objects fail only %d controls; the comparison needs more", failed)
	}
	for _, split := range []int{2, 3} {
		if got := verdicts(split); !reflect.DeepEqual(got, want) {
			t.Errorf("split %d:\n got %q\nwant %q", split, got, want)
		}
	}
}

func TestSplitQueriesKeepBrokenRulesApart(t *testing.T) {
	lib := testLibrary(t, map[string][3]string{
		"C-9001": {"x := 1 if input.kind\nx := 2 if input.kind\ndeny contains {\"message\": \"m\"} if x == 1", "Pod", ""},
		"C-9002": {`deny contains {"message": "always"} if input.kind == "Pod"`, "Pod", ""},
		"C-9003": {`deny contains {"message": "also"} if input.kind == "Pod"`, "Pod", ""},
	})
	e, err := New(lib, lib.Controls(), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.SplitQueries(2)
	v := e.NewSession(nil).Evaluate(t.Context(), obj(`{"kind": "Pod"}`))
	if len(v) != 3 || v[0].Control.ID != "C-9001" || v[0].Err == nil || v[1].Err != nil || !v[1].Failed() || v[2].Err != nil || !v[2].Failed() {
		t.Errorf("verdicts %+v", v)
	}
}
