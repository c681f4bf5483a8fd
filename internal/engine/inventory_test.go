package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/library"
)

// TestInventoryAcrossNamespaces evaluates a rule that reads its own
// namespace and a peer (half the namespaces away, so that the peers of the
// second half were evaluated and dropped from the inventory long before),
// over more namespaces than the inventory keeps converted, with compacted
// objects released once evaluated as a scan releases them (all but those of
// related kinds): every verdict must see every related object.
func TestInventoryAcrossNamespaces(t *testing.T) {
	lib := testLibrary(t, map[string][3]string{
		"C-9001": {`deny contains {"message": sprintf("%s: %d here, %d in its peer, %d cluster", [input.metadata.name, count(k8s.namespaced("ServiceAccount")), count(kubescape.inventory(input.metadata.annotations.peer, "Deployment")), count(k8s.cluster("ClusterRole"))])} if input.kind == "Deployment"`,
			"Deployment, ConfigMap", "ServiceAccount, ClusterRole, Deployment"},
	})
	e, err := New(lib, lib.Controls(), nil)
	if err != nil {
		t.Fatal(err)
	}
	const namespaces = 3 * inventoryNamespaces
	var objs []*resource.Object
	add := func(content string) {
		o := obj(content)
		if err := o.Compact(); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	add(`{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"}}`)
	for i := range namespaces {
		ns := fmt.Sprintf("ns-%02d", i)
		// Namespace i holds i%3+1 ServiceAccounts.
		for j := range i%3 + 1 {
			add(fmt.Sprintf(`{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa%d", "namespace": %q}}`, j, ns))
		}
		peer := fmt.Sprintf("ns-%02d", (i+namespaces/2)%namespaces)
		add(fmt.Sprintf(`{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d%02d", "namespace": %q, "annotations": {"peer": %q}}, "spec": {"template": {"spec": {"containers": []}}}}`, i, ns, peer))
		add(fmt.Sprintf(`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": %q}}`, ns))
	}
	var mu sync.Mutex
	got := map[string]string{}
	err = e.Evaluate(t.Context(), objs, func(i int, _ ast.Object, verdicts []Verdict) {
		kind := objs[i].Ref().Kind
		if !e.Related(kind) {
			objs[i].Release()
		}
		if kind != "Deployment" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if verdicts[0].Err != nil {
			t.Errorf("%s: %v", objs[i].Ref().Name, verdicts[0].Err)
			return
		}
		got[objs[i].Ref().Name] = verdicts[0].Findings[0].Message
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != namespaces {
		t.Fatalf("%d Deployments evaluated, want %d", len(got), namespaces)
	}
	for i := range namespaces {
		name := fmt.Sprintf("d%02d", i)
		if want := fmt.Sprintf("%s: %d here, 1 in its peer, 1 cluster", name, i%3+1); got[name] != want {
			t.Errorf("got %q, want %q", got[name], want)
		}
	}
}

// TestInventoryKeepsFewNamespaces reads more namespaces than the inventory
// keeps and checks that it converts again only what it dropped.
func TestInventoryKeepsFewNamespaces(t *testing.T) {
	var objs []*resource.Object
	for i := range 2 * inventoryNamespaces {
		objs = append(objs, obj(fmt.Sprintf(`{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "ns-%02d"}}`, i)))
	}
	inv := newInventory(objs)
	inv.keep = inventoryNamespaces
	for i := range 2 * inventoryNamespaces {
		if got := inv.get(fmt.Sprintf("ns-%02d", i), "Service"); got.Value.(*ast.Array).Len() != 1 {
			t.Fatalf("ns-%02d: %v", i, got)
		}
		// The first namespace stays the most recently read.
		inv.get("ns-00", "Service")
	}
	if len(inv.cache) != inventoryNamespaces {
		t.Errorf("%d namespaces kept, want %d", len(inv.cache), inventoryNamespaces)
	}
	if _, ok := inv.cache["ns-00"]; !ok {
		t.Error("the namespace read most often was dropped")
	}
	for _, c := range []struct{ ns, kind string }{{"ns-99", "Service"}, {"ns-01", "Pod"}, {"", "Service"}} {
		if got := inv.get(c.ns, c.kind); got.Value.(*ast.Array).Len() != 0 {
			t.Errorf("get(%q, %q) = %v, want []", c.ns, c.kind, got)
		}
	}
	if got := inventoryFrom(context.Background()).get("ns-00", "Service"); got.Value.(*ast.Array).Len() != 0 {
		t.Errorf("outside a session: %v", got)
	}
	// A session's inventory (the webhook's) keeps every namespace.
	all := newInventory(objs)
	for i := range 2 * inventoryNamespaces {
		all.get(fmt.Sprintf("ns-%02d", i), "Service")
	}
	if len(all.cache) != 2*inventoryNamespaces {
		t.Errorf("a session's inventory kept %d namespaces of %d", len(all.cache), 2*inventoryNamespaces)
	}
}

// TestInventoryBuiltinTypes rejects arguments of the wrong type at compile
// time, as any builtin.
func TestInventoryBuiltinTypes(t *testing.T) {
	lib := testLibrary(t, map[string][3]string{
		"C-9001": {`deny contains {"message": "m"} if count(kubescape.inventory(1, "Pod")) > 0`, "Deployment", "Pod"},
	})
	if _, err := New(lib, lib.Controls(), nil); err == nil || !strings.Contains(err.Error(), "kubescape.inventory") {
		t.Errorf("error %v, want a type error naming kubescape.inventory", err)
	}
}

// TestProjectWorkloadAsMaps checks that the inventory projects a
// workload's Rego value as projectMap projects its map, over every workload
// of the library's fixtures and malformed ones.
func TestProjectWorkloadAsMaps(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	var contents []map[string]any
	fixtureCases(t, lib, func(_ *library.Control, tc library.TestCase) { contents = append(contents, tc.Objects...) })
	for _, kind := range library.WorkloadKinds {
		for _, doc := range []string{
			`{"kind": %q, "metadata": "odd", "spec": "odd"}`,
			`{"kind": %q, "spec": {"selector": {"matchLabels": {"a": "b"}}}}`,
			`{"kind": %q, "spec": {"template": "odd", "jobTemplate": {"spec": 1}}}`,
			`{"kind": %q, "spec": {"template": {"spec": {}}, "jobTemplate": {"spec": {"template": {"metadata": 3}}}}}`,
			`{"kind": %q, "apiVersion": "v1", "metadata": {"name": "n", "uid": "u", "labels": {"a": "b"}, "other": 1}, "spec": {"template": {"metadata": {"labels": {"x": "y"}, "name": "t"}}, "jobTemplate": {"spec": {"template": {"metadata": {"annotations": {"x": "y"}}}}}}}`,
		} {
			contents = append(contents, obj(fmt.Sprintf(doc, kind)).Content)
		}
	}
	checked := 0
	for _, content := range contents {
		kind, _ := content["kind"].(string)
		path, ok := resource.PodTemplatePath(kind, "metadata")
		if !ok {
			continue
		}
		want, err := ast.InterfaceToValue(projectMap(content, path))
		if err != nil {
			t.Fatal(err)
		}
		v, err := ast.InterfaceToValue(content)
		if err != nil {
			t.Fatal(err)
		}
		got := projectWorkload(v.(ast.Object), path)
		if ast.Compare(got, want) != 0 || got.Hash() != want.Hash() {
			t.Errorf("%s: projected\n got %v\nwant %v", kind, got, want)
		}
		// The inventory decodes of compact JSON only what it projects.
		doc, err := json.Marshal(content)
		if err != nil {
			t.Fatal(err)
		}
		part, err := workloadValue(compacted(t, doc), workloadFields(path))
		if err != nil {
			t.Fatal(err)
		}
		if fromPart := projectWorkload(part, path); ast.Compare(fromPart, want) != 0 || fromPart.Hash() != want.Hash() {
			t.Errorf("%s: projected from the fields decoded\n got %v\nwant %v", kind, fromPart, want)
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("only %d workloads checked", checked)
	}
}

// projectMap is projectWorkload on the map of a workload, as the inventory
// projected workloads before it held Rego values: the reference of
// TestProjectWorkloadAsMaps.
func projectMap(content map[string]any, podMeta []string) map[string]any {
	out := pick(content, "apiVersion", "kind").(map[string]any)
	if md, ok := content["metadata"]; ok {
		out["metadata"] = pick(md, "name", "namespace", "labels", "annotations", "uid")
	}
	if len(podMeta) == 1 { // a Pod: its own metadata
		return out
	}
	spec, _ := content["spec"].(map[string]any)
	outSpec := map[string]any{}
	if sel, ok := spec["selector"]; ok {
		outSpec["selector"] = sel
	}
	out["spec"] = outSpec
	// Rebuild the path from spec down to the pod metadata, that branch only.
	src, dst := spec, outSpec
	last := len(podMeta) - 1
	for _, key := range podMeta[1:last] {
		next, ok := src[key].(map[string]any)
		if !ok {
			return out
		}
		m := map[string]any{}
		dst[key] = m
		src, dst = next, m
	}
	if md, ok := src[podMeta[last]]; ok {
		dst[podMeta[last]] = pick(md, "labels", "annotations")
	}
	return out
}

// pick returns the named fields of an object (nil when v is not one).
func pick(v any, keys ...string) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		if x, ok := m[k]; ok {
			out[k] = x
		}
	}
	return out
}
