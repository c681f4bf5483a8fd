package vap

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"kubescape.io/kubescape/library"
)

// maxReported caps the disagreements printed per control; the rest are counted.
const maxReported = 15

// counts are the objects judged, by source.
type counts struct {
	controls                                  int
	fixtures, wrapped, variations, invalid    int
	withRelated                               int
	disagreements                             int
	maxCost                                   int64
	maxCostControl, maxCostCase, maxCostLabel string
}

// TestEquivalence proves each translated control's policy reaches the
// verdict of its Rego rule: on every object of the covered kinds in its
// fixtures, on each pod fixture wrapped in every covered pod controller, and
// on variations derived from them. The policy runs in k8s.io/apiserver's
// own ValidatingAdmissionPolicy validator.
func TestEquivalence(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := Load(lib)
	if err != nil {
		t.Fatal(err)
	}
	var total counts
	for _, tr := range ts {
		t.Run(tr.Control.ID, func(t *testing.T) {
			n := checkControl(t, lib, tr)
			total.controls++
			total.fixtures += n.fixtures
			total.wrapped += n.wrapped
			total.variations += n.variations
			total.invalid += n.invalid
			total.disagreements += n.disagreements
			if n.maxCost > total.maxCost {
				total.maxCost, total.maxCostControl, total.maxCostCase, total.maxCostLabel = n.maxCost, tr.Control.ID, n.maxCostCase, n.maxCostLabel
			}
			t.Logf("%s: %d fixture objects, %d wrapped, %d variations (%d invalid variations skipped), %d disagreements, max runtime cost %d",
				tr.Control.ID, n.fixtures, n.wrapped, n.variations, n.invalid, n.disagreements, n.maxCost)
			if tr.CEL.RelatedForContextOnly {
				t.Logf("%s: relatedForContextOnly: %d Rego verdicts with related objects (%s) equal to those without",
					tr.Control.ID, n.withRelated, strings.Join(tr.Control.Related, ", "))
			}
		})
	}
	t.Logf("equivalence: %d controls, %d cases: %d fixture objects, %d wrapped in pod controllers, %d variations (%d invalid variations skipped); %d disagreements; max runtime cost %d (%s, %s %s)",
		total.controls, total.fixtures+total.wrapped+total.variations, total.fixtures, total.wrapped, total.variations, total.invalid,
		total.disagreements, total.maxCost, total.maxCostControl, total.maxCostCase, total.maxCostLabel)
}

// checkControl judges every object of one control and reports its disagreements.
func checkControl(t *testing.T, lib *library.Library, tr *Translation) counts {
	n, problems := judgeControl(t, lib, tr)
	for i, p := range problems {
		if i == maxReported {
			t.Errorf("%s: %d more disagreements not shown", tr.Control.ID, len(problems)-maxReported)
			break
		}
		t.Error(p)
	}
	return n
}

// judgeControl judges every object of one control: its fixtures' objects of
// the covered kinds, each pod fixture wrapped in every covered pod
// controller, and their variations. It returns the counts and a
// description of every disagreement.
//
// For a control whose cel.yaml sets relatedForContextOnly, the Rego rule
// also judges every object with related objects: those of the case's
// fixture, those of every fixture of the control, and the objects of the
// related kinds in every fixture of the library; a verdict that differs
// from the one reached with none is a disagreement, and so is a control
// whose related kinds no fixture holds (nothing would prove the claim).
func judgeControl(tb testing.TB, lib *library.Library, tr *Translation) (counts, []string) {
	h := newHarness(tb, lib, tr)
	cases, err := lib.Tests(tr.Control)
	if err != nil {
		tb.Fatal(err)
	}
	var problems []string
	var every, everywhere *inventory
	if tr.CEL.RelatedForContextOnly {
		every = controlInventory(tr.Control, cases)
		everywhere = libraryInventory(tb, lib, tr.Control.Related)
		if len(everywhere.objects) == 0 {
			problems = append(problems, fmt.Sprintf("%s: relatedForContextOnly cannot be proven: no fixture of the library holds a related object (%s); add fixtures with them",
				tr.Control.ID, strings.Join(tr.Control.Related, ", ")))
		}
	}
	defaults := map[string]any{}
	for _, in := range tr.Control.Inputs {
		defaults[in.Name] = in.Default
	}
	var n counts
	seen := map[string]bool{}
	for _, tc := range cases {
		iv := collectInputs(slices.Collect(maps.Values(defaults)), slices.Collect(maps.Values(tc.Inputs)))
		inputsKey := canonical(tc.Inputs)
		var invs []*inventory
		if every != nil {
			invs = []*inventory{{label: "the objects of fixture " + tc.Fixture, objects: tc.Objects}, every, everywhere}
		}
		for _, obj := range tc.Objects {
			kind, _ := obj["kind"].(string)
			if !slices.Contains(tr.Kinds, kind) {
				continue
			}
			vs := []variant{{source: sourceFixture, label: "as written", content: obj}}
			if spec, meta, ok := podParts(obj); ok {
				md, _ := obj["metadata"].(map[string]any)
				name, _ := md["name"].(string)
				for _, k := range tr.Kinds {
					if k != kind && isWorkload(k) {
						vs = append(vs, variant{source: sourceWrapped, label: "wrapped in a " + k, content: wrap(k, name, spec, meta)})
					}
				}
			}
			vs = append(vs, variations(obj, iv)...)
			for _, v := range vs {
				key := inputsKey + canonical(v.content)
				if every != nil {
					key = tc.Fixture + "\x00" + key
				}
				if seen[key] {
					continue
				}
				seen[key] = true
				where := fmt.Sprintf("%s case %q (fixture %s): %s %s, %s", tr.Control.ID, tc.Name, tc.Fixture, v.source, describe(obj), v.label)
				o, err := h.judge(tb.Context(), tc.Inputs, v.content, v.source != sourceVariation, invs...)
				if err != nil {
					if v.source == sourceVariation {
						n.invalid++
						continue
					}
					problems = append(problems, fmt.Sprintf("%s: %v", where, err))
					continue
				}
				switch v.source {
				case sourceFixture:
					n.fixtures++
				case sourceWrapped:
					n.wrapped++
				default:
					n.variations++
				}
				n.withRelated += len(o.regoRelated)
				if o.cel.Cost > n.maxCost {
					n.maxCost, n.maxCostCase, n.maxCostLabel = o.cel.Cost, tc.Name, v.label
				}
				if msg := h.disagreement(o); msg != "" {
					problems = append(problems, fmt.Sprintf("%s: %s\n    object: %s", where, msg, canonical(v.content)))
				}
			}
		}
	}
	n.disagreements = len(problems)
	return n, problems
}

// controlInventory is the objects of every fixture of a control, each once.
func controlInventory(c *library.Control, cases []library.TestCase) *inventory {
	inv := &inventory{label: "the objects of every fixture of " + c.ID}
	seen := map[string]bool{}
	for _, tc := range cases {
		for _, o := range tc.Objects {
			if key := canonical(o); !seen[key] {
				seen[key] = true
				inv.objects = append(inv.objects, o)
			}
		}
	}
	return inv
}

// libraryInventory is the objects of the given kinds in every fixture of
// every control of the library, each once.
func libraryInventory(tb testing.TB, lib *library.Library, kinds []string) *inventory {
	inv := &inventory{label: "the " + strings.Join(kinds, ", ") + " objects of every fixture of the library"}
	seen := map[string]bool{}
	for _, c := range lib.Controls() {
		if c.Requires != "" {
			continue
		}
		cases, err := lib.Tests(c)
		if err != nil {
			tb.Fatal(err)
		}
		for _, tc := range cases {
			for _, o := range tc.Objects {
				kind, _ := o["kind"].(string)
				if !slices.Contains(kinds, kind) {
					continue
				}
				if key := canonical(o); !seen[key] {
					seen[key] = true
					inv.objects = append(inv.objects, o)
				}
			}
		}
	}
	return inv
}

// TestHarnessCatchesWrongCEL feeds the harness translations that are wrong
// in the ways translations tend to be, and checks that it finds each.
func TestHarnessCatchesWrongCEL(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	mutants := []struct {
		name, control string
		cel           CEL
	}{
		{
			name: "init and ephemeral containers ignored", control: "C-0057",
			cel: CEL{Validations: []Validation{{
				Expression: "!variables.podSpec.containers.exists(c, has(c.securityContext) && has(c.securityContext.privileged) && c.securityContext.privileged)" +
					" && !variables.containers.exists(c, has(c.securityContext) && has(c.securityContext.capabilities) && has(c.securityContext.capabilities.add) && c.securityContext.capabilities.add.exists(a, a.upperAscii() in ['SYS_ADMIN', 'CAP_SYS_ADMIN']))",
				Message: "C-0057 wrong",
			}}},
		},
		{
			name: "capability names compared case-sensitively", control: "C-0057",
			cel: CEL{Validations: []Validation{{
				Expression: "!variables.containers.exists(c, has(c.securityContext) && ((has(c.securityContext.privileged) && c.securityContext.privileged) || (has(c.securityContext.capabilities) && has(c.securityContext.capabilities.add) && c.securityContext.capabilities.add.exists(a, a in ['SYS_ADMIN', 'CAP_SYS_ADMIN']))))",
				Message:    "C-0057 wrong",
			}}},
		},
		{
			name: "pod-level securityContext ignored", control: "C-0013",
			cel: CEL{Validations: []Validation{{
				Expression: "variables.containers.all(c, has(c.securityContext) && ((has(c.securityContext.runAsNonRoot) && c.securityContext.runAsNonRoot) || (has(c.securityContext.runAsUser) && c.securityContext.runAsUser > 0)) && !(has(c.securityContext.runAsGroup) && c.securityContext.runAsGroup == 0))",
				Message:    "C-0013 wrong",
			}}},
		},
		{
			name: "input hard-coded and the CAP_ prefix not stripped", control: "C-0046",
			cel: CEL{Validations: []Validation{{
				Expression: "!variables.containers.exists(c, has(c.securityContext) && has(c.securityContext.capabilities) && has(c.securityContext.capabilities.add) && c.securityContext.capabilities.add.exists(a, a.upperAscii() in ['ALL', 'SYS_ADMIN', 'NET_ADMIN']))",
				Message:    "C-0046 wrong",
			}}},
		},
		{
			name: "message without the control ID", control: "C-0041",
			cel: CEL{Validations: []Validation{{
				Expression:        "!(has(variables.podSpec.hostNetwork) && variables.podSpec.hostNetwork)",
				MessageExpression: "'hostNetwork is true'",
				Message:           "C-0041 wrong",
			}}},
		},
		{
			name: "message expression that fails", control: "C-0041",
			cel: CEL{Validations: []Validation{{
				Expression:        "!(has(variables.podSpec.hostNetwork) && variables.podSpec.hostNetwork)",
				MessageExpression: "'C-0041 ' + variables.podSpec.nodeName",
				Message:           "C-0041 wrong",
			}}},
		},
	}
	for _, m := range mutants {
		t.Run(m.name, func(t *testing.T) {
			c, ok := lib.Control(m.control)
			if !ok {
				t.Fatalf("no control %s", m.control)
			}
			tr, err := newTranslation(c, m.cel)
			if err != nil {
				t.Fatal(err)
			}
			n, problems := judgeControl(t, lib, tr)
			if len(problems) == 0 {
				t.Fatalf("the harness found no disagreement in %d objects", n.fixtures+n.wrapped+n.variations)
			}
			t.Logf("%d disagreements, e.g. %s", len(problems), problems[0])
		})
	}
}

// TestHarnessCatchesRelatedVerdict gives the harness a control whose Rego
// verdict depends on its related objects (C-0265 reads the bound role's
// rules), with a cel.yaml that claims relatedForContextOnly, and checks that
// the harness refutes the claim.
func TestHarnessCatchesRelatedVerdict(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	orig, ok := lib.Control("C-0265")
	if !ok {
		t.Fatal("no control C-0265")
	}
	c := *orig
	c.Scope = append(slices.Clone(orig.Scope), library.ScopeAdmission)
	tr, err := newTranslation(&c, CEL{
		RelatedForContextOnly: true,
		Validations: []Validation{{
			Expression: "!has(object.subjects) || !object.subjects.exists(s, s.kind == 'Group' && s.name == 'system:authenticated')",
			Message:    "C-0265 wrong",
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	n, problems := judgeControl(t, lib, tr)
	if n.withRelated == 0 {
		t.Fatal("no Rego verdict was reached with related objects")
	}
	for _, p := range problems {
		if strings.Contains(p, "depends on the related objects") {
			t.Logf("%d disagreements, e.g. %s", len(problems), p)
			return
		}
	}
	t.Fatalf("the harness did not find that the verdict depends on the related objects (%d other disagreements)", len(problems))
}
