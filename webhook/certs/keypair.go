package certs

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Keypair is the serving certificate of a running server. A TLS handshake
// reads the current pair (tls.Config.GetCertificate); Set replaces it, so a
// renewed certificate is served from the next handshake on.
type Keypair struct {
	cur atomic.Pointer[loaded]

	mu       sync.Mutex
	onChange []func(*x509.Certificate)
}

type loaded struct {
	pair            tls.Certificate
	certPEM, keyPEM []byte
}

// Set loads a PEM certificate (chain) and key; it keeps the current pair
// when they are unchanged or invalid. It reports whether the pair changed.
func (k *Keypair) Set(certPEM, keyPEM []byte) (bool, error) {
	if cur := k.cur.Load(); cur != nil && bytes.Equal(cur.certPEM, certPEM) && bytes.Equal(cur.keyPEM, keyPEM) {
		return false, nil
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return false, fmt.Errorf("load serving certificate: %w", err)
	}
	if pair.Leaf == nil {
		if pair.Leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return false, fmt.Errorf("parse serving certificate: %w", err)
		}
	}
	k.cur.Store(&loaded{pair: pair, certPEM: bytes.Clone(certPEM), keyPEM: bytes.Clone(keyPEM)})
	k.mu.Lock()
	fns := k.onChange
	k.mu.Unlock()
	for _, fn := range fns {
		fn(pair.Leaf)
	}
	return true, nil
}

// OnChange registers fn to be called with each new certificate.
func (k *Keypair) OnChange(fn func(*x509.Certificate)) {
	k.mu.Lock()
	k.onChange = append(k.onChange, fn)
	k.mu.Unlock()
	if cur := k.cur.Load(); cur != nil {
		fn(cur.pair.Leaf)
	}
}

// Ready reports whether a pair is loaded.
func (k *Keypair) Ready() bool { return k.cur.Load() != nil }

// Leaf returns the current certificate, or nil.
func (k *Keypair) Leaf() *x509.Certificate {
	if cur := k.cur.Load(); cur != nil {
		return cur.pair.Leaf
	}
	return nil
}

// ErrNoCertificate is returned to a TLS handshake before any pair is loaded.
var ErrNoCertificate = errors.New("no serving certificate loaded yet")

// GetCertificate serves the current pair; use it as tls.Config.GetCertificate.
func (k *Keypair) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	cur := k.cur.Load()
	if cur == nil {
		return nil, ErrNoCertificate
	}
	return &cur.pair, nil
}

// LoadFiles loads the pair from PEM files once.
func (k *Keypair) LoadFiles(certFile, keyFile string) (bool, error) {
	cert, err := os.ReadFile(certFile)
	if err != nil {
		return false, fmt.Errorf("read --tls-cert-file: %w", err)
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return false, fmt.Errorf("read --tls-key-file: %w", err)
	}
	changed, err := k.Set(cert, key)
	if err != nil {
		return false, fmt.Errorf("%s and %s: %w", certFile, keyFile, err)
	}
	return changed, nil
}

// WatchFiles reloads the pair from the files every interval until ctx ends.
// Files mounted from a Secret change when the Secret does (the kubelet swaps
// a symlink), and cert-manager or an operator may renew them at any time: a
// changed pair is served from the next handshake. A pair that does not load
// (a write in progress) is retried at the next tick.
func (k *Keypair) WatchFiles(ctx context.Context, certFile, keyFile string, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := k.LoadFiles(certFile, keyFile)
		switch {
		case err != nil:
			log.Warn("serving certificate not reloaded", "error", err)
		case changed:
			leaf := k.Leaf()
			log.Info("serving certificate reloaded", "notAfter", leaf.NotAfter.UTC().Format(time.RFC3339), "serial", leaf.SerialNumber.String())
		}
	}
}
