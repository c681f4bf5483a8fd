package inventory

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestResourcesByKind(t *testing.T) {
	rw := metav1.Verbs{"get", "list", "watch"}
	lists := []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "pods", Kind: "Pod", Verbs: rw},
			{Name: "pods/status", Kind: "Pod", Verbs: rw},
			{Name: "bindings", Kind: "Binding", Verbs: metav1.Verbs{"create"}},
			{Name: "events", Kind: "Event", Verbs: rw},
		}},
		{GroupVersion: "events.k8s.io/v1", APIResources: []metav1.APIResource{{Name: "events", Kind: "Event", Verbs: rw}}},
		{GroupVersion: "rbac.authorization.k8s.io/v1", APIResources: []metav1.APIResource{{Name: "roles", Kind: "Role", Verbs: rw}}},
		{GroupVersion: "b.example.com/v1", APIResources: []metav1.APIResource{{Name: "widgets", Kind: "Widget", Verbs: rw}}},
		{GroupVersion: "a.example.com/v1", APIResources: []metav1.APIResource{{Name: "widgets", Kind: "Widget", Verbs: rw}}},
		{GroupVersion: "not a group/version/x", APIResources: []metav1.APIResource{{Name: "x", Kind: "X", Verbs: rw}}},
	}
	got := ResourcesByKind(lists)
	want := map[string]schema.GroupVersionResource{
		"Pod":    {Version: "v1", Resource: "pods"},
		"Event":  {Version: "v1", Resource: "events"},
		"Role":   {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"},
		"Widget": {Group: "a.example.com", Version: "v1", Resource: "widgets"},
	}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v", k, got[k], v)
		}
	}
}

func TestIdentify(t *testing.T) {
	u := &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{
		"name": "r", "managedFields": []any{map[string]any{"manager": "kubectl"}},
	}}}
	out, err := identify("Role", "rbac.authorization.k8s.io/v1")(u)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*unstructured.Unstructured)
	if got.GetKind() != "Role" || got.GetAPIVersion() != "rbac.authorization.k8s.io/v1" || got.GetManagedFields() != nil {
		t.Errorf("identified %v", got.Object)
	}
}
