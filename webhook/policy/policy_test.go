package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubescape.io/kubescape/library"
)

func load(t *testing.T) *library.Library {
	t.Helper()
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

func compile(t *testing.T, lib *library.Library, y string) (*Policy, error) {
	t.Helper()
	f, err := Parse([]byte(y))
	if err != nil {
		return nil, err
	}
	return Compile(lib, f, "kubescape")
}

func TestDefault(t *testing.T) {
	lib := load(t)
	p, err := Load(lib, "", "kubescape")
	if err != nil {
		t.Fatal(err)
	}
	admission := 0
	for _, c := range lib.Controls() {
		if c.Requires == "" && c.HasScope(library.ScopeAdmission) {
			admission++
			want := map[string]Action{"critical": Deny, "high": Deny, "medium": Warn, "low": Audit}[c.Severity]
			if got := p.Action(c.ID); got != want {
				t.Errorf("%s (%s): action %s, want %s", c.ID, c.Severity, got, want)
			}
		} else if p.Action(c.ID) != Off {
			t.Errorf("%s is not an admission control but has action %s", c.ID, p.Action(c.ID))
		}
	}
	if len(p.Controls()) != admission || admission == 0 {
		t.Errorf("%d controls, want the %d admission controls", len(p.Controls()), admission)
	}
	if p.ReviewAction() != Warn {
		t.Errorf("review action %s, want warn", p.ReviewAction())
	}
	for _, ns := range []string{"kube-system", "kubescape"} {
		if _, ok := p.ExemptNamespace(ns); !ok {
			t.Errorf("%s not exempt by default", ns)
		}
	}
	if _, ok := p.ExemptNamespace("default"); ok {
		t.Error("default exempt")
	}
	kinds := p.Kinds()
	for _, k := range []string{"Pod", "Deployment", "CronJob", "RoleBinding"} {
		found := false
		for _, x := range kinds {
			found = found || x == k
		}
		if !found {
			t.Errorf("kinds %v lack %s", kinds, k)
		}
	}
}

func TestRules(t *testing.T) {
	lib := load(t)
	p, err := compile(t, lib, `
apiVersion: kubescape.io/v1
kind: WebhookPolicy
frameworks: [nsa]
controls: [C-0078]
defaultAction: audit
reviewAction: audit
rules:
  - action: off
    controls: [c-0013]
  - action: deny
    controls: [C-0057]
  - action: warn
    frameworks: [nsa]
    severities: [critical]
`)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]Action{
		"C-0013": Off,   // first rule wins, IDs in any case
		"C-0057": Deny,  // by ID
		"C-0017": Warn,  // NSA control
		"C-0078": Audit, // named, not in NSA: the default action
		"C-0002": Off,   // not an admission control
	} {
		if got := p.Action(id); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	for _, c := range p.Controls() {
		if c.ID == "C-0013" {
			t.Error("an off control is evaluated")
		}
	}
	if p.ReviewAction() != Audit {
		t.Errorf("review action %s", p.ReviewAction())
	}
	if Deny.Weaker(Warn) != Warn || Audit.Weaker(Deny) != Audit {
		t.Error("Weaker")
	}
}

func TestExemptions(t *testing.T) {
	lib := load(t)
	p, err := compile(t, lib, `
exemptions:
  systemNamespaces: false
  namespaces: [team-*, monitoring]
  namespaceSelector: {matchLabels: {security: relaxed}}
  objectSelector: {matchExpressions: [{key: kubescape.io/exempt, operator: Exists}]}
`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ns       string
		nsLabels map[string]string
		labels   map[string]string
		want     string
	}{
		{"kube-system", nil, nil, ""},
		{"kubescape", nil, nil, ""},
		{"team-a", nil, nil, "matches the exempt pattern team-*"},
		{"monitoring", nil, nil, "namespace monitoring is exempt"},
		{"shop", map[string]string{"security": "relaxed"}, nil, "match exemptions.namespaceSelector"},
		{"shop", nil, map[string]string{"kubescape.io/exempt": ""}, "match exemptions.objectSelector"},
		{"shop", map[string]string{"security": "strict"}, map[string]string{"app": "x"}, ""},
	} {
		why, ok := p.Exempt(tc.ns, tc.nsLabels, tc.labels)
		if ok != (tc.want != "") || !strings.Contains(why, tc.want) {
			t.Errorf("%s %v %v: exempt %v %q, want %q", tc.ns, tc.nsLabels, tc.labels, ok, why, tc.want)
		}
	}
	for user, exempt := range map[string]bool{
		"system:node:worker-1": true, "system:serviceaccount:kube-system:job-controller": true,
		"system:kube-scheduler": true, "system:serviceaccount:shop:ci": false, "alice": false, "system:nodes": false,
	} {
		if _, ok := p.ExemptUser(user); ok != exempt {
			t.Errorf("user %s: exempt %v, want %v", user, ok, exempt)
		}
	}
	if off, err := compile(t, lib, "exemptions: {systemUsers: false}"); err != nil || off.ExemptSystemUsers() {
		t.Errorf("systemUsers: false: %v", err)
	} else if _, ok := off.ExemptUser("system:node:a"); ok {
		t.Error("node exempt with systemUsers: false")
	}
	if !p.NeedsNamespaceLabels() {
		t.Error("NeedsNamespaceLabels false with a namespaceSelector")
	}
}

func TestErrors(t *testing.T) {
	lib := load(t)
	for _, tc := range []struct{ policy, want string }{
		{"defaultAction: block", `defaultAction "block": want deny, warn, audit or off`},
		{"reviewAction: off", `reviewAction "off": want deny, warn or audit`},
		{"rules: [{action: deny, controls: [C-9999]}]", `rules[0]: unknown control "C-9999"`},
		{"rules: [{action: deny, frameworks: [nope]}]", `rules[0]: unknown framework "nope"`},
		{"rules: [{action: deny, severities: [urgent]}]", `rules[0]: severity "urgent"`},
		{"rules: [{action: maybe}]", `rules[0]: action "maybe"`},
		{"controls: [C-0002]", "cannot be decided at admission"},
		{"frameworks: [nope]", `unknown framework "nope"`},
		{"exemptions: {namespaces: ['Team_A']}", `exemptions.namespaces[0] "Team_A"`},
		{"exemptions: {namespaceSelector: {}}", "empty selector would exempt everything"},
		{"exemptions: {objectSelector: {matchExpressions: [{key: a, operator: Maybe}]}}", "exemptions.objectSelector"},
		{"defaultAction: off", "selects no control"},
		{"kind: Policy", `kind "Policy": want WebhookPolicy`},
		{"apiVersion: v2", `apiVersion "v2"`},
		{"rulez: []", `unknown field "rulez"`},
	} {
		_, err := compile(t, lib, tc.policy)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.policy, err, tc.want)
		}
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(file, []byte("defaultAction: block"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(lib, file, ""); err == nil || !strings.Contains(err.Error(), "policy file "+file+": defaultAction") {
		t.Errorf("Load error %v: want the file named", err)
	}
	if _, err := Load(lib, filepath.Join(dir, "missing.yaml"), ""); err == nil || !strings.Contains(err.Error(), "read policy") {
		t.Errorf("missing file: %v", err)
	}
}

// TestExamples compiles the example policies shipped in deploy/webhook.
func TestExamples(t *testing.T) {
	lib := load(t)
	files, err := filepath.Glob("../../deploy/webhook/policy-*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no example policies in deploy/webhook")
	}
	for _, f := range files {
		if _, err := Load(lib, f, "kubescape"); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
