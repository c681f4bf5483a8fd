package exception

import (
	"strings"
	"testing"
	"time"

	"kubescape.io/kubescape/internal/resource"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

const file = `
apiVersion: kubescape.io/v1
kind: Exceptions
exceptions:
  - name: cni
    reason: the CNI needs host networking
    controls: [C-0041, c-0057]
    resources:
      - kind: DaemonSet
        name: "calico-.*"
        namespace: kube-system
  - name: by-label
    reason: legacy batch jobs, migrating
    frameworks: [NSA]
    expires: "2027-01-31"
    resources:
      - labels: {team: "batch|etl"}
  - name: old
    reason: was temporary
    expires: "2026-11-25"
    resources:
      - kind: ".*"
`

func TestMatch(t *testing.T) {
	s, err := Parse([]byte(file), "exceptions.yaml", now)
	if err != nil {
		t.Fatal(err)
	}
	calico := resource.Ref{Kind: "DaemonSet", Namespace: "kube-system", Name: "calico-node"}
	tests := []struct {
		name       string
		ref        resource.Ref
		labels     map[string]string
		control    string
		frameworks []string
		want       string
	}{
		{"control and regex name", calico, nil, "C-0041", nil, "cni"},
		{"control IDs are case-insensitive", calico, nil, "C-0057", nil, "cni"},
		{"other control", calico, nil, "C-0017", nil, ""},
		{"name regex is anchored", resource.Ref{Kind: "DaemonSet", Namespace: "kube-system", Name: "my-calico-node"}, nil, "C-0041", nil, ""},
		{"other namespace", resource.Ref{Kind: "DaemonSet", Namespace: "default", Name: "calico-node"}, nil, "C-0041", nil, ""},
		{"label regex and framework", resource.Ref{Kind: "Job", Name: "nightly"}, map[string]string{"team": "etl"}, "C-0017", []string{"nsa"}, "by-label"},
		{"label regex, control not in framework", resource.Ref{Kind: "Job", Name: "nightly"}, map[string]string{"team": "etl"}, "C-0017", []string{"mitre"}, ""},
		{"label value not matching", resource.Ref{Kind: "Job", Name: "nightly"}, map[string]string{"team": "web"}, "C-0017", []string{"nsa"}, ""},
		{"expired exception does not apply", resource.Ref{Kind: "Pod", Name: "x"}, nil, "C-0017", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex, ok := s.Match(tt.ref, tt.labels, tt.control, tt.frameworks)
			got := ""
			if ok {
				got = ex.Name
				if ex.Source != "exceptions.yaml" || ex.Reason == "" {
					t.Errorf("exception ref %+v: want source and reason", ex)
				}
			}
			if got != tt.want {
				t.Errorf("matched %q, want %q", got, tt.want)
			}
		})
	}
	expired := s.Expired()
	if len(expired) != 1 || expired[0].Name != "old" {
		t.Errorf("expired = %+v, want the exception 'old'", expired)
	}
}

func TestExpiryIsInclusiveOfTheDay(t *testing.T) {
	s, err := Parse([]byte(`exceptions: [{name: e, reason: r, expires: "2026-11-26", resources: [{kind: Pod}]}]`), "f", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Match(resource.Ref{Kind: "Pod"}, nil, "C-0001", nil); !ok {
		t.Error("an exception expiring today still applies today")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"no reason", `exceptions: [{name: a, resources: [{kind: Pod}]}]`, "exceptions[0] (a): reason is required"},
		{"no resources", `exceptions: [{name: a, reason: r}]`, "resources is required"},
		{"bad regex", `exceptions: [{name: a, reason: r, resources: [{kind: Pod}, {name: "a("}]}]`, "exceptions[0] (a): resources[1].name: invalid regular expression"},
		{"bad date", `exceptions: [{name: a, reason: r, expires: soon, resources: [{kind: Pod}]}]`, `expires "soon"`},
		{"unknown field", `exceptions: [{name: a, reason: r, resource: [{kind: Pod}]}]`, `unknown field "resource"`},
		{"wrong kind", `kind: Policy`, `kind "Policy": want Exceptions`},
		{"syntax", "exceptions:\n  - name: [", "line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.input), "f", now)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestFromAnnotations(t *testing.T) {
	ex, ok := FromAnnotations(map[string]string{"kubescape.io/skip.C-0057": "CNI plugin"}, "C-0057")
	if !ok || ex.Reason != "CNI plugin" || ex.Source != AnnotationSource {
		t.Errorf("skip annotation: %+v %v", ex, ok)
	}
	if _, ok := FromAnnotations(map[string]string{"kubescape.io/skip.C-0057": "x"}, "C-0017"); ok {
		t.Error("a skip annotation applied to another control")
	}
	if _, ok := FromAnnotations(map[string]string{"kubescape.io/ignore": "true"}, "C-0017"); !ok {
		t.Error("ignore annotation did not apply")
	}
	if _, ok := FromAnnotations(map[string]string{"kubescape.io/ignore": "false"}, "C-0017"); ok {
		t.Error(`ignore: "false" applied`)
	}
	var nilSet *Set
	if _, ok := nilSet.Match(resource.Ref{}, nil, "C-0001", nil); ok {
		t.Error("a nil set matched")
	}
}
