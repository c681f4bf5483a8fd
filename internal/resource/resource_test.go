package resource

import (
	"reflect"
	"strings"
	"testing"
)

func TestCompact(t *testing.T) {
	content := map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "web", "namespace": "shop", "labels": map[string]any{"app": "web"}, "annotations": map[string]any{"a": "b"}},
		"spec":     map[string]any{"replicas": int64(3), "ratio": 0.5, "big": 1e300, "list": []any{"x", true, nil}},
	}
	o := &Object{Content: content}
	ref, labels, annotations := o.Ref(), o.Labels(), o.Annotations()
	if err := o.Compact(); err != nil {
		t.Fatal(err)
	}
	if o.Content != nil {
		t.Error("Content kept after Compact")
	}
	if o.Ref() != ref || !reflect.DeepEqual(o.Labels(), labels) || !reflect.DeepEqual(o.Annotations(), annotations) {
		t.Errorf("identity changed: %v %v %v", o.Ref(), o.Labels(), o.Annotations())
	}
	got, err := o.Decoded()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, content) {
		t.Errorf("decoded\n got %#v\nwant %#v", got, content)
	}
	plain := &Object{Content: map[string]any{"kind": "Pod"}}
	if m, _ := plain.Decoded(); m["kind"] != "Pod" {
		t.Error("Decoded of an object that was not compacted")
	}
}

func TestSetCompact(t *testing.T) {
	var o Object
	o.Content = map[string]any{"kind": "Stale"}
	m := Meta{Ref: Ref{APIVersion: "v1", Kind: "Pod", Name: "p"}, Labels: map[string]string{"a": "b"}, UID: "u", Owners: []OwnerRef{{Kind: "Job"}}}
	o.SetCompact([]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"n":2}}`), m)
	if o.Content != nil || o.Ref() != m.Ref || o.Labels()["a"] != "b" || o.UID() != "u" || len(o.OwnerReferences()) != 1 {
		t.Errorf("after SetCompact: %v %v %v %q %v", o.Content, o.Ref(), o.Labels(), o.UID(), o.OwnerReferences())
	}
	if got, err := o.Decoded(); err != nil || got["spec"].(map[string]any)["n"] != int64(2) {
		t.Errorf("decoded %v, %v", got, err)
	}
}

func TestRelease(t *testing.T) {
	o := &Object{Content: map[string]any{"kind": "Pod", "metadata": map[string]any{"name": "p", "labels": map[string]any{"a": "b"}}}}
	o.Release()
	if m, _ := o.Decoded(); m != nil || o.Ref().Name != "p" || o.Labels()["a"] != "b" {
		t.Errorf("after Release: content %v, ref %v, labels %v", m, o.Ref(), o.Labels())
	}
}

func TestPodTemplatePath(t *testing.T) {
	for _, tc := range []struct{ kind, field, want string }{
		{"Pod", "spec", "spec"},
		{"Deployment", "metadata", "spec.template.metadata"},
		{"CronJob", "spec", "spec.jobTemplate.spec.template.spec"},
		{"CronJob", "metadata", "spec.jobTemplate.spec.template.metadata"}, // the first call must not have changed the table
	} {
		path, ok := PodTemplatePath(tc.kind, tc.field)
		if got := strings.Join(path, "."); !ok || got != tc.want {
			t.Errorf("PodTemplatePath(%s, %s) = %q, %v; want %q", tc.kind, tc.field, got, ok, tc.want)
		}
	}
	if _, ok := PodTemplatePath("Service", "spec"); ok {
		t.Error("a Service runs no pods")
	}
}
