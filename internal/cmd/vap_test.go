package cmd

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// vapDocs splits the YAML output of vap generate into objects.
func vapDocs(t *testing.T, out string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	for _, doc := range strings.Split(out, "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatalf("decode %q: %v", doc, err)
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
	return objs
}

func policyOf(t *testing.T, u *unstructured.Unstructured) *admissionregistrationv1.ValidatingAdmissionPolicy {
	t.Helper()
	var p admissionregistrationv1.ValidatingAdmissionPolicy
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func bindingOf(t *testing.T, u *unstructured.Unstructured) *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	t.Helper()
	var b admissionregistrationv1.ValidatingAdmissionPolicyBinding
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &b); err != nil {
		t.Fatal(err)
	}
	return &b
}

func TestVAPGenerateOneControl(t *testing.T) {
	out, errOut, code := run(t, "", "vap", "generate", "--controls", "c-0057")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	objs := vapDocs(t, out)
	if len(objs) != 2 || objs[0].GetKind() != "ValidatingAdmissionPolicy" || objs[1].GetKind() != "ValidatingAdmissionPolicyBinding" {
		t.Fatalf("want a policy then its binding, got %d objects:\n%s", len(objs), out)
	}
	p := policyOf(t, objs[0])
	if p.Name != "kubescape-c-0057" || *p.Spec.FailurePolicy != admissionregistrationv1.Fail || p.Spec.ParamKind != nil {
		t.Errorf("policy %s: failurePolicy %v, paramKind %v", p.Name, *p.Spec.FailurePolicy, p.Spec.ParamKind)
	}
	var resources []string
	for _, r := range p.Spec.MatchConstraints.ResourceRules {
		if !slices.Equal(r.Operations, []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}) {
			t.Errorf("operations %v, want CREATE and UPDATE", r.Operations)
		}
		for _, res := range r.Resources {
			resources = append(resources, r.APIGroups[0]+"/"+r.APIVersions[0]+"/"+res)
		}
	}
	slices.Sort(resources)
	want := []string{
		"/v1/pods", "/v1/pods/ephemeralcontainers", "/v1/replicationcontrollers",
		"apps/v1/daemonsets", "apps/v1/deployments", "apps/v1/replicasets", "apps/v1/statefulsets",
		"batch/v1/cronjobs", "batch/v1/jobs",
	}
	if !slices.Equal(resources, want) {
		t.Errorf("resources\n got %v\nwant %v", resources, want)
	}
	names := []string{}
	for _, v := range p.Spec.Variables {
		names = append(names, v.Name)
	}
	if !slices.Equal(names[:4], []string{"podSpec", "podMeta", "specPath", "containers"}) {
		t.Errorf("variables %v: want the standard ones first", names)
	}
	b := bindingOf(t, objs[1])
	if b.Spec.PolicyName != p.Name || !slices.Equal(b.Spec.ValidationActions, []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}) {
		t.Errorf("binding: policy %s, actions %v", b.Spec.PolicyName, b.Spec.ValidationActions)
	}
	sel := b.Spec.MatchResources.NamespaceSelector
	if len(sel.MatchExpressions) != 1 || sel.MatchExpressions[0].Key != "kubernetes.io/metadata.name" || !slices.Equal(sel.MatchExpressions[0].Values, []string{"kube-system"}) {
		t.Errorf("namespace selector %+v: want kube-system excluded", sel)
	}
}

func TestVAPGenerateParamsJSON(t *testing.T) {
	out, errOut, code := run(t, "", "vap", "generate", "--controls", "C-0046", "--action", "warn,audit",
		"--namespace-selector", "env in (prod),team!=infra", "--exclude-namespaces", "", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var list struct {
		Kind  string           `json:"kind"`
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("decode: %v\n%s", err, out)
	}
	var kinds []string
	for _, it := range list.Items {
		kinds = append(kinds, it["kind"].(string))
	}
	if list.Kind != "List" || !slices.Equal(kinds, []string{"CustomResourceDefinition", "ControlConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}) {
		t.Fatalf("kinds %v, want the CRD, the params, the policy and the binding", kinds)
	}
	params := &unstructured.Unstructured{Object: list.Items[1]}
	caps, _, _ := unstructured.NestedStringSlice(params.Object, "spec", "insecureCapabilities")
	if params.GetName() != "default" || !slices.Contains(caps, "SYS_ADMIN") {
		t.Errorf("params %s: insecureCapabilities %v", params.GetName(), caps)
	}
	p := policyOf(t, &unstructured.Unstructured{Object: list.Items[2]})
	if p.Spec.ParamKind == nil || p.Spec.ParamKind.Kind != "ControlConfiguration" || p.Spec.ParamKind.APIVersion != "policy.kubescape.io/v1alpha1" {
		t.Errorf("paramKind %+v", p.Spec.ParamKind)
	}
	b := bindingOf(t, &unstructured.Unstructured{Object: list.Items[3]})
	if !slices.Equal(b.Spec.ValidationActions, []admissionregistrationv1.ValidationAction{admissionregistrationv1.Warn, admissionregistrationv1.Audit}) {
		t.Errorf("actions %v, want Warn and Audit", b.Spec.ValidationActions)
	}
	if b.Spec.ParamRef == nil || b.Spec.ParamRef.Name != "default" || *b.Spec.ParamRef.ParameterNotFoundAction != admissionregistrationv1.DenyAction {
		t.Errorf("paramRef %+v", b.Spec.ParamRef)
	}
	sel := b.Spec.MatchResources.NamespaceSelector
	if len(sel.MatchExpressions) != 2 {
		t.Errorf("namespace selector %+v: want env in (prod) and team!=infra, and no exclusion", sel)
	}
}

func TestVAPGenerateFramework(t *testing.T) {
	out, errOut, code := run(t, "", "vap", "generate", "--framework", "nsa")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, u := range vapDocs(t, out) {
		if u.GetKind() != "ValidatingAdmissionPolicy" {
			continue
		}
		id := u.GetLabels()["policy.kubescape.io/control"]
		if id == "" || !strings.HasSuffix(u.GetName(), strings.ToLower(id)) {
			t.Errorf("policy %s labelled %q", u.GetName(), id)
		}
	}
}

func TestVAPGenerateErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"not translatable", []string{"--controls", "C-0035"}, "cannot be enforced by a ValidatingAdmissionPolicy"},
		{"unknown control", []string{"--controls", "C-9999"}, "unknown control"},
		{"deny and warn", []string{"--action", "Deny,Warn"}, "Deny and Warn"},
		{"unknown action", []string{"--action", "Block"}, `action "Block"`},
		{"bad selector", []string{"--namespace-selector", "a b c"}, "--namespace-selector"},
		{"both selections", []string{"--controls", "C-0057", "--framework", "nsa"}, "exclude each other"},
		{"output", []string{"-o", "xml"}, "--output"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := run(t, "", append([]string{"vap", "generate"}, tc.args...)...)
			if code != ExitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, ExitUsage, tc.want)
			}
		})
	}
}

func TestVAPList(t *testing.T) {
	out, errOut, code := run(t, "", "vap", "list")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"C-0057  translated", "admission-capable controls translated"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	out, _, code = run(t, "", "vap", "list", "-o", "json")
	var list []vapStatusInfo
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != ExitOK {
		t.Fatalf("exit %d, decode: %v", code, err)
	}
	states := map[string]string{}
	for _, s := range list {
		states[s.ID] = s.State
		if s.State != "translated" && s.Reason == "" {
			t.Errorf("%s %s without a reason", s.ID, s.State)
		}
	}
	if states["C-0057"] != "translated" || states["C-0035"] != "not admission" {
		t.Errorf("C-0057 %q, C-0035 %q", states["C-0057"], states["C-0035"])
	}
}

func TestVAPApplyWithoutCluster(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing-kubeconfig")
	_, errOut, code := run(t, "", "vap", "apply", "--controls", "C-0057", "--kubeconfig", missing)
	if code == ExitOK || !strings.Contains(errOut, "missing-kubeconfig") {
		t.Errorf("exit %d, stderr %q: want a failure naming the kubeconfig", code, errOut)
	}
}
