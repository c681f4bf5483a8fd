package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"kubescape.io/kubescape/internal/testcluster"
)

// directClient talks to the storage server itself (not through the
// aggregator), authenticated with the admin's client certificate: the
// server trusts the cluster's client CA, which it reads from the
// extension-apiserver-authentication ConfigMap.
type directClient struct {
	base string
	http *http.Client
}

func newDirectClient(t testing.TB, c *testcluster.Cluster, s *storageServer, conns int) *directClient {
	t.Helper()
	cfg := c.RESTConfig()
	cert, err := tls.X509KeyPair(cfg.CertData, cfg.KeyData)
	if err != nil {
		t.Fatalf("admin client certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.ca)
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}},
		MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
	}
	return &directClient{base: s.url(), http: &http.Client{Timeout: 30 * time.Second, Transport: tr}}
}

func (d *directClient) do(ctx context.Context, method, path string, body []byte, contentType string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := d.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

const resultsPath = "/apis/results.kubescape.io/v1beta1"

// crashObject is an object of the crash test: small RuntimeAlerts (inline
// in SQLite) and SBOMs whose document is large enough to go to a file.
func crashObject(ns string, i int, payload string) (resource string, body []byte) {
	if i%2 == 0 {
		return "runtimealerts", []byte(fmt.Sprintf(`{"apiVersion":"results.kubescape.io/v1beta1","kind":"RuntimeAlert",
"metadata":{"name":"crash-%d","namespace":%q},
"spec":{"ruleID":"R0001","ruleName":"Unexpected process","severity":"high","message":%q,"time":"2026-11-20T10:00:00Z",
"podName":"p","containerName":"c","nodeName":"n"}}`, i, ns, payload))
	}
	return "sboms", []byte(fmt.Sprintf(`{"apiVersion":"results.kubescape.io/v1beta1","kind":"SBOM",
"metadata":{"name":"crash-%d","namespace":%q},
"spec":{"imageID":"registry.example.com/app@sha256:%064d","imageDigest":"sha256:%064d","tool":{"name":"syft"},"format":"syft-json",
"document":{"payload":%q}}}`, i, ns, i, i, payload))
}

// payloadOf reads back what crashObject stored.
func payloadOf(resource string, body []byte) (string, error) {
	var obj struct {
		Spec struct {
			Message  string `json:"message"`
			Document struct {
				Payload string `json:"payload"`
			} `json:"document"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(body, &obj); err != nil {
		return "", err
	}
	if resource == "runtimealerts" {
		return obj.Spec.Message, nil
	}
	return obj.Spec.Document.Payload, nil
}

// TestStorageSurvivesSIGKILL kills the server with SIGKILL in the middle of
// a stream of concurrent creates, three times, restarts it on the same data
// each time, and checks that every create the server acknowledged is there
// with exactly the content sent, and that every stored object decodes.
func TestStorageSurvivesSIGKILL(t *testing.T) {
	c := testcluster.Start(t)
	s := newStorageServer(t, c)
	ns := "storage-crash"
	c.Apply(t, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	s.start(t)

	type acked struct{ resource, payload string }
	var (
		mu   sync.Mutex
		acks = map[string]acked{} // name -> what was acknowledged
		next atomic.Int64
	)
	for round := range 3 {
		d := newDirectClient(t, c, s, 16)
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		var roundAcks atomic.Int64
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					i := int(next.Add(1))
					buf := make([]byte, 1+(i%2)*24<<10)
					_, _ = rand.Read(buf)
					payload := hex.EncodeToString(buf)
					res, body := crashObject(ns, i, payload)
					code, _, err := d.do(ctx, http.MethodPost, resultsPath+"/namespaces/"+ns+"/"+res, body, "application/json")
					if err == nil && code == http.StatusCreated {
						mu.Lock()
						acks[fmt.Sprintf("crash-%d", i)] = acked{res, payload}
						mu.Unlock()
						roundAcks.Add(1)
					}
				}
			}()
		}
		// Kill once the stream is well under way.
		deadline := time.Now().Add(60 * time.Second)
		for roundAcks.Load() < 150 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		s.kill(syscall.SIGKILL)
		cancel()
		wg.Wait()
		t.Logf("round %d: %d creates acknowledged before SIGKILL", round, roundAcks.Load())
		if roundAcks.Load() == 0 {
			t.Fatalf("no create was acknowledged:\n%s", s.logText())
		}
		s.start(t)
	}

	d := newDirectClient(t, c, s, 4)
	missing, wrong := 0, 0
	for name, a := range acks {
		code, body, err := d.do(t.Context(), http.MethodGet, resultsPath+"/namespaces/"+ns+"/"+a.resource+"/"+name, nil, "")
		if err != nil || code != http.StatusOK {
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged %s %s: GET %d %v %s", a.resource, name, code, err, body)
			}
			continue
		}
		got, err := payloadOf(a.resource, body)
		if err != nil || got != a.payload {
			wrong++
			if wrong <= 5 {
				t.Errorf("acknowledged %s %s came back different (%v)", a.resource, name, err)
			}
		}
	}
	// Every stored object decodes: a full list reads them all.
	stored := 0
	for _, res := range []string{"runtimealerts", "sboms"} {
		code, body, err := d.do(t.Context(), http.MethodGet, resultsPath+"/namespaces/"+ns+"/"+res, nil, "")
		if err != nil || code != http.StatusOK {
			t.Fatalf("list %s after the crashes: %d %v %s", res, code, err, body)
		}
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatalf("list %s: %v", res, err)
		}
		stored += len(list.Items)
	}
	t.Logf("%d acknowledged creates over 3 SIGKILLs: %d missing, %d different; %d objects stored", len(acks), missing, wrong, stored)
	if stored < len(acks) {
		t.Errorf("%d objects stored, fewer than the %d acknowledged", stored, len(acks))
	}
}
