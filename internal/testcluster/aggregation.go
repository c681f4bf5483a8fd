package testcluster

import (
	"crypto/x509"
	"os"
)

// FrontProxyClientName is the common name of the client certificate the
// aggregator presents to extension API servers, and the only name the API
// server lists in --requestheader-allowed-names (published to extension
// servers in kube-system/extension-apiserver-authentication).
const FrontProxyClientName = "front-proxy-client"

// writeFrontProxyPKI writes the front-proxy CA and the aggregator's client
// certificate. The CA is separate from the cluster CA, as in a real
// cluster: an extension server trusts X-Remote-User only from a client
// certificate of this CA, so no ordinary identity can forge headers.
func (c *Cluster) writeFrontProxyPKI() error {
	ca, err := newAuthority("kubescape-testcluster-front-proxy-ca")
	if err != nil {
		return err
	}
	c.frontProxy = ca
	cert, key, err := ca.issue(FrontProxyClientName, nil, nil, nil, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return err
	}
	files := map[string][]byte{"front-proxy-ca.crt": ca.certPEM, "front-proxy-client.crt": cert, "front-proxy-client.key": key}
	for name, data := range files {
		if err := os.WriteFile(c.path(name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// aggregationArgs configures the API server's aggregation layer: who may
// send request headers (the front proxy), the certificate it proxies with,
// and routing to an APIService's endpoint IP rather than to the Service's
// ClusterIP, which nothing routes without kube-proxy.
func (c *Cluster) aggregationArgs() []string {
	return []string{
		"--requestheader-client-ca-file=" + c.path("front-proxy-ca.crt"),
		"--requestheader-allowed-names=" + FrontProxyClientName,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + c.path("front-proxy-client.crt"),
		"--proxy-client-key-file=" + c.path("front-proxy-client.key"),
		"--enable-aggregator-routing=true",
	}
}

// CAPEM returns the cluster CA certificate (PEM): it signs the API server's
// serving certificate, every identity's client certificate and the serving
// certificates of ExtensionServingCert.
func (c *Cluster) CAPEM() []byte {
	return append([]byte(nil), c.ca.certPEM...)
}

// FrontProxyCAPEM returns the front-proxy CA certificate (PEM): an
// extension API server verifies the aggregator's client certificate
// against it before it trusts the X-Remote-* headers.
func (c *Cluster) FrontProxyCAPEM() []byte {
	return append([]byte(nil), c.frontProxy.certPEM...)
}
