package webhook

import (
	"crypto/x509"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the webhook's Prometheus metrics, in a registry of their own.
type Metrics struct {
	Registry *prometheus.Registry

	requests    *prometheus.CounterVec
	decisions   *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	badRequests *prometheus.CounterVec
	rebuilds    prometheus.Counter
	rebuildTime prometheus.Histogram
	inventory   *prometheus.GaugeVec
	certExpiry  prometheus.Gauge
}

// NewMetrics registers the metrics, with the Go runtime and process collectors.
func NewMetrics() *Metrics {
	const ns = "kubescape_webhook"
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "requests_total",
			Help: "Admission requests answered, by operation, kind, decision (allowed, denied, exempt, skipped) and dry run.",
		}, []string{"operation", "kind", "decision", "dry_run"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "control_decisions_total",
			Help: "Failing controls by control and by what they did: deny, warn, audit, excepted, or error (could not be evaluated).",
		}, []string{"control", "action"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Name: "request_duration_seconds",
			Help:    "Time to decide an admission request: decoding, exemptions, evaluation and the response.",
			Buckets: []float64{0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		}, []string{"operation"}),
		badRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "bad_requests_total",
			Help: "Requests not decided, by reason: method, content_type, too_large, malformed (refused before evaluation), not_ready (caches not synced), cancelled (the caller gave up).",
		}, []string{"reason"}),
		rebuilds: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "inventory_rebuilds_total",
			Help: "Evaluation sessions rebuilt from the informer caches of related objects.",
		}),
		rebuildTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Name: "inventory_rebuild_duration_seconds",
			Help:    "Time to rebuild and warm an evaluation session.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}),
		inventory: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: ns, Name: "inventory_objects",
			Help: "Related objects in the current evaluation session, by kind.",
		}, []string{"kind"}),
		certExpiry: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "certificate_expiry_timestamp_seconds",
			Help: "When the serving certificate expires (Unix time).",
		}),
	}
	m.Registry.MustRegister(m.requests, m.decisions, m.duration, m.badRequests, m.rebuilds, m.rebuildTime, m.inventory, m.certExpiry,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Rebuilt records an inventory rebuild.
func (m *Metrics) Rebuilt(took time.Duration, counts map[string]int) {
	if m == nil {
		return
	}
	m.rebuilds.Inc()
	m.rebuildTime.Observe(took.Seconds())
	m.inventory.Reset()
	for k, n := range counts {
		m.inventory.WithLabelValues(k).Set(float64(n))
	}
}

// Certificate records the serving certificate in use.
func (m *Metrics) Certificate(c *x509.Certificate) {
	if m == nil || c == nil {
		return
	}
	m.certExpiry.Set(float64(c.NotAfter.Unix()))
}

func (m *Metrics) bad(reason string) {
	if m != nil {
		m.badRequests.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) request(op, kind, decision string, dryRun bool, took time.Duration) {
	if m == nil {
		return
	}
	dr := "false"
	if dryRun {
		dr = "true"
	}
	m.requests.WithLabelValues(op, kind, decision, dr).Inc()
	m.duration.WithLabelValues(op).Observe(took.Seconds())
}

func (m *Metrics) decision(control, action string) {
	if m != nil {
		m.decisions.WithLabelValues(control, action).Inc()
	}
}
