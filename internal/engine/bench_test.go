package engine

import (
	"fmt"
	"testing"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/library"
)

const benchDeployment = `{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
 "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}},
  "spec": {"initContainers": [{"name": "init", "image": "busybox", "securityContext": {"privileged": true}}],
   "containers": [{"name": "app", "image": "nginx:latest", "env": [{"name": "A", "value": "b"}, {"name": "TOKEN", "value": "xyz123"}],
     "ports": [{"containerPort": 8080, "hostPort": 8080}], "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}},
     "resources": {"requests": {"cpu": "100m"}}}],
   "volumes": [{"name": "h", "hostPath": {"path": "/"}}]}}}}`

const hardenedDeployment = `{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
 "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}},
  "spec": {"serviceAccountName": "web", "automountServiceAccountToken": false, "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
   "containers": [{"name": "app", "image": "registry.example.com/team/web:1.4.2", "imagePullPolicy": "IfNotPresent",
     "ports": [{"containerPort": 8080}], "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}}]}}}}`

// BenchmarkEvaluate measures one object through the engine: the overhead of
// an evaluation (a rule that never fires), the pod-spec accessor, and the
// whole library on a Deployment that fails most controls and on one that
// passes them.
func BenchmarkEvaluate(b *testing.B) {
	full, err := library.Load()
	if err != nil {
		b.Fatal(err)
	}
	cases := map[string]func(*testing.B) (*library.Library, []*library.Control){
		"noop": func(b *testing.B) (*library.Library, []*library.Control) {
			lib := testLibrary(b, map[string][3]string{"C-9001": {`deny contains {"message": "m"} if input.kind == "Nope"`, "Deployment", ""}})
			return lib, lib.Controls()
		},
		"containers": func(b *testing.B) (*library.Library, []*library.Control) {
			lib := testLibrary(b, map[string][3]string{"C-9001": {`deny contains {"message": c.path} if { some c in k8s.containers; c.container.name == "x" }`, "Deployment", ""}})
			return lib, lib.Controls()
		},
		"library":          func(*testing.B) (*library.Library, []*library.Control) { return full, full.Controls() },
		"library-hardened": func(*testing.B) (*library.Library, []*library.Control) { return full, full.Controls() },
	}
	for _, name := range []string{"noop", "containers", "library", "library-hardened"} {
		b.Run(name, func(b *testing.B) {
			lib, controls := cases[name](b)
			e, err := New(lib, controls, nil)
			if err != nil {
				b.Fatal(err)
			}
			o := obj(benchDeployment)
			if name == "library-hardened" {
				o = obj(hardenedDeployment)
			}
			benchEvaluate(b, e.NewSession(nil), o)
		})
	}
	for _, c := range full.Controls() {
		if !c.AppliesTo("Deployment") {
			continue
		}
		b.Run("control/"+c.ID, func(b *testing.B) {
			e, err := New(full, []*library.Control{c}, nil)
			if err != nil {
				b.Fatal(err)
			}
			o := obj(benchDeployment)
			s := e.NewSession(nil)
			for b.Loop() {
				s.Evaluate(b.Context(), o)
			}
		})
	}
}

// BenchmarkInventory measures a relational lookup with inventories of
// growing size: the cost per object must not grow with the number of
// namespaces.
func BenchmarkInventory(b *testing.B) {
	lib := testLibrary(b, map[string][3]string{
		"C-9001": {`deny contains {"message": "none"} if count(k8s.namespaced("NetworkPolicy")) == 0`, "Deployment", "NetworkPolicy"},
	})
	e, err := New(lib, lib.Controls(), nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, namespaces := range []int{10, 1000} {
		b.Run(fmt.Sprintf("namespaces=%d", namespaces), func(b *testing.B) {
			var objs []*resource.Object
			for i := range namespaces {
				objs = append(objs, obj(fmt.Sprintf(`{"kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "ns-%d"}, "spec": {"podSelector": {}}}`, i)))
			}
			s := e.NewSession(objs)
			o := obj(benchDeployment)
			for b.Loop() {
				s.Evaluate(b.Context(), o)
			}
		})
	}
}

// benchEvaluate measures the evaluation of one object in a session.
func benchEvaluate(b *testing.B, s *Session, o *resource.Object) {
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range s.Evaluate(b.Context(), o) {
			if v.Err != nil {
				b.Fatal(v.Err)
			}
		}
	}
}
