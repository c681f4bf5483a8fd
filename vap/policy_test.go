package vap

import (
	"fmt"
	"testing"

	"kubescape.io/kubescape/library"
)

// TestNodeRulesCreateOnly checks that a control covering Nodes and Pods
// matches Pods on CREATE and UPDATE but Nodes on CREATE only.
func TestNodeRulesCreateOnly(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	c, ok := lib.Control("C-0058")
	if !ok {
		t.Fatal("no C-0058")
	}
	tr, err := LoadControl(lib, c)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPolicy(tr)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range p.Spec.MatchConstraints.ResourceRules {
		for _, res := range r.Resources {
			got[res] = fmt.Sprint(r.Operations)
		}
	}
	if got["nodes"] != "[CREATE]" || got["pods"] != "[CREATE UPDATE]" || got["deployments"] != "[CREATE UPDATE]" {
		t.Errorf("operations by resource: %v", got)
	}
}
