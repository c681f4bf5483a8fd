package result

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"kubescape.io/kubescape/internal/resource"
)

func sampleResults() []ControlResult {
	return []ControlResult{
		{ControlID: "C-0013", Status: StatusSkipped, Reason: "evaluation error: boom", Findings: []Finding{}},
		{ControlID: "C-0057", Status: StatusFailed, Findings: []Finding{
			{
				Message:     `container "app" of Deployment web-1 is privileged; web-1 again`,
				FailedPaths: []Location{{Path: "spec.template.spec.containers[0].securityContext.privileged", Line: 12, Column: 9}},
				FixPaths:    []Fix{{Location: Location{Path: "spec.x", Line: 3}, Value: "false"}},
			},
			{
				Message:     "holds a NUL \x00 and the name web-1",
				ReviewPaths: []Location{{Path: "metadata.name"}, {Path: "spec.replicas", Line: 1 << 20, Column: 300}},
				Related:     []resource.Ref{{APIVersion: "v1", Kind: "ServiceAccount", Namespace: "ns", Name: "web-1"}},
			},
		}},
		{ControlID: "C-0078", Status: StatusExcepted, Reason: "vendor", Exception: &ExceptionRef{Name: "ex", Reason: "vendor", Expires: "2027-01-01", Source: "exceptions.yaml"},
			Findings: []Finding{{Message: "no name here"}}},
	}
}

func TestResultsRoundTrip(t *testing.T) {
	tab := NewTable()
	ref := resource.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "web-1"}
	want := sampleResults()
	r := NewResource(tab, ref, resource.Origin{Kind: resource.OriginFile, Path: "a.yaml"}, []string{"C-0001"}, want)
	if got := r.Results(); !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, want)
	}
	var ids []string
	var sts []Status
	r.EachStatus(func(id string, s Status) { ids, sts = append(ids, id), append(sts, s) })
	if !reflect.DeepEqual(ids, []string{"C-0013", "C-0057", "C-0078"}) || !reflect.DeepEqual(sts, []Status{StatusSkipped, StatusFailed, StatusExcepted}) {
		t.Errorf("EachStatus: %v %v", ids, sts)
	}
	// A second resource of another name shares the template of the first
	// message, and reads back its own name.
	other := NewResource(tab, resource.Ref{Kind: "Deployment", Name: "api"}, resource.Origin{}, nil, []ControlResult{{ControlID: "C-0057", Status: StatusFailed,
		Findings: []Finding{{Message: `container "app" of Deployment api is privileged; api again`}}}})
	n := tab.Len()
	if got := other.Results()[0].Findings[0].Message; got != `container "app" of Deployment api is privileged; api again` {
		t.Errorf("message of the second resource: %q", got)
	}
	third := NewResource(tab, resource.Ref{Kind: "Deployment", Name: "db"}, resource.Origin{}, nil, []ControlResult{{ControlID: "C-0057", Status: StatusFailed,
		Findings: []Finding{{Message: `container "app" of Deployment db is privileged; db again`}}}})
	if tab.Len() != n {
		t.Errorf("a message that differs only by the resource name added %d strings to the table", tab.Len()-n)
	}
	if third.Results()[0].Findings[0].Message != `container "app" of Deployment db is privileged; db again` {
		t.Errorf("third: %q", third.Results()[0].Findings[0].Message)
	}
	if (Resource{}).Results() != nil || len(NewResource(nil, ref, resource.Origin{}, nil, nil).Results()) != 0 {
		t.Error("a resource without results decodes to some")
	}
}

func TestResultsRedacted(t *testing.T) {
	tab := NewTable()
	r := NewResource(tab, resource.Ref{Name: "web-1"}, resource.Origin{}, nil, []ControlResult{{ControlID: "C-0012", Status: StatusFailed, Reason: "s3cr3t",
		Findings: []Finding{{Message: "env TOKEN of web-1 is s3cr3t", FixPaths: []Fix{{Value: "s3cr3t"}}}}}})
	// The secret spans the name: masking must see the message whole.
	r2 := NewResource(tab, resource.Ref{Name: "s3"}, resource.Origin{}, nil, []ControlResult{{ControlID: "C-0012", Status: StatusFailed,
		Findings: []Finding{{Message: "value s3cr3t"}}}})
	tab.SetRedactor(func(s string) string { return strings.ReplaceAll(s, "s3cr3t", "***") })
	for _, res := range []Resource{r, r2} {
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "s3cr3t") {
			t.Errorf("secret in %s", b)
		}
	}
}

func TestResourceJSON(t *testing.T) {
	ref := resource.Ref{APIVersion: "v1", Kind: "Pod", Namespace: "ns", Name: "p <&>"}
	r := NewResource(nil, ref, resource.Origin{Kind: resource.OriginFile, Path: "p.yaml", Line: 2}, nil, sampleResults())
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !strings.Contains(string(b), `"passed":[]`) || !strings.Contains(string(b), `"name":"p <&>"`) {
		t.Errorf("JSON %s: want passed as an array and HTML left alone", b)
	}
	var back Resource
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Ref != ref || !reflect.DeepEqual(back.Results(), sampleResults()) {
		t.Errorf("JSON round trip: %+v %+v", back.Ref, back.Results())
	}
}

// TestResultsRandom round-trips random results: names that occur in
// messages, marks, empty and repeated strings.
func TestResultsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"", "a", "web", "web-1", "\x00", "ü", "spec.x", "web-1web-1", "C-0001"}
	word := func() string {
		var b strings.Builder
		for range rng.IntN(4) {
			b.WriteString(words[rng.IntN(len(words))])
		}
		return b.String()
	}
	tab := NewTable()
	for range 500 {
		name := words[rng.IntN(len(words))]
		var results []ControlResult
		for range rng.IntN(4) {
			cr := ControlResult{ControlID: word(), Status: statuses[rng.IntN(len(statuses))], Reason: word(), Findings: []Finding{}}
			if rng.IntN(3) == 0 {
				cr.Exception = &ExceptionRef{Name: word(), Reason: word(), Expires: word(), Source: word()}
			}
			for range rng.IntN(3) {
				f := Finding{Message: word()}
				for range rng.IntN(3) {
					f.FailedPaths = append(f.FailedPaths, Location{Path: word(), Line: rng.IntN(1000), Column: rng.IntN(80)})
				}
				for range rng.IntN(2) {
					f.FixPaths = append(f.FixPaths, Fix{Location: Location{Path: word()}, Value: word()})
				}
				for range rng.IntN(2) {
					f.Related = append(f.Related, resource.Ref{Kind: word(), Name: word()})
				}
				cr.Findings = append(cr.Findings, f)
			}
			results = append(results, cr)
		}
		r := NewResource(tab, resource.Ref{Name: name}, resource.Origin{}, nil, results)
		if got := r.Results(); !reflect.DeepEqual(got, results) {
			t.Fatalf("name %q:\n got %#v\nwant %#v", name, got, results)
		}
	}
}
