package library_test

import (
	"bufio"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"kubescape.io/kubescape/internal/engine"
	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/library"
)

func load(t *testing.T) *library.Library {
	t.Helper()
	lib, err := library.Load()
	if err != nil {
		t.Fatalf("load library: %v", err)
	}
	return lib
}

// TestControlsComplete walks every control: metadata, fixtures, and strict Rego.
func TestControlsComplete(t *testing.T) {
	lib := load(t)
	for _, c := range lib.Controls() {
		t.Run(c.ID, func(t *testing.T) {
			if len(c.References) == 0 {
				t.Errorf("no references")
			}
			if len(c.Frameworks) == 0 {
				t.Errorf("in no framework")
			}
			if c.Requires != "" {
				return
			}
			cases, err := lib.Tests(c)
			if err != nil {
				t.Fatal(err)
			}
			var failed, passed bool
			used := map[string]bool{}
			for _, tc := range cases {
				used[tc.Fixture] = true
				switch tc.Status {
				case "failed":
					failed = true
					if len(tc.FailedPaths) == 0 && len(tc.ReviewPaths) == 0 && len(tc.FixPaths) == 0 {
						t.Errorf("case %q: a failing case must name its failed, review or fix paths", tc.Name)
					}
				case "passed":
					passed = true
				default:
					t.Errorf("case %q: status %q, want failed or passed", tc.Name, tc.Status)
				}
			}
			if !failed || !passed {
				t.Errorf("want at least one failing and one passing case (failing %v, passing %v)", failed, passed)
			}
			files, err := lib.FixtureFiles(c)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if !used[f] {
					t.Errorf("fixture %s is used by no case", f)
				}
			}
			modules := map[string]*ast.Module{}
			for name, src := range lib.LibModules() {
				modules[name] = ast.MustParseModuleWithOpts(src, ast.ParserOptions{RegoVersion: ast.RegoV1})
			}
			m, err := ast.ParseModuleWithOpts("rule.rego", c.Rego, ast.ParserOptions{RegoVersion: ast.RegoV1})
			if err != nil {
				t.Fatal(err)
			}
			modules["rule.rego"] = m
			comp := ast.NewCompiler().WithStrict(true)
			if comp.Compile(modules); comp.Failed() {
				t.Errorf("strict compile: %v", comp.Errors)
			}
		})
	}
}

// TestFixtures evaluates every test case of every control and checks the
// verdict and the paths.
func TestFixtures(t *testing.T) {
	lib := load(t)
	for _, c := range lib.Controls() {
		if c.Requires != "" {
			continue
		}
		cases, err := lib.Tests(c)
		if err != nil {
			t.Fatal(err)
		}
		// Compiling is most of a case's cost: cases with the default inputs
		// share one engine.
		var shared *engine.Engine
		for _, tc := range cases {
			t.Run(c.ID+"/"+tc.Name, func(t *testing.T) {
				e := shared
				if e == nil || len(tc.Inputs) > 0 {
					var err error
					if e, err = engine.New(lib, []*library.Control{c}, tc.Inputs); err != nil {
						t.Fatal(err)
					}
					if len(tc.Inputs) == 0 {
						shared = e
					}
				}
				var objs []*resource.Object
				var subject *resource.Object
				for _, content := range tc.Objects {
					o := &resource.Object{Content: content}
					objs = append(objs, o)
					if matches(o.Ref(), tc.Resource) {
						subject = o
					}
				}
				if subject == nil {
					t.Fatalf("resource %s is not in fixture %s", tc.Resource, tc.Fixture)
				}
				if !c.AppliesTo(subject.Ref().Kind) {
					t.Fatalf("the control does not evaluate kind %s", subject.Ref().Kind)
				}
				verdicts := e.NewSession(objs).Evaluate(t.Context(), subject)
				if len(verdicts) != 1 {
					t.Fatalf("got %d verdicts, want 1", len(verdicts))
				}
				v := verdicts[0]
				if v.Err != nil {
					t.Fatalf("evaluate: %v", v.Err)
				}
				status := "passed"
				if v.Failed() {
					status = "failed"
				}
				var failedPaths, reviewPaths []string
				fixes := map[library.FixPath]bool{}
				for _, f := range v.Findings {
					failedPaths = append(failedPaths, f.FailedPaths...)
					reviewPaths = append(reviewPaths, f.ReviewPaths...)
					for _, fx := range f.FixPaths {
						fixes[fx] = true
					}
				}
				if status != tc.Status {
					t.Fatalf("status %s, want %s (findings: %+v)", status, tc.Status, v.Findings)
				}
				if got, want := sorted(failedPaths), sorted(tc.FailedPaths); !slices.Equal(got, want) {
					t.Errorf("failed paths\n got %q\nwant %q", got, want)
				}
				if got, want := sorted(reviewPaths), sorted(tc.ReviewPaths); !slices.Equal(got, want) {
					t.Errorf("review paths\n got %q\nwant %q", got, want)
				}
				for _, fx := range tc.FixPaths {
					if !fixes[fx] {
						t.Errorf("missing fix path %+v; got %+v", fx, fixes)
					}
				}
			})
		}
	}
}

func matches(ref resource.Ref, want string) bool {
	parts := strings.Split(want, "/")
	switch len(parts) {
	case 2:
		return ref.Kind == parts[0] && ref.Name == parts[1]
	case 3:
		ns := ref.Namespace
		if ns == "" {
			ns = "default"
		}
		return ref.Kind == parts[0] && ns == parts[1] && ref.Name == parts[2]
	}
	return false
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return slices.Compact(out)
}

// TestAlignedWithReference checks IDs and names against the upstream reference
// list when it is beside the repository (../shared in CI and development).
func TestAlignedWithReference(t *testing.T) {
	f, err := os.Open("../../shared/reference-frameworks.tsv")
	if err != nil {
		t.Skipf("reference list not found: %v", err)
	}
	defer f.Close()
	names := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) > 2 && strings.HasPrefix(cols[0], "C-") {
			names[cols[0]] = cols[1]
		}
	}
	for _, c := range load(t).Controls() {
		want, ok := names[c.ID]
		if !ok {
			t.Errorf("%s is not in the reference list", c.ID)
			continue
		}
		if c.Name != want {
			t.Errorf("%s: name %q, reference name %q", c.ID, c.Name, want)
		}
	}
}

// TestRegistryRejectsDuplicates checks that a control or framework cannot be registered twice.
func TestRegistryRejectsDuplicates(t *testing.T) {
	lib := load(t)
	c, _ := lib.Control("C-0057")
	if err := lib.Register(c); err == nil {
		t.Error("registering C-0057 twice succeeded")
	}
	fw, _ := lib.Framework("nsa")
	if err := lib.RegisterFramework(fw); err == nil {
		t.Error("registering nsa twice succeeded")
	}
	if err := lib.RegisterFramework(&library.Framework{Name: "x", Controls: []string{"C-9999"}}); err == nil {
		t.Error("a framework with an unknown control was accepted")
	}
}

// TestAllControlsFramework checks that allcontrols lists every control, so
// that a new control folder cannot be forgotten there.
func TestAllControlsFramework(t *testing.T) {
	lib := load(t)
	fw, ok := lib.Framework("allcontrols")
	if !ok {
		t.Fatal("no allcontrols framework")
	}
	listed := map[string]bool{}
	for _, id := range fw.Controls {
		listed[id] = true
	}
	for _, c := range lib.Controls() {
		if !listed[c.ID] {
			t.Errorf("%s is missing from frameworks/allcontrols.yaml", c.ID)
		}
	}
}

// TestDefaultSet checks that a scan naming no framework runs every control
// decided from objects, and only those.
func TestDefaultSet(t *testing.T) {
	lib := load(t)
	got, err := lib.Select(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]bool{}
	for _, c := range got {
		in[c.ID] = true
		if c.Requires != "" {
			t.Errorf("%s (requires %s) is in the default set", c.ID, c.Requires)
		}
	}
	for _, c := range lib.Controls() {
		if c.Requires == "" && !in[c.ID] {
			t.Errorf("%s is decided from objects but not in the default set", c.ID)
		}
	}
	if len(got) == 0 {
		t.Error("empty default set")
	}
}

// TestFrameworksAlignedWithReference checks that each framework holds
// exactly the controls the reference list puts in it, under the same IDs.
func TestFrameworksAlignedWithReference(t *testing.T) {
	f, err := os.Open("../../shared/reference-frameworks.tsv")
	if err != nil {
		t.Skipf("reference list not found: %v", err)
	}
	defer f.Close()
	// The reference list's framework names, by our framework names.
	names := map[string]string{
		"nsa": "NSA", "mitre": "MITRE", "armobest": "ArmoBest", "devopsbest": "DevOpsBest",
		"workloadscan": "WorkloadScan", "clusterscan": "ClusterScan", "security": "security",
		"soc2": "SOC2", "cis-v1.12.0": "cis-v1.12.0",
	}
	want := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 6 || !strings.HasPrefix(cols[0], "C-") {
			continue
		}
		for _, fw := range strings.Fields(cols[5]) {
			want[fw] = append(want[fw], cols[0])
		}
	}
	lib := load(t)
	for ours, theirs := range names {
		fw, ok := lib.Framework(ours)
		if !ok {
			t.Errorf("framework %s is missing", ours)
			continue
		}
		got := append([]string(nil), fw.Controls...)
		exp := append([]string(nil), want[theirs]...)
		sort.Strings(got)
		sort.Strings(exp)
		if strings.Join(got, " ") != strings.Join(exp, " ") {
			t.Errorf("framework %s:\n got %v\nwant %v", ours, got, exp)
		}
	}
}

// TestRelatedWorkloadsReviewed guards the inventory's projection of
// workloads (engine.RelatedWorkloadFields): a control that reads workloads
// from the inventory must be reviewed to read no other field of them, and
// then listed here.
func TestRelatedWorkloadsReviewed(t *testing.T) {
	reviewed := map[string]bool{
		"C-0293": true, // pod template labels (Service selectors)
		"C-0299": true, // pod template labels (NetworkPolicy podSelector)
		"C-0300": true, // metadata.name (autoscaler targets)
	}
	workloadKinds := map[string]bool{"Pod": true, "Deployment": true, "ReplicaSet": true, "StatefulSet": true,
		"DaemonSet": true, "Job": true, "CronJob": true, "ReplicationController": true}
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range lib.Controls() {
		for _, k := range c.Related {
			if workloadKinds[k] && !reviewed[c.ID] {
				t.Errorf("%s reads %s objects from the inventory, which keeps only %s of them: check the rule reads no other field, then add it to the reviewed list",
					c.ID, k, engine.RelatedWorkloadFields)
				break
			}
		}
	}
}
