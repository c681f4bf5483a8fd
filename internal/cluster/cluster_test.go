package cluster

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kubescape.io/kubescape/internal/resource"
)

func discovered() []apiResource {
	return listable([]*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "pods", SingularName: "pod", Kind: "Pod", Namespaced: true, Verbs: []string{"get", "list", "watch"}},
			{Name: "pods/exec", Kind: "PodExecOptions", Namespaced: true, Verbs: []string{"create"}},
			{Name: "namespaces", SingularName: "namespace", Kind: "Namespace", Verbs: []string{"list"}},
			{Name: "bindings", Kind: "Binding", Namespaced: true, Verbs: []string{"create"}},
		}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
			{Name: "deployments", SingularName: "deployment", Kind: "Deployment", Namespaced: true, Verbs: []string{"list"}},
		}},
		{GroupVersion: "networking.istio.io/v1", APIResources: []metav1.APIResource{
			{Name: "gateways", SingularName: "gateway", Kind: "Gateway", Namespaced: true, Verbs: []string{"list"}},
		}},
		{GroupVersion: "gateway.networking.k8s.io/v1", APIResources: []metav1.APIResource{
			{Name: "gateways", SingularName: "gateway", Kind: "Gateway", Namespaced: true, Verbs: []string{"list"}},
		}},
	})
}

func TestListableDropsSubresourcesAndUnlistable(t *testing.T) {
	var got []string
	for _, r := range discovered() {
		got = append(got, r.label())
	}
	want := "deployments.apps gateways.gateway.networking.k8s.io gateways.networking.istio.io namespaces pods"
	if strings.Join(got, " ") != want {
		t.Errorf("listable = %v, want %s", got, want)
	}
}

func TestKindFilter(t *testing.T) {
	res := discovered()
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"Deployment"}, "deployments.apps"},
		{[]string{"deployments"}, "deployments.apps"},
		{[]string{"deployments.apps", "POD"}, "deployments.apps pods"},
		{[]string{"gateway"}, "gateways.gateway.networking.k8s.io gateways.networking.istio.io"},
		{[]string{"gateways.networking.istio.io"}, "gateways.networking.istio.io"},
	} {
		f, err := kindFilter(tc.names, res)
		if err != nil {
			t.Fatalf("%v: %v", tc.names, err)
		}
		var got []string
		for _, r := range res {
			if f[r] {
				got = append(got, r.label())
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%v selects %v, want %s", tc.names, got, tc.want)
		}
	}
	if _, err := kindFilter([]string{"deploymnets"}, res); err == nil || !strings.Contains(err.Error(), `"deploymnets"`) {
		t.Errorf("a misspelt kind gave %v, want an error naming it", err)
	}
	if f, err := kindFilter(nil, res); f != nil || err != nil {
		t.Errorf("no filter gave %v, %v", f, err)
	}
}

func TestAPIPath(t *testing.T) {
	pod := apiResource{gvr: schema.GroupVersionResource{Version: "v1", Resource: "pods"}, kind: "Pod", namespaced: true}
	if got := apiPath(pod, "shop", "web-0"); got != "/api/v1/namespaces/shop/pods/web-0" {
		t.Errorf("pod path %s", got)
	}
	cr := apiResource{gvr: schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}, kind: "ClusterRole"}
	if got := apiPath(cr, "", "system:aggregate-to-edit"); got != "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:aggregate-to-edit" {
		t.Errorf("cluster role path %s", got)
	}
}

func TestInScope(t *testing.T) {
	sel, err := labels.Parse("app=web")
	if err != nil {
		t.Fatal(err)
	}
	r := &reader{selector: sel, incNS: set([]string{"shop", "pay"}), excNS: set([]string{"pay"})}
	pod := apiResource{kind: "Pod", namespaced: true}
	ns := apiResource{kind: "Namespace"}
	node := apiResource{kind: "Node"}
	web := map[string]string{"app": "web"}
	for _, tc := range []struct {
		ar       apiResource
		ns, name string
		labels   map[string]string
		want     bool
	}{
		{pod, "shop", "a", web, true},
		{pod, "shop", "a", map[string]string{"app": "db"}, false},
		{pod, "pay", "a", web, false},
		{pod, "other", "a", web, false},
		{ns, "", "shop", web, true},
		{ns, "", "kube-system", web, false},
		{node, "", "n1", web, false},
	} {
		if got := r.inScope(tc.ar, tc.ns, tc.name, tc.labels); got != tc.want {
			t.Errorf("%s %s/%s %v: in scope %v, want %v", tc.ar.kind, tc.ns, tc.name, tc.labels, got, tc.want)
		}
	}
	// Without --include-namespaces, cluster-scoped objects are evaluated
	// and --exclude-namespaces leaves out the excluded Namespace objects.
	r = &reader{selector: labels.Everything(), excNS: set([]string{"kube-system"})}
	if !r.inScope(node, "", "n1", nil) || r.inScope(ns, "", "kube-system", nil) || !r.inScope(ns, "", "shop", nil) {
		t.Error("exclude-namespaces: wrong scope for nodes or namespaces")
	}
}

func obj(kind, name, uid string, owner *resource.OwnerRef) resource.Object {
	md := map[string]any{"name": name, "namespace": "shop", "uid": uid}
	if owner != nil {
		md["ownerReferences"] = []any{map[string]any{"kind": owner.Kind, "name": owner.Name, "uid": owner.UID, "controller": owner.Controller}}
	}
	o := resource.Object{Content: map[string]any{"apiVersion": "v1", "kind": kind, "metadata": md}}
	if err := o.Compact(); err != nil {
		panic(err)
	}
	return o
}

func TestOwnedObjectsAreEvaluatedThroughTheirController(t *testing.T) {
	objs := []resource.Object{
		obj("Deployment", "web", "d1", nil),
		obj("ReplicaSet", "web-1", "r1", &resource.OwnerRef{Kind: "Deployment", Name: "web", UID: "d1", Controller: true}),
		obj("Pod", "web-1-a", "p1", &resource.OwnerRef{Kind: "ReplicaSet", Name: "web-1", UID: "r1", Controller: true}),
		// Owned by a controller that was not listed: evaluated itself.
		obj("Pod", "job-x", "p2", &resource.OwnerRef{Kind: "Job", Name: "gone", UID: "j9", Controller: true}),
		// A static pod is owned by its Node, which runs no pod template.
		obj("Pod", "kube-apiserver-n1", "p3", &resource.OwnerRef{Kind: "Node", Name: "n1", UID: "n1", Controller: true}),
		// Not the controller owner.
		obj("Pod", "adopted", "p4", &resource.OwnerRef{Kind: "ReplicaSet", Name: "web-1", UID: "r1"}),
	}
	contextOnlyOwned(objs)
	want := []bool{false, true, true, false, false, false}
	for i, o := range objs {
		if o.ContextOnly != want[i] {
			t.Errorf("%s: context only %v, want %v", o.Ref(), o.ContextOnly, want[i])
		}
	}
}
