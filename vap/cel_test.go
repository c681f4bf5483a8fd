package vap

import (
	"strings"
	"testing"
	"testing/fstest"

	"kubescape.io/kubescape/library"
)

// miniLibrary is a library of one control, C-0057, with the given scope,
// extra control.yaml lines and cel.yaml.
func miniLibrary(t *testing.T, scope, extra, celYAML string) (*library.Library, *library.Control) {
	t.Helper()
	fsys := fstest.MapFS{
		"controls/C-0057/control.yaml": {Data: []byte(`id: C-0057
name: Privileged container
description: d
remediation: r
severity: high
baseScore: 8
scope: [` + scope + `]
kinds: [Pod, Deployment]
` + extra)},
		"controls/C-0057/rule.rego": {Data: []byte("package kubescape.controls.c0057\n\ndeny contains {} if false\n")},
		"frameworks/all.yaml":       {Data: []byte("name: all\ntitle: All\ndescription: d\ncontrols: [C-0057]\n")},
		"lib/k8s.rego":              {Data: []byte("package kubescape.lib.k8s\n")},
	}
	if celYAML != "" {
		fsys["controls/C-0057/cel.yaml"] = &fstest.MapFile{Data: []byte(celYAML)}
	}
	lib, err := library.LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := lib.Control("C-0057")
	return lib, c
}

func TestLoadControl(t *testing.T) {
	const valid = "validations:\n  - expression: \"true\"\n    message: \"C-0057 m\"\n"
	const related = "related: [ServiceAccount]\n"
	for _, tc := range []struct {
		name, scope, extra, cel, want string
	}{
		{"absent", "file, admission", "", "", ""},
		{"valid", "file, admission", "", valid, ""},
		{"unknown field", "file, admission", "", valid + "extra: 1\n", `library/controls/C-0057/cel.yaml: error unmarshaling JSON: while decoding JSON: json: unknown field "extra"`},
		{"no admission scope", "file, cluster", "", valid, "no admission scope"},
		{"kind not the control's", "admission", "", "kinds: [Service]\n" + valid, "kinds: Service is not one of the control's kinds"},
		{"left-out kind without a reason", "admission", "", "kinds: [Pod]\n" + valid, "uncovered: say why"},
		{"standard variable redefined", "admission", "", "variables:\n  - name: podSpec\n    expression: object.spec\n" + valid, `"podSpec": a standard variable has that name`},
		{"message without the ID", "admission", "", "validations:\n  - expression: \"true\"\n    message: m\n", "must name the control (C-0057)"},
		{"no validations", "admission", "", "variables: []\nvalidations: []\n", "validations is empty"},
		{"related kinds", "admission", related, valid, "set relatedForContextOnly: true"},
		{"related kinds only named in findings", "admission", related, "relatedForContextOnly: true\n" + valid, ""},
		{"relatedForContextOnly without related kinds", "admission", "", "relatedForContextOnly: true\n" + valid, "the control has no related kinds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lib, c := miniLibrary(t, tc.scope, tc.extra, tc.cel)
			tr, err := LoadControl(lib, c)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			case tc.want == "" && (tc.cel == "") != (tr == nil):
				t.Fatalf("translation %v for cel.yaml %q", tr, tc.cel)
			}
		})
	}
}

func TestStandardVariables(t *testing.T) {
	for _, tc := range []struct {
		kinds []string
		spec  string
	}{
		{[]string{"Pod"}, "object.spec"},
		{[]string{"Deployment", "StatefulSet"}, "object.spec.template.spec"},
		{[]string{"CronJob"}, "object.spec.jobTemplate.spec.template.spec"},
		{[]string{"Pod", "CronJob"}, "request.kind.kind == 'Pod' ? dyn(object).spec : dyn(object).spec.jobTemplate.spec.template.spec"},
		{[]string{"Pod", "ServiceAccount"}, "request.kind.kind == 'Pod' ? dyn(object).spec : dyn({})"},
	} {
		vars := standardVariables(tc.kinds)
		if vars[0].Name != VarPodSpec || vars[0].Expression != tc.spec {
			t.Errorf("%v: podSpec %q, want %q", tc.kinds, vars[0].Expression, tc.spec)
		}
	}
}

// TestParamsOfRelatedForContextOnly checks that the params hold the inputs
// of a control with related kinds once its cel.yaml declares that it reads
// them only to name them in findings, and not before.
func TestParamsOfRelatedForContextOnly(t *testing.T) {
	const extra = "related: [ServiceAccount]\ninputs:\n  - name: allowedNames\n    description: d\n    default: [a]\n"
	const valid = "validations:\n  - expression: \"true\"\n    message: \"C-0057 m\"\n"
	for _, tc := range []struct {
		name, cel string
		want      bool
	}{
		{"no cel.yaml", "", false},
		{"related kinds read for the verdict", valid, false},
		{"related kinds only named in findings", "relatedForContextOnly: true\n" + valid, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lib, _ := miniLibrary(t, "file, admission", extra, tc.cel)
			_, got := ParamsDefaults(lib)["allowedNames"]
			if got != tc.want {
				t.Fatalf("params hold allowedNames: %v, want %v", got, tc.want)
			}
		})
	}
}
