// Package certs keeps the admission webhook's TLS material: a private CA and
// the serving certificate it signs, both renewed well before they expire,
// and a key pair that a running server swaps without a restart when the
// files or the Secret holding it change.
package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"slices"
	"sort"
	"time"
)

// Keys of the Secret that holds the TLS material (a kubernetes.io/tls
// Secret with the CA beside the serving pair).
const (
	CACertKey = "ca.crt"
	CAKeyKey  = "ca.key"
	CertKey   = "tls.crt"
	KeyKey    = "tls.key"
)

// Default lifetimes: a CA for ten years, a serving certificate for one.
// Each is renewed once less than a third of its lifetime remains.
const (
	DefaultCAValidity   = 10 * 365 * 24 * time.Hour
	DefaultCertValidity = 365 * 24 * time.Hour
)

// backdate covers clock skew between the issuer and the API server.
const backdate = 5 * time.Minute

// Spec says what the serving certificate must be.
type Spec struct {
	// DNSNames and IPs are the names the API server dials; with neither, a
	// renewed certificate keeps the names of the current one.
	DNSNames []string
	IPs      []net.IP
	// CAValidity and CertValidity are the lifetimes of new certificates;
	// the defaults when zero.
	CAValidity, CertValidity time.Duration
	// RenewBefore renews a certificate when less than this is left of it;
	// a third of its lifetime when zero.
	RenewBefore time.Duration
}

func (s Spec) caValidity() time.Duration {
	if s.CAValidity > 0 {
		return s.CAValidity
	}
	return DefaultCAValidity
}

func (s Spec) certValidity() time.Duration {
	if s.CertValidity > 0 {
		return s.CertValidity
	}
	return DefaultCertValidity
}

// Bundle is the TLS material as PEM: the CA bundle (the current CA first,
// then a previous one that still verifies during a rotation), the current
// CA's key, and the serving pair.
type Bundle struct {
	CACert, CAKey, Cert, Key []byte
}

// Changes says what Ensure renewed.
type Changes struct {
	// CA: a new CA was created; clients must be given the new CA bundle.
	CA bool
	// Cert: a new serving certificate was issued.
	Cert bool
	// Reasons say why, for the logs.
	Reasons []string
}

// Changed reports whether anything was renewed.
func (c Changes) Changed() bool { return c.CA || c.Cert }

// Ensure returns a bundle that satisfies spec at now: it keeps what is
// valid, creates a CA when there is none or the current one has less than a
// third of its lifetime left (keeping the old one in the CA bundle while it
// is valid), and issues a serving certificate when there is none, when it
// has less than a third of its lifetime left, names other hosts than spec,
// or was not signed by the current CA. b may be nil.
func Ensure(b *Bundle, spec Spec, now time.Time) (*Bundle, Changes, error) {
	var ch Changes
	out := &Bundle{}
	if b != nil {
		*out = *b
	}
	ca, err := ParseCA(out.CACert, out.CAKey)
	switch {
	case err != nil:
		ch.Reasons = append(ch.Reasons, "CA: "+err.Error())
	case renewDue(ca.Cert, now, spec.RenewBefore):
		ch.Reasons = append(ch.Reasons, fmt.Sprintf("CA expires %s", ca.Cert.NotAfter.UTC().Format(time.RFC3339)))
	}
	if len(ch.Reasons) > 0 {
		fresh, err := NewCA("kubescape-webhook-ca", spec.caValidity(), now)
		if err != nil {
			return nil, ch, err
		}
		bundle := fresh.CertPEM
		if ca != nil && now.Before(ca.Cert.NotAfter) {
			bundle = append(slices.Clone(bundle), ca.CertPEM...)
		}
		out.CACert, out.CAKey = bundle, fresh.KeyPEM
		ca = fresh
		ch.CA = true
	}
	if len(spec.DNSNames) == 0 && len(spec.IPs) == 0 {
		// Renewal keeps the names the installer chose.
		if leaf := parseLeaf(out.Cert); leaf != nil {
			spec.DNSNames, spec.IPs = leaf.DNSNames, leaf.IPAddresses
		}
	}
	why := certProblem(out, ca, spec, now)
	if why != "" {
		ch.Reasons = append(ch.Reasons, why)
		cert, key, err := ca.Issue(spec.DNSNames, spec.IPs, spec.certValidity(), now)
		if err != nil {
			return nil, ch, err
		}
		out.Cert, out.Key = cert, key
		ch.Cert = true
	}
	return out, ch, nil
}

// certProblem says why the serving pair must be reissued, or "".
func certProblem(b *Bundle, ca *CA, spec Spec, now time.Time) string {
	if len(b.Cert) == 0 || len(b.Key) == 0 {
		return "no serving certificate"
	}
	pair, err := tls.X509KeyPair(b.Cert, b.Key)
	if err != nil {
		return "serving certificate: " + err.Error()
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return "serving certificate: " + err.Error()
	}
	if renewDue(leaf, now, spec.RenewBefore) {
		return "serving certificate expires " + leaf.NotAfter.UTC().Format(time.RFC3339)
	}
	if leaf.CheckSignatureFrom(ca.Cert) != nil {
		return "serving certificate not signed by the current CA"
	}
	if !sameStrings(leaf.DNSNames, spec.DNSNames) || !sameIPs(leaf.IPAddresses, spec.IPs) {
		return "serving certificate names other hosts"
	}
	return ""
}

func parseLeaf(certPEM []byte) *x509.Certificate {
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return nil
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil
	}
	return c
}

// renewDue reports whether less than before (a third of the certificate's
// lifetime when zero) remains of a certificate, or it is not valid yet.
func renewDue(c *x509.Certificate, now time.Time, before time.Duration) bool {
	return now.After(RenewAt(c, before)) || now.Before(c.NotBefore)
}

// RenewAt returns when a certificate is due for renewal: before (a third of
// its lifetime when zero) ahead of its expiry.
func RenewAt(c *x509.Certificate, before time.Duration) time.Time {
	if before <= 0 {
		before = c.NotAfter.Sub(c.NotBefore) / 3
	}
	return c.NotAfter.Add(-before)
}

// CA is a certificate authority that issues serving certificates.
type CA struct {
	Cert            *x509.Certificate
	Key             *ecdsa.PrivateKey
	CertPEM, KeyPEM []byte
}

// NewCA creates a self-signed CA valid from now for validity.
func NewCA(name string, validity time.Duration, now time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse CA certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode CA key: %w", err)
	}
	return &CA{
		Cert: cert, Key: key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

// ParseCA reads a CA from PEM: the first certificate of certPEM and its key.
func ParseCA(certPEM, keyPEM []byte) (*CA, error) {
	if len(certPEM) == 0 || len(keyPEM) == 0 {
		return nil, errors.New("missing")
	}
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("the CA certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse the CA certificate: %w", err)
	}
	if !cert.IsCA {
		return nil, errors.New("the CA certificate is not a CA")
	}
	pair, err := tls.X509KeyPair(pem.EncodeToMemory(block), keyPEM)
	if err != nil {
		return nil, fmt.Errorf("the CA key does not match its certificate: %w", err)
	}
	key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the CA key is %T, want an ECDSA key", pair.PrivateKey)
	}
	return &CA{Cert: cert, Key: key, CertPEM: pem.EncodeToMemory(block), KeyPEM: keyPEM}, nil
}

// Issue signs a serving certificate for the names, valid from now for validity.
func (ca *CA) Issue(dnsNames []string, ips []net.IP, validity time.Duration, now time.Time) (certPEM, keyPEM []byte, err error) {
	if len(dnsNames) == 0 && len(ips) == 0 {
		return nil, nil, errors.New("issue a serving certificate: no DNS name or IP address to certify")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate serving key: %w", err)
	}
	notAfter := now.Add(validity)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	cn := "kubescape-webhook"
	if len(dnsNames) > 0 {
		cn = dnsNames[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn},
		DNSNames:     dnsNames,
		IPAddresses:  ips,
		NotBefore:    now.Add(-backdate),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("sign serving certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode serving key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		// crypto/rand does not fail on supported platforms; a fixed serial
		// would still make a valid certificate.
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}

// ContainsCA reports whether a PEM CA bundle holds the first certificate of caPEM.
func ContainsCA(bundle, caPEM []byte) bool {
	want, _ := pem.Decode(caPEM)
	if want == nil {
		return false
	}
	rest := bundle
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return false
		}
		if bytes.Equal(block.Bytes, want.Bytes) {
			return true
		}
	}
}

func sameStrings(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

func sameIPs(a, b []net.IP) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, x.Equal) {
			return false
		}
	}
	return true
}
