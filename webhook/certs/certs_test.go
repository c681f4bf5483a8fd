package certs

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

var spec = Spec{DNSNames: []string{"kubescape-webhook.kubescape.svc"}, IPs: []net.IP{net.ParseIP("127.0.0.1")}}

func leaf(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatal("no PEM certificate")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// verify checks that the serving certificate chains to the CA bundle for host.
func verify(t *testing.T, b *Bundle, host string, now time.Time) {
	t.Helper()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(b.CACert) {
		t.Fatal("CA bundle holds no certificate")
	}
	if _, err := leaf(t, b.Cert).Verify(x509.VerifyOptions{Roots: roots, DNSName: host, CurrentTime: now}); err != nil {
		t.Fatalf("serving certificate does not verify for %s: %v", host, err)
	}
	if _, err := tls.X509KeyPair(b.Cert, b.Key); err != nil {
		t.Fatalf("serving pair: %v", err)
	}
}

func TestEnsure(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b, ch, err := Ensure(nil, spec, now)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.CA || !ch.Cert {
		t.Fatalf("changes %+v: want a new CA and certificate", ch)
	}
	verify(t, b, "kubescape-webhook.kubescape.svc", now)
	verify(t, b, "127.0.0.1", now)
	if got := leaf(t, b.Cert).NotAfter.Sub(now); got != DefaultCertValidity {
		t.Errorf("certificate lifetime %s, want %s", got, DefaultCertValidity)
	}

	t.Run("valid material is kept", func(t *testing.T) {
		again, ch, err := Ensure(b, spec, now.Add(200*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if ch.Changed() || !bytes.Equal(again.Cert, b.Cert) || !bytes.Equal(again.CACert, b.CACert) {
			t.Errorf("renewed valid material: %+v", ch.Reasons)
		}
	})
	t.Run("certificate renewed in its last third", func(t *testing.T) {
		at := now.Add(250 * 24 * time.Hour)
		nb, ch, err := Ensure(b, spec, at)
		if err != nil {
			t.Fatal(err)
		}
		if ch.CA || !ch.Cert || bytes.Equal(nb.Cert, b.Cert) {
			t.Fatalf("changes %+v: want the certificate only", ch)
		}
		verify(t, nb, "kubescape-webhook.kubescape.svc", at)
	})
	t.Run("other hosts reissue the certificate", func(t *testing.T) {
		other := Spec{DNSNames: []string{"webhook.example.com"}}
		nb, ch, err := Ensure(b, other, now)
		if err != nil {
			t.Fatal(err)
		}
		if !ch.Cert || ch.CA {
			t.Fatalf("changes %+v", ch)
		}
		verify(t, nb, "webhook.example.com", now)
	})
	t.Run("renewal without names keeps the current ones", func(t *testing.T) {
		nb, ch, err := Ensure(b, Spec{RenewBefore: 100 * 365 * 24 * time.Hour}, now)
		if err != nil {
			t.Fatal(err)
		}
		if !ch.Cert {
			t.Fatalf("changes %+v", ch)
		}
		got := leaf(t, nb.Cert)
		if !slices.Equal(got.DNSNames, spec.DNSNames) || len(got.IPAddresses) != 1 {
			t.Errorf("names %v %v, want the previous ones", got.DNSNames, got.IPAddresses)
		}
	})
	t.Run("CA renewed in its last third, the old one kept in the bundle", func(t *testing.T) {
		at := now.Add(7 * 365 * 24 * time.Hour)
		nb, ch, err := Ensure(b, spec, at)
		if err != nil {
			t.Fatal(err)
		}
		if !ch.CA || !ch.Cert {
			t.Fatalf("changes %+v", ch)
		}
		if !ContainsCA(nb.CACert, b.CACert) || bytes.HasPrefix(nb.CACert, b.CACert) {
			t.Error("the bundle must hold the new CA first, then the old one")
		}
		verify(t, nb, "127.0.0.1", at)
		// A client still trusting only the old CA keeps verifying the old
		// certificate; one given the new bundle verifies both.
		verify(t, &Bundle{CACert: nb.CACert, Cert: b.Cert, Key: b.Key}, "127.0.0.1", now)
	})
	t.Run("expired CA dropped from the bundle", func(t *testing.T) {
		at := now.Add(11 * 365 * 24 * time.Hour)
		nb, ch, err := Ensure(b, spec, at)
		if err != nil {
			t.Fatal(err)
		}
		if !ch.CA || ContainsCA(nb.CACert, b.CACert) {
			t.Errorf("changes %+v; the expired CA must leave the bundle", ch)
		}
	})
	t.Run("corrupt material replaced", func(t *testing.T) {
		nb, ch, err := Ensure(&Bundle{CACert: []byte("junk"), CAKey: b.CAKey, Cert: []byte("x"), Key: []byte("y")}, spec, now)
		if err != nil {
			t.Fatal(err)
		}
		if !ch.CA || !ch.Cert {
			t.Fatalf("changes %+v", ch)
		}
		verify(t, nb, "127.0.0.1", now)
	})
	t.Run("no names", func(t *testing.T) {
		if _, _, err := Ensure(nil, Spec{}, now); err == nil {
			t.Error("issued a certificate for no host")
		}
	})
}

func TestKeypairFiles(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	write := func(b *Bundle) {
		if err := os.WriteFile(certFile, b.Cert, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keyFile, b.Key, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	first, _, err := Ensure(nil, spec, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	write(first)
	k := &Keypair{}
	if _, err := k.GetCertificate(nil); !errors.Is(err, ErrNoCertificate) {
		t.Errorf("before loading: %v, want ErrNoCertificate", err)
	}
	var seen []string
	k.OnChange(func(c *x509.Certificate) { seen = append(seen, c.SerialNumber.String()) })
	if _, err := k.LoadFiles(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go k.WatchFiles(ctx, certFile, keyFile, 10*time.Millisecond, slog.New(slog.DiscardHandler))

	// A half-written pair is not loaded; the current one stays.
	if err := os.WriteFile(certFile, []byte("-----BEGIN CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if got := k.Leaf().SerialNumber; got.Cmp(leaf(t, first.Cert).SerialNumber) != 0 {
		t.Fatal("a broken file replaced the pair")
	}
	second, _, err := Ensure(&Bundle{CACert: first.CACert, CAKey: first.CAKey}, spec, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	write(second)
	want := leaf(t, second.Cert).SerialNumber
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := k.GetCertificate(nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Leaf.SerialNumber.Cmp(want) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("renewed files not served")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(seen) != 2 {
		t.Errorf("OnChange saw %d certificates, want 2", len(seen))
	}
}

func TestSecretManager(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b, _, err := Ensure(nil, spec, now)
	if err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tls", Namespace: "kubescape"}}
	SetSecretData(secret, b)
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kubescape-webhook"},
		Webhooks:   []admissionregistrationv1.ValidatingWebhook{{Name: "validate.kubescape.io", ClientConfig: admissionregistrationv1.WebhookClientConfig{CABundle: b.CACert}}},
	}
	client := fake.NewClientset(secret, vwc)
	clock := now
	m := &SecretManager{
		Client: client, Namespace: "kubescape", Name: "tls", Webhook: "kubescape-webhook",
		Rotate: true, Keypair: &Keypair{}, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return clock },
	}
	if err := m.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Keypair.cur.Load().certPEM, b.Cert) {
		t.Fatal("valid Secret not served as is")
	}
	// Seven years on, the CA is renewed: published first, then stored.
	clock = now.Add(7 * 365 * 24 * time.Hour)
	if err := m.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	s, err := client.CoreV1().Secrets("kubescape").Get(t.Context(), "tls", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(s.Data[CACertKey], b.CACert) || !ContainsCA(s.Data[CACertKey], b.CACert) {
		t.Error("Secret CA bundle: want the new CA and the old one")
	}
	got, err := client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(t.Context(), "kubescape-webhook", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Webhooks[0].ClientConfig.CABundle, s.Data[CACertKey]) {
		t.Error("renewed CA bundle not published in the webhook configuration")
	}
	if !bytes.Equal(m.Keypair.cur.Load().certPEM, s.Data[CertKey]) {
		t.Error("renewed certificate not served")
	}
	verify(t, &Bundle{CACert: got.Webhooks[0].ClientConfig.CABundle, Cert: s.Data[CertKey], Key: s.Data[KeyKey]}, "127.0.0.1", clock)

	// Without rotation the manager only reads; a missing Secret says how to create it.
	m.Name = "missing"
	if err := m.Sync(t.Context()); err == nil || !bytes.Contains([]byte(err.Error()), []byte("webhook install")) {
		t.Errorf("missing Secret: %v", err)
	}
}
