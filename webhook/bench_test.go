package webhook

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"slices"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/webhook/corpus"
	"kubescape.io/kubescape/webhook/inventory"
	"kubescape.io/kubescape/webhook/policy"
)

// BenchmarkHandler measures the handler, from the request body to the
// response, over the fixture corpus of every admission control, with the
// default policy (all admission controls) and the fixtures' related objects
// in the inventory. It reports the latency percentiles of one request.
func BenchmarkHandler(b *testing.B) {
	lib := testLibrary(b)
	p, err := policy.Compile(lib, policy.Default(), "kubescape")
	if err != nil {
		b.Fatal(err)
	}
	cases, err := corpus.Load(lib, p.Controls())
	if err != nil {
		b.Fatal(err)
	}
	eng, err := NewEngine(lib, p.Controls(), nil)
	if err != nil {
		b.Fatal(err)
	}
	var related []*resource.Object
	var bodies [][]byte
	for i, c := range cases {
		for _, o := range c.Related {
			related = append(related, &resource.Object{Content: o})
		}
		body, err := corpus.Review(c.Object, admissionv1.Create, fmt.Sprintf("uid-%d", i))
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, body)
	}
	h := NewHandler(Config{
		Engine: eng, Policy: p, Metrics: NewMetrics(),
		Sessions: inventory.NewStatic(b.Context(), eng, related, p.Kinds()),
	})
	// As the plugin runs (internal/cmd/gc.go): collect when the heap grows fivefold.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		body := bodies[i%len(bodies)]
		i++
		req := httptest.NewRequestWithContext(b.Context(), http.MethodPost, ValidatePath, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		lat = append(lat, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.Bytes())
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(len(bodies)), "objects")
}
