package source

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const deploymentTemplate = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%[1]d
  namespace: team-%[2]d
  labels:
    app.kubernetes.io/name: app-%[1]d
    app.kubernetes.io/part-of: shop
  annotations:
    kubescape.io/owner: "team-%[2]d"
spec:
  replicas: 3
  selector:
    matchLabels:
      app.kubernetes.io/name: app-%[1]d
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app-%[1]d
    spec:
      serviceAccountName: app-%[1]d
      containers:
        - name: app
          image: registry.example.com/app:%[1]d
          ports:
            - containerPort: 8080
          resources:
            limits: {cpu: 500m, memory: 256Mi}
            requests: {cpu: 100m, memory: 128Mi}
          securityContext:
            privileged: false
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
        - name: sidecar
          image: envoyproxy/envoy:v1.30
          args: ["--config", "/etc/envoy.yaml"]
`

// writeCorpus writes objects Deployments into files of perFile documents each.
func writeCorpus(tb testing.TB, dir string, objects, perFile int) {
	tb.Helper()
	var b strings.Builder
	for i := 0; i < objects; i += perFile {
		b.Reset()
		for j := i; j < i+perFile && j < objects; j++ {
			if j > i {
				b.WriteString("---\n")
			}
			fmt.Fprintf(&b, deploymentTemplate, j, j%50)
		}
		sub := filepath.Join(dir, fmt.Sprintf("ns-%02d", i/perFile%20))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			tb.Fatal(err)
		}
		writeFile(tb, filepath.Join(sub, fmt.Sprintf("apps-%05d.yaml", i)), b.String())
	}
}

// BenchmarkRead reads 10,000 Deployments from 1,000 files of 10 documents.
func BenchmarkRead(b *testing.B) { benchmarkRead(b, Options{}) }

// BenchmarkReadCompact reads the same corpus as BenchmarkRead, compacting
// the objects as the scan command does.
func BenchmarkReadCompact(b *testing.B) { benchmarkRead(b, Options{Compact: true}) }

func benchmarkRead(b *testing.B, opts Options) {
	const objects = 10000
	dir := b.TempDir()
	writeCorpus(b, dir, objects, 10)
	b.ReportAllocs()
	var res *Result
	for b.Loop() {
		var err error
		res, err = Read(b.Context(), []string{dir}, opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Objects) != objects || len(res.Problems) != 0 {
			b.Fatalf("got %d objects, %d problems", len(res.Objects), len(res.Problems))
		}
	}
	b.ReportMetric(float64(objects*b.N)/b.Elapsed().Seconds(), "objects/s")
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
	runtime.KeepAlive(res)
}

// BenchmarkLocate locates one field in each of 10,000 objects, as a report
// of failed paths would.
func BenchmarkLocate(b *testing.B) {
	const objects = 10000
	dir := b.TempDir()
	writeCorpus(b, dir, objects, 10)
	res, err := Read(b.Context(), []string{dir}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	b.ReportAllocs()
	for b.Loop() {
		for _, o := range res.Objects {
			if _, ok := o.Locate("spec.template.spec.containers[0].securityContext.privileged"); !ok {
				b.Fatal("not found")
			}
		}
	}
	b.ReportMetric(float64(objects*b.N)/b.Elapsed().Seconds(), "locates/s")
}
