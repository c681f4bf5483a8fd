package v1beta1

import (
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestSelectableFieldsCoverEveryKind(t *testing.T) {
	scheme := newScheme(t)
	for _, obj := range KnownTypes() {
		kind := kindOf(obj)
		if strings.HasSuffix(kind, "List") {
			if _, ok := SelectableFields(obj); ok {
				t.Errorf("%s: a list has selectable fields", kind)
			}
			continue
		}
		set, ok := SelectableFields(obj)
		if !ok {
			t.Errorf("%s: no selectable fields", kind)
			continue
		}
		labels, ok := SelectableFieldLabels(kind)
		if !ok {
			t.Errorf("%s: no field labels", kind)
		}
		for _, required := range []string{"metadata.name", "metadata.namespace"} {
			if !slices.Contains(labels, required) {
				t.Errorf("%s: %s is not selectable", kind, required)
			}
		}
		// The scheme accepts exactly the labels SelectableFields gives.
		for label := range set {
			if _, _, err := scheme.ConvertFieldLabel(SchemeGroupVersion.WithKind(kind), label, "x"); err != nil {
				t.Errorf("%s: the scheme refuses %s: %v", kind, label, err)
			}
		}
		if len(set) != len(labels) {
			t.Errorf("%s: SelectableFields gives %d fields, SelectableFieldLabels %d", kind, len(set), len(labels))
		}
		_, _, err := scheme.ConvertFieldLabel(SchemeGroupVersion.WithKind(kind), "spec.nothing", "x")
		if err == nil || !strings.Contains(err.Error(), "metadata.name") {
			t.Errorf("%s: an unknown field label is not refused with the supported list: %v", kind, err)
		}
	}
	if _, ok := SelectableFields(&metav1.Status{}); ok {
		t.Error("an object of another group has selectable fields")
	}
}

func TestSelectableFieldValues(t *testing.T) {
	w := &WorkloadReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "cart"}
	tests := []struct {
		obj  runtime.Object
		want fields.Set
	}{
		{
			obj: &RuntimeAlert{
				ObjectMeta: metav1.ObjectMeta{Name: "a1", Namespace: "shop"},
				Spec: RuntimeAlertSpec{RuleID: "R0001", Severity: SeverityHigh, NodeName: "node-1", PodName: "cart-1",
					ContainerName: "cart", Workload: w},
				Status: RuntimeAlertStatus{Acknowledged: true},
			},
			want: fields.Set{
				"metadata.name": "a1", "metadata.namespace": "shop",
				FieldRuleID: "R0001", FieldSeverity: "high", FieldNodeName: "node-1", FieldPodName: "cart-1",
				FieldContainerName: "cart", FieldAcknowledged: "true",
				FieldWorkloadKind: "Deployment", FieldWorkloadName: "cart", FieldWorkloadNamespace: "shop",
			},
		},
		{
			obj: &RuntimeAlert{ObjectMeta: metav1.ObjectMeta{Name: "a2", Namespace: "shop"}, Spec: RuntimeAlertSpec{RuleID: "R0002"}},
			want: fields.Set{
				"metadata.name": "a2", "metadata.namespace": "shop",
				FieldRuleID: "R0002", FieldSeverity: "", FieldNodeName: "", FieldPodName: "", FieldContainerName: "",
				FieldAcknowledged: "false", FieldWorkloadKind: "", FieldWorkloadName: "", FieldWorkloadNamespace: "",
			},
		},
		{
			obj: &VulnerabilityManifest{ObjectMeta: metav1.ObjectMeta{Name: "m", Namespace: "shop"},
				Spec: VulnerabilityManifestSpec{ImageDigest: "sha256:ab", WithRelevancy: true, Workload: w, Container: "cart"}},
			want: fields.Set{
				"metadata.name": "m", "metadata.namespace": "shop",
				FieldImageDigest: "sha256:ab", FieldWithRelevancy: "true", FieldContainer: "cart",
				FieldWorkloadKind: "Deployment", FieldWorkloadName: "cart", FieldWorkloadNamespace: "shop",
			},
		},
		{
			obj: &WorkloadConfigurationScanSummary{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "kubescape"},
				Spec: WorkloadConfigurationScanSummarySpec{Resource: WorkloadReference{Kind: "ClusterRole", Name: "admin"}}},
			want: fields.Set{
				"metadata.name": "s", "metadata.namespace": "kubescape",
				FieldResourceKind: "ClusterRole", FieldResourceName: "admin", FieldResourceNamespace: "",
			},
		},
		{
			obj:  &KnownServer{ObjectMeta: metav1.ObjectMeta{Name: "github"}},
			want: fields.Set{"metadata.name": "github", "metadata.namespace": ""},
		},
		{
			obj: &ApplicationProfile{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "shop"},
				Spec: ApplicationProfileSpec{Workload: *w}, Status: ProfileStatus{Phase: ProfilePhaseReady}},
			want: fields.Set{
				"metadata.name": "p", "metadata.namespace": "shop", FieldStatusPhase: "Ready",
				FieldWorkloadKind: "Deployment", FieldWorkloadName: "cart", FieldWorkloadNamespace: "shop",
			},
		},
	}
	for _, tc := range tests {
		got, ok := SelectableFields(tc.obj)
		if !ok {
			t.Fatalf("%T: no fields", tc.obj)
		}
		if len(got) != len(tc.want) {
			t.Errorf("%T: fields %v, want %v", tc.obj, got, tc.want)
		}
		for k, v := range tc.want {
			if gv, has := got[k]; !has || gv != v {
				t.Errorf("%T: %s = %q (present %v), want %q", tc.obj, k, gv, has, v)
			}
		}
		// The set works with a parsed field selector, as the server uses it.
		sel := fields.ParseSelectorOrDie("metadata.name=" + got["metadata.name"])
		if !sel.Matches(got) {
			t.Errorf("%T: selector %s does not match %v", tc.obj, sel, got)
		}
	}
}
