package openapi_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	"k8s.io/kube-openapi/pkg/builder3"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/util"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"kubescape.io/kubescape/storage/apis/results/install"
	"kubescape.io/kubescape/storage/apis/results/resultstest"
	"kubescape.io/kubescape/storage/apis/results/v1beta1"
	"kubescape.io/kubescape/storage/generated/openapi"
)

const ourPrefix = "io.kubescape.results.v1beta1."

func definitions() map[string]common.OpenAPIDefinition {
	return openapi.GetOpenAPIDefinitions(func(name string) spec.Ref {
		return spec.MustCreateRef("#/definitions/" + name)
	})
}

// TestDefinitionsComplete checks that every kind has a definition, that
// every definition it depends on exists (no dangling reference), and that
// every property of our types is documented.
func TestDefinitionsComplete(t *testing.T) {
	defs := definitions()
	seen := map[string]bool{}
	var walk func(name, from string)
	walk = func(name, from string) {
		if seen[name] {
			return
		}
		seen[name] = true
		def, ok := defs[name]
		if !ok {
			t.Errorf("no definition of %s (referenced by %s)", name, from)
			return
		}
		for _, dep := range def.Dependencies {
			walk(dep, name)
		}
	}
	for _, obj := range v1beta1.KnownTypes() {
		name := util.GetCanonicalTypeName(obj)
		if !strings.HasPrefix(name, ourPrefix) {
			t.Errorf("%T has the model name %s", obj, name)
		}
		walk(name, "the scheme")
	}
	ours := 0
	for name := range seen {
		if !strings.HasPrefix(name, ourPrefix) {
			continue
		}
		ours++
		s := defs[name].Schema
		if s.Description == "" {
			t.Errorf("%s has no description", name)
		}
		for prop, ps := range s.Properties {
			if ps.Description == "" && (ps.AllOf == nil || ps.AllOf[0].Description == "") {
				t.Errorf("%s.%s has no description", name, prop)
			}
		}
	}
	if ours < 60 {
		t.Errorf("only %d of our definitions reachable", ours)
	}
}

// TestListMarkers checks the list types the generated schema carries for a
// few lists of each sort.
func TestListMarkers(t *testing.T) {
	defs := definitions()
	tests := []struct {
		def, prop, listType, key string
	}{
		{"ApplicationProfileSpec", "containers", "map", "name"},
		{"ContainerProfile", "execs", "atomic", ""},
		{"ContainerProfile", "syscalls", "set", ""},
		{"NetworkNeighborhoodContainer", "egress", "map", "identifier"},
		{"NetworkNeighbor", "ports", "map", "name"},
		{"WorkloadConfigurationScanSpec", "controls", "map", "controlID"},
		{"KnownServerSpec", "entries", "map", "ipBlock"},
		{"VulnerabilityManifestSpec", "matches", "atomic", ""},
		{"SeccompProfileStatus", "containers", "map", "name"},
	}
	for _, tc := range tests {
		prop := defs[ourPrefix+tc.def].Schema.Properties[tc.prop]
		if got := prop.Extensions["x-kubernetes-list-type"]; got != tc.listType {
			t.Errorf("%s.%s: list type %v, want %s", tc.def, tc.prop, got, tc.listType)
		}
		if tc.key == "" {
			continue
		}
		keys, _ := prop.Extensions["x-kubernetes-list-map-keys"].([]any)
		if len(keys) != 1 || keys[0] != tc.key {
			t.Errorf("%s.%s: map keys %v, want [%s]", tc.def, tc.prop, prop.Extensions["x-kubernetes-list-map-keys"], tc.key)
		}
		if got := prop.Extensions["x-kubernetes-patch-merge-key"]; got != tc.key {
			t.Errorf("%s.%s: patch merge key %v, want %s", tc.def, tc.prop, got, tc.key)
		}
	}
}

// typeConverter builds the server-side apply type converter from the
// definitions the way k8s.io/apiserver does for an API group.
func typeConverter(t *testing.T) (managedfields.TypeConverter, *runtime.Scheme) {
	t.Helper()
	scheme := runtime.NewScheme()
	install.Install(scheme)
	config := &common.OpenAPIV3Config{
		GetDefinitions:    openapi.GetOpenAPIDefinitions,
		GetDefinitionName: openapinamer.NewDefinitionNamer(scheme).GetDefinitionName,
		Info:              &spec.Info{InfoProps: spec.InfoProps{Title: "results", Version: "v1beta1"}},
	}
	var names []string
	for _, obj := range v1beta1.KnownTypes() {
		names = append(names, util.GetCanonicalTypeName(obj))
	}
	schemas, err := builder3.BuildOpenAPIDefinitionsForResources(config, names...)
	if err != nil {
		t.Fatalf("build definitions: %v", err)
	}
	tc, err := managedfields.NewTypeConverter(schemas, false)
	if err != nil {
		t.Fatalf("type converter: %v", err)
	}
	return tc, scheme
}

func withKind(t *testing.T, scheme *runtime.Scheme, obj runtime.Object) runtime.Object {
	t.Helper()
	gvks, _, err := scheme.ObjectKinds(obj)
	if err != nil {
		t.Fatal(err)
	}
	for _, gvk := range gvks {
		if gvk.Version == v1beta1.SchemeGroupVersion.Version {
			obj.GetObjectKind().SetGroupVersionKind(gvk)
		}
	}
	return obj
}

// TestServerSideApplySchema checks that every example fits the schema
// server-side apply uses (an unknown or mistyped field would fail), and
// that two appliers' entries of a keyed list merge while an atomic list is
// replaced.
func TestServerSideApplySchema(t *testing.T) {
	tc, scheme := typeConverter(t)
	for _, obj := range resultstest.All() {
		if _, err := tc.ObjectToTyped(withKind(t, scheme, obj)); err != nil {
			t.Errorf("%T does not fit its schema: %v", obj, err)
		}
	}

	agent := resultstest.ApplicationProfile()
	other := resultstest.ApplicationProfile()
	other.Spec.Containers = []v1beta1.ContainerProfile{{Name: "sidecar", Syscalls: []string{"futex"}}}
	other.Spec.InitContainers = nil
	a, err := tc.ObjectToTyped(withKind(t, scheme, agent))
	if err != nil {
		t.Fatal(err)
	}
	b, err := tc.ObjectToTyped(withKind(t, scheme, other))
	if err != nil {
		t.Fatal(err)
	}
	merged, err := a.Merge(b)
	if err != nil {
		t.Fatal(err)
	}
	mergedObj, err := tc.TypedToObject(merged)
	if err != nil {
		t.Fatal(err)
	}
	containers, _, _ := unstructured.NestedSlice(mergedObj.(*unstructured.Unstructured).Object, "spec", "containers")
	if len(containers) != 2 {
		t.Errorf("containers after merge: %v, want cart and sidecar", containers)
	}

	dup := resultstest.ApplicationProfile()
	dup.Spec.Containers = append(dup.Spec.Containers, dup.Spec.Containers[0])
	if _, err := tc.ObjectToTyped(withKind(t, scheme, dup)); err == nil {
		t.Error("duplicate keys of a map list are accepted")
	}

	first := resultstest.VulnerabilityManifest()
	second := resultstest.VulnerabilityManifest()
	second.Spec.Matches[0].Vulnerability.ID = "CVE-2025-0001"
	fa, _ := tc.ObjectToTyped(withKind(t, scheme, first))
	fb, _ := tc.ObjectToTyped(withKind(t, scheme, second))
	fm, err := fa.Merge(fb)
	if err != nil {
		t.Fatal(err)
	}
	fobj, err := tc.TypedToObject(fm)
	if err != nil {
		t.Fatal(err)
	}
	matches, _, _ := unstructured.NestedSlice(fobj.(*unstructured.Unstructured).Object, "spec", "matches")
	if len(matches) != 1 {
		t.Errorf("atomic matches merged into %d entries, want the second applier's one", len(matches))
	}

	unknown := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "results.kubescape.io/v1beta1", "kind": "KnownServer",
		"metadata": map[string]any{"name": "x"},
		"spec":     map[string]any{"entries": []any{map[string]any{"ipBlock": "10.0.0.0/8", "name": "a", "colour": "red"}}},
	}}
	if _, err := tc.ObjectToTyped(unknown); err == nil {
		t.Error("an unknown field is accepted by the schema")
	}
}
