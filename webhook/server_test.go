package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"kubescape.io/kubescape/webhook/certs"
	"kubescape.io/kubescape/webhook/corpus"
)

func TestServer(t *testing.T) {
	h, m := testHandler(t, "controls: [C-0057]", nil, nil)
	b, _, err := certs.Ensure(nil, certs.Spec{IPs: []net.IP{net.ParseIP("127.0.0.1")}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	kp := &certs.Keypair{}
	if _, err := kp.Set(b.Cert, b.Key); err != nil {
		t.Fatal(err)
	}
	var ready atomic.Bool
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Handler: h, Keypair: kp, Ready: ready.Load, Metrics: m, ShutdownGrace: 5 * time.Second}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, mln) }()

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(b.CACert)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{ForceAttemptHTTP2: true, TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
	defer client.CloseIdleConnections()
	base := "https://" + ln.Addr().String()
	metricsBase := "http://" + mln.Addr().String()
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if err := resp.Body.Close(); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(body)
	}
	if code, _ := get(base + HealthzPath); code != 200 {
		t.Errorf("healthz %d", code)
	}
	if code, body := get(metricsBase + ReadyzPath); code != 503 || !strings.Contains(body, "not synced") {
		t.Errorf("readyz before the caches sync: %d %q", code, body)
	}
	ready.Store(true)
	if code, _ := get(base + ReadyzPath); code != 200 {
		t.Errorf("readyz once ready: %d", code)
	}

	body, err := corpus.Review(decode(t, privilegedPod), admissionv1.Create, "over-tls")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Post(base+ValidatePath, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var review admissionv1.AdmissionReview
	err = json.NewDecoder(resp.Body).Decode(&review)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil || review.Response == nil || review.Response.Allowed || review.Response.UID != "over-tls" {
		t.Fatalf("review over TLS: %v %+v", err, review.Response)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol %s: want HTTP/2, as the API server speaks it", resp.Proto)
	}

	// A new pair is served from the next connection on.
	nb, _, err := certs.Ensure(&certs.Bundle{CACert: b.CACert, CAKey: b.CAKey}, certs.Spec{IPs: []net.IP{net.ParseIP("127.0.0.1")}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kp.Set(nb.Cert, nb.Key); err != nil {
		t.Fatal(err)
	}
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	served := conn.ConnectionState().PeerCertificates[0].SerialNumber
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if served.Cmp(kp.Leaf().SerialNumber) != 0 {
		t.Error("the replaced pair is not served")
	}

	if code, body := get(metricsBase + MetricsPath); code != 200 || !strings.Contains(body, `kubescape_webhook_requests_total{decision="denied",dry_run="false",kind="Pod",operation="CREATE"} 1`) {
		t.Errorf("metrics %d:\n%s", code, body)
	}
	client.CloseIdleConnections()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the context ended")
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("still listening after shutdown")
	}
}
