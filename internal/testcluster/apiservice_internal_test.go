package testcluster

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

func TestCheckAPIServiceArgs(t *testing.T) {
	ip := net.IPv4(10, 213, 0, 1)
	ca := []byte("ca")
	tests := []struct {
		name           string
		group, version string
		ip             net.IP
		port           int
		ca             []byte
		want           string // in the error; "" for none
	}{
		{"valid", "results.kubescape.io", "v1beta1", ip, 8443, ca, ""},
		{"loopback", "results.kubescape.io", "v1beta1", net.IPv4(127, 0, 0, 1), 8443, ca, "NonLoopbackAddress"},
		{"link-local", "results.kubescape.io", "v1beta1", net.IPv4(169, 254, 1, 1), 8443, ca, "loopback or link-local"},
		{"no address", "results.kubescape.io", "v1beta1", nil, 8443, ca, "no endpoint IP"},
		{"no port", "results.kubescape.io", "v1beta1", ip, 0, ca, "not a TCP port"},
		{"no CA", "results.kubescape.io", "v1beta1", ip, 8443, nil, "ExtensionServingCert"},
		{"group not a Service name", "1.example.com", "v1", ip, 8443, ca, `Service name "1-example-com"`},
		{"bad version", "results.kubescape.io", "V1", ip, 8443, ca, `version "V1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkAPIServiceArgs(tt.group, tt.version, tt.ip, tt.port, tt.ca)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestAPIServiceHost(t *testing.T) {
	if got, want := APIServiceHost("results.kubescape.io"), "results-kubescape-io."+APIServiceNamespace+".svc"; got != want {
		t.Errorf("APIServiceHost = %q, want %q", got, want)
	}
}

// TestAPIServiceAvailability checks why the harness needs
// NonLoopbackAddress (the API server refuses a loopback endpoint), that an
// APIService whose server does not answer fails with its conditions
// quoted, and that a server which starts listening only after the
// registration is found.
func TestAPIServiceAvailability(t *testing.T) {
	c := Shared(t)
	client, err := kubernetes.NewForConfig(c.admin)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(c.admin)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("loopback endpoint refused", func(t *testing.T) {
		slice := &discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{GenerateName: "loopback-", Namespace: metav1.NamespaceDefault},
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"127.0.0.1"}}},
		}
		_, err := client.DiscoveryV1().EndpointSlices(metav1.NamespaceDefault).Create(t.Context(), slice, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("EndpointSlice with 127.0.0.1: %v, want the API server to refuse a loopback address", err)
		}
	})

	t.Run("nothing listening", func(t *testing.T) {
		ip := NonLoopbackAddress(t)
		port := FreePort(t, ip) // and nothing listens on it
		const group, version = "unreachable.testcluster.kubescape.io", "v1"
		t.Cleanup(func() {
			if err := c.unregisterAPIService(dyn, version+"."+group, APIServiceName(group)); err != nil {
				t.Error(err)
			}
		})
		if err := applyAPIService(t.Context(), dyn, group, version, ip, port, c.CAPEM()); err != nil {
			t.Fatal(err)
		}
		err := waitAvailable(t.Context(), dyn, version+"."+group, APIServiceName(group), ip, port, 3*time.Second)
		if err == nil {
			t.Fatal("an APIService without a server became Available")
		}
		t.Logf("the expected error: %v", err)
		for _, want := range []string{"not Available after 3s", "Available=False", net.JoinHostPort(ip.String(), strconv.Itoa(port))} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not contain %q:\n%v", want, err)
			}
		}
	})

	t.Run("server starts late", func(t *testing.T) {
		ip := NonLoopbackAddress(t)
		const group, version = "late.testcluster.kubescape.io", "v1"
		certFile, keyFile, caBundle := c.ExtensionServingCert(t, group, ip)
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		port := FreePort(t, ip)
		srv := &http.Server{
			ReadHeaderTimeout: 10 * time.Second,
			TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/apis/"+group+"/"+version {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = fmt.Fprintf(w, `{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"%s/%s","resources":[]}`, group, version)
			}),
		}
		served := make(chan error, 1)
		timer := time.AfterFunc(2*time.Second, func() {
			ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), strconv.Itoa(port)))
			if err != nil {
				served <- err
				return
			}
			served <- srv.ServeTLS(ln, "", "")
		})
		t.Cleanup(func() {
			if timer.Stop() {
				return
			}
			_ = srv.Close()
			if err := <-served; !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("late server: %v", err)
			}
		})
		c.RegisterAPIService(t, group, version, ip, port, caBundle)
	})
}
