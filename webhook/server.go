package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"kubescape.io/kubescape/webhook/certs"
)

// Paths the server answers.
const (
	// ValidatePath receives the AdmissionReviews.
	ValidatePath = "/validate"
	HealthzPath  = "/healthz"
	ReadyzPath   = "/readyz"
	MetricsPath  = "/metrics"
)

// Server serves the handler over HTTPS, and metrics and health over HTTP.
type Server struct {
	Handler *Handler
	Keypair *certs.Keypair
	// Ready reports whether the webhook can decide requests (caches synced).
	Ready   func() bool
	Metrics *Metrics
	Log     *slog.Logger
	// ShutdownGrace is how long in-flight requests may take to finish once
	// the context ends; ten seconds when zero.
	ShutdownGrace time.Duration

	stopping atomic.Bool
}

// Serve serves HTTPS on ln (the admission endpoint, /healthz and /readyz)
// and, when metricsLn is not nil, HTTP on it (/metrics, /healthz, /readyz),
// until ctx ends; then it stops accepting, reports not ready, and waits for
// in-flight requests.
func (s *Server) Serve(ctx context.Context, ln, metricsLn net.Listener) error {
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	grace := s.ShutdownGrace
	if grace <= 0 {
		grace = 10 * time.Second
	}
	mux := http.NewServeMux()
	mux.Handle(ValidatePath, s.Handler)
	s.health(mux)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelDebug),
		TLSConfig: &tls.Config{
			MinVersion:     tls.VersionTLS12,
			GetCertificate: s.Keypair.GetCertificate,
			NextProtos:     []string{"h2", "http/1.1"},
		},
	}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	if metricsLn != nil {
		mmux := http.NewServeMux()
		if s.Metrics != nil {
			mmux.Handle(MetricsPath, promhttp.HandlerFor(s.Metrics.Registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn)}))
		}
		s.health(mmux)
		msrv := &http.Server{Handler: mmux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		servers = append(servers, msrv)
		go func() { errc <- msrv.Serve(metricsLn) }()
	}
	s.Log.Info("serving", "address", ln.Addr().String(), "metrics", addrOf(metricsLn))
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		err = fmt.Errorf("serve: %w", err)
	}
	s.stopping.Store(true)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	for _, x := range servers {
		if serr := x.Shutdown(sctx); serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = fmt.Errorf("shut down: %w", serr)
		}
	}
	s.Log.Info("stopped")
	return err
}

func addrOf(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	return ln.Addr().String()
}

func (s *Server) health(mux *http.ServeMux) {
	mux.HandleFunc(HealthzPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc(ReadyzPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		switch {
		case s.stopping.Load():
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("shutting down\n"))
		case !s.Keypair.Ready():
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("no serving certificate yet\n"))
		case s.Ready != nil && !s.Ready():
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("caches of related objects not synced yet\n"))
		default:
			_, _ = w.Write([]byte("ok\n"))
		}
	})
}
