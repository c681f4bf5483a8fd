package cmd

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"kubescape.io/kubescape/webhook/certs"
)

func TestWebhookHelp(t *testing.T) {
	cmd := NewCmdWebhook(genericiooptions.NewTestIOStreamsDiscard())
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if strings.TrimSpace(c.Example) == "" || !strings.Contains(c.Example, "kubectl kubescape webhook") {
			t.Errorf("%s: --help has no example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd)
	out, _, code := run(t, "", "webhook", "--help")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"serve", "install", "uninstall"} {
		if !strings.Contains(out, want) {
			t.Errorf("webhook --help lacks %s", want)
		}
	}
}

func TestWebhookUsageErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"bad-policy.yaml": "defaultAction: block\n", "c.crt": "x", "c.key": "y"})
	bad := filepath.Join(dir, "bad-policy.yaml")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"webhook", "serve"}, "no serving certificate: give --tls-secret"},
		{[]string{"webhook", "serve", "--tls-cert-file", "a"}, "--tls-cert-file and --tls-key-file go together"},
		{[]string{"webhook", "serve", "--tls-secret", "s", "--tls-cert-file", "a", "--tls-key-file", "b"}, "exclude each other"},
		{[]string{"webhook", "serve", "--tls-secret", "s", "--listen-address", "8443"}, `--listen-address "8443": want host:port`},
		{[]string{"webhook", "serve", "--tls-secret", "s", "--log-level", "loud"}, `--log-level "loud"`},
		{[]string{"webhook", "serve", "--tls-secret", "s", "--policy", bad}, "policy file " + bad + `: defaultAction "block"`},
		{[]string{"webhook", "serve", "--tls-secret", "s", "--max-request-bytes", "10"}, "--max-request-bytes 10"},
		{[]string{"webhook", "serve", "--webhook-configuration", "w", "--tls-cert-file", "a", "--tls-key-file", "b"}, "--webhook-configuration needs --tls-secret"},
		{[]string{"webhook", "serve", "--tls-cert-file", filepath.Join(dir, "c.crt"), "--tls-key-file", filepath.Join(dir, "c.key"), "--policy", filepath.Join(dir, "none.yaml")}, "read policy"},
		{[]string{"webhook", "install"}, "--image is required"},
		{[]string{"webhook", "install", "--url", "http://127.0.0.1/validate"}, `--url "http://127.0.0.1/validate": want https://`},
		{[]string{"webhook", "install", "--url", "https://127.0.0.1/v", "--image", "i"}, "--image and --url exclude each other"},
		{[]string{"webhook", "install", "--image", "i", "--failure-policy", "Deny"}, `--failure-policy "Deny": want Ignore or Fail`},
		{[]string{"webhook", "install", "--image", "i", "--timeout-seconds", "31"}, "--timeout-seconds 31: want 1 to 30"},
		{[]string{"webhook", "install", "--image", "i", "--webhook-name", "kubescape"}, `--webhook-name "kubescape"`},
		{[]string{"webhook", "install", "--image", "i", "--policy", bad}, `defaultAction "block"`},
		{[]string{"webhook", "install", "--image", "i", "--replicas", "0"}, "--replicas must be at least 1"},
		{[]string{"webhook", "uninstall", "--name", " "}, "--name must not be empty"},
		{[]string{"webhook", "serve", "extra"}, "unknown command"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, errOut, code := run(t, "", tc.args...)
			if code != ExitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q: want exit %d and %q", code, errOut, ExitUsage, tc.want)
			}
		})
	}
}

// lockedBuffer collects what the server writes from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestWebhookServeFiles serves with certificate files and a policy whose
// controls read no related objects, so no cluster is needed, and checks a
// decision over HTTPS and the log line it leaves.
func TestWebhookServeFiles(t *testing.T) {
	b, _, err := certs.Ensure(nil, certs.Spec{IPs: []net.IP{net.ParseIP("127.0.0.1")}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, map[string]string{
		"tls.crt": string(b.Cert), "tls.key": string(b.Key),
		"policy.yaml":     "controls: [C-0057]\n",
		"exceptions.yaml": "exceptions: []\n",
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	root := NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: logs, ErrOut: logs})
	root.SetArgs([]string{"webhook", "serve",
		"--tls-cert-file", filepath.Join(dir, "tls.crt"), "--tls-key-file", filepath.Join(dir, "tls.key"),
		"--policy", filepath.Join(dir, "policy.yaml"), "--exceptions", filepath.Join(dir, "exceptions.yaml"),
		"--listen-address", addr, "--metrics-address", "", "--log-format", "json"})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	}()

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(b.CACert)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get("https://" + addr + "/readyz")
		if err == nil {
			err = resp.Body.Close()
			if err == nil && resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	obj := map[string]any{
		"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "priv"},
		"spec": map[string]any{"containers": []any{map[string]any{
			"name": "app", "image": "nginx", "securityContext": map[string]any{"privileged": true},
			"env": []any{map[string]any{"name": "API_TOKEN", "value": "tok-123456789"}},
		}}},
	}
	raw, _ := json.Marshal(obj)
	review := fmt.Sprintf(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"shop","operation":"CREATE","userInfo":{"username":"alice"},"object":%s}}`, raw)
	resp, err := client.Post("https://"+addr+"/validate", "application/json", strings.NewReader(review))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Response struct {
			Allowed bool `json:"allowed"`
			Status  struct {
				Message string `json:"message"`
			} `json:"status"`
		} `json:"response"`
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil || out.Response.Allowed || !strings.Contains(out.Response.Status.Message, "[C-0057] Privileged container") {
		t.Fatalf("response %+v (%v)", out, err)
	}
	// One JSON log line for the decision: who, what, which controls; never the object.
	var decision map[string]any
	for _, line := range strings.Split(logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "denied" {
			decision = m
		}
	}
	if decision == nil {
		t.Fatalf("no decision logged:\n%s", logs.String())
	}
	if decision["user"] != "alice" || decision["kind"] != "Pod" || decision["namespace"] != "shop" || fmt.Sprint(decision["denied"]) != "[C-0057]" {
		t.Errorf("decision log %v", decision)
	}
	if strings.Contains(logs.String(), "tok-123456789") || strings.Contains(logs.String(), "nginx") {
		t.Errorf("logs hold object contents:\n%s", logs.String())
	}
}
