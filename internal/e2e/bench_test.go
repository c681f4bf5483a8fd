package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"kubescape.io/kubescape/internal/testcluster"
)

// benchObjects is one namespace's worth of the benchmark's objects: a
// realistic mix of passing and failing workloads, Services, ConfigMaps,
// Secrets, service accounts, RBAC and NetworkPolicies (100 objects).
func benchObjects(ns string) []map[string]any {
	meta := func(name string, labels map[string]any) map[string]any {
		return map[string]any{"name": name, "namespace": ns, "labels": labels}
	}
	var out []map[string]any
	for i := range 20 {
		app := fmt.Sprintf("app-%d", i)
		container := map[string]any{"name": "main", "image": "registry.example.com/" + app + ":1.0." + strconv.Itoa(i)}
		if i%2 == 0 {
			container["securityContext"] = map[string]any{"privileged": true}
		} else {
			container["securityContext"] = map[string]any{"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true, "capabilities": map[string]any{"drop": []any{"ALL"}}}
			container["resources"] = map[string]any{"limits": map[string]any{"cpu": "500m", "memory": "256Mi"}, "requests": map[string]any{"cpu": "100m", "memory": "128Mi"}}
		}
		labels := map[string]any{"app": app}
		out = append(out,
			map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(app, labels), "spec": map[string]any{
				"selector": map[string]any{"matchLabels": labels},
				"template": map[string]any{"metadata": map[string]any{"labels": labels}, "spec": map[string]any{
					"serviceAccountName": fmt.Sprintf("sa-%d", i%10),
					"containers":         []any{container},
				}},
			}},
			map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": meta(app, labels), "spec": map[string]any{
				"selector": labels, "ports": []any{map[string]any{"port": int64(80)}},
			}},
			map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(app, labels), "data": map[string]any{
				"LOG_LEVEL": "info", "DB_PASSWORD": "hunter2-" + app,
			}},
		)
	}
	for i := range 10 {
		name := fmt.Sprintf("sa-%d", i)
		out = append(out,
			map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(name, nil)},
			map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta(name, nil), "rules": []any{
				map[string]any{"apiGroups": []any{""}, "resources": []any{"secrets", "pods/exec"}, "verbs": []any{"get", "create"}},
			}},
			map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": meta(name, nil),
				"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
				"subjects": []any{map[string]any{"kind": "ServiceAccount", "name": name, "namespace": ns}},
			},
		)
	}
	for i := range 6 {
		out = append(out, map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": meta(fmt.Sprintf("secret-%d", i), nil),
			"stringData": map[string]any{"token": "s3cr3t-value-" + strconv.Itoa(i)}})
	}
	for i := range 4 {
		out = append(out, map[string]any{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(fmt.Sprintf("np-%d", i), nil),
			"spec": map[string]any{"podSelector": map[string]any{"matchLabels": map[string]any{"app": fmt.Sprintf("app-%d", i)}}, "policyTypes": []any{"Ingress", "Egress"}}})
	}
	return out
}

var benchResources = map[string]schema.GroupVersionResource{
	"Deployment":     {Group: "apps", Version: "v1", Resource: "deployments"},
	"Service":        {Version: "v1", Resource: "services"},
	"ConfigMap":      {Version: "v1", Resource: "configmaps"},
	"ServiceAccount": {Version: "v1", Resource: "serviceaccounts"},
	"Secret":         {Version: "v1", Resource: "secrets"},
	"Role":           {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"},
	"RoleBinding":    {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"},
	"NetworkPolicy":  {Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies"},
}

// populate creates about n objects in n/100 namespaces, 16 at a time.
func populate(b *testing.B, c *testcluster.Cluster, n int) int {
	cfg := c.RESTConfig()
	cfg.QPS, cfg.Burst = 2000, 2000
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	work := make(chan map[string]any)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for obj := range work {
				u := &unstructured.Unstructured{Object: obj}
				var err error
				if u.GetKind() == "Namespace" {
					_, err = dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).Create(ctx, u, metav1.CreateOptions{})
				} else {
					_, err = dyn.Resource(benchResources[u.GetKind()]).Namespace(u.GetNamespace()).Create(ctx, u, metav1.CreateOptions{})
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("create %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	created := 0
	for i := 0; created < n; i++ {
		ns := fmt.Sprintf("bench-%03d", i)
		// Namespaces first: their objects need them.
		if _, err := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).Create(ctx,
			&unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}}, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		created++
		for _, obj := range benchObjects(ns) {
			work <- obj
			created++
		}
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	return created
}

// BenchmarkClusterScan measures `kubectl-kubescape scan` of a test API
// server holding KUBESCAPE_BENCH_OBJECTS objects (default 5,000), every
// control, JSON report: wall time and the scan process's peak RSS.
//
//	go test ./internal/e2e -run '^$' -bench ClusterScan -benchtime 3x
func BenchmarkClusterScan(b *testing.B) {
	n := 5000
	if s := os.Getenv("KUBESCAPE_BENCH_OBJECTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("KUBESCAPE_BENCH_OBJECTS=%q: want a positive number", s)
		}
		n = v
	}
	// Room for a Service IP per Service of the corpus.
	c := testcluster.Start(b, testcluster.WithAPIServerArgs("--service-cluster-ip-range=10.96.0.0/16"))
	plugin := filepath.Join(scanPlugin(b), "kubectl-kubescape")
	start := time.Now()
	objects := populate(b, c, n)
	fill := time.Since(start)
	var best time.Duration
	var rss int64
	b.ResetTimer()
	for range b.N {
		cmd := exec.Command(plugin, "scan", "--kubeconfig", c.AdminKubeconfig, "--format", "json", "--output", os.DevNull)
		began := time.Now()
		out, err := cmd.CombinedOutput()
		took := time.Since(began)
		if code := cmd.ProcessState.ExitCode(); err != nil && code != 1 {
			b.Fatalf("scan: %v\n%s", err, out)
		}
		if best == 0 || took < best {
			best = took
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 > rss {
			rss = ru.Maxrss * 1024
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(objects), "objects")
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "objects\tcreated in\tscan wall time\tobjects/s\tpeak RSS\t\n")
	fmt.Fprintf(tw, "%d\t%.1f s\t%.2f s\t%.0f\t%d MB\t\n", objects, fill.Seconds(), best.Seconds(), float64(objects)/best.Seconds(), rss>>20)
	if err := tw.Flush(); err != nil {
		b.Fatal(err)
	}
}
