package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"

	"sigs.k8s.io/yaml"

	"kubescape.io/kubescape/internal/testcluster"
	"kubescape.io/kubescape/webhook/certs"
)

// storageServer is kubescape-storage running as a local process, with the
// RBAC of deploy/storage/rbac.yaml (through a token of its ServiceAccount)
// and registered with the cluster through deploy/storage/apiservice.yaml.
type storageServer struct {
	bin, dataDir, kubeconfig string
	certFile, keyFile        string
	ca                       []byte
	ip                       net.IP
	port                     int
	args                     []string
	cmd                      *exec.Cmd
	log                      *bytes.Buffer
	logMu                    sync.Mutex
	exited                   chan struct{}
}

// newStorageServer prepares a server on a non-loopback address of a network
// namespace the test creates (the API server refuses loopback endpoints),
// with a serving certificate for the Service name the aggregator checks.
func newStorageServer(t testing.TB, c *testcluster.Cluster, extra ...string) *storageServer {
	t.Helper()
	root := repoRoot(t)
	c.Kubectl(t, "apply", "-f", filepath.Join(root, "deploy/storage/rbac.yaml"))
	token := strings.TrimSpace(c.Kubectl(t, "create", "token", "kubescape-storage", "-n", "kubescape", "--duration=2h"))
	dir := t.TempDir()
	kc := filepath.Join(dir, "storage.kubeconfig")
	caFile := filepath.Join(dir, "cluster-ca.crt")
	if err := os.WriteFile(caFile, c.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: %q, certificate-authority: %q}
users:
- name: kubescape-storage
  user: {token: %q}
contexts:
- name: test
  context: {cluster: test, user: kubescape-storage}
current-context: test
`, c.RESTConfig().Host, caFile, token)
	if err := os.WriteFile(kc, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}

	ip := testcluster.NonLoopbackAddress(t)
	now := time.Now()
	ca, err := certs.NewCA("kubescape-storage-e2e", 24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.Issue([]string{"kubescape-storage.kubescape.svc", "localhost"}, []net.IP{ip}, 24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	s := &storageServer{
		bin: goBuild(t, "kubescape-storage"), dataDir: filepath.Join(dir, "data"), kubeconfig: kc,
		certFile: filepath.Join(dir, "tls.crt"), keyFile: filepath.Join(dir, "tls.key"),
		ca: ca.CertPEM, ip: ip, args: extra, log: &bytes.Buffer{},
	}
	for f, b := range map[string][]byte{s.certFile: certPEM, s.keyFile: keyPEM} {
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		s.kill(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("kubescape-storage log:\n%s", s.logText())
		}
	})
	return s
}

func (s *storageServer) logText() string {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return s.log.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// start runs the server (again, on the same data) and waits until it is ready.
func (s *storageServer) start(t testing.TB) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		if s.port == 0 || attempt > 0 {
			s.port = testcluster.FreePort(t, s.ip)
		}
		args := append([]string{
			"--kubeconfig=" + s.kubeconfig,
			"--data-dir=" + s.dataDir,
			"--bind-address=" + s.ip.String(),
			"--secure-port=" + strconv.Itoa(s.port),
			"--tls-cert-file=" + s.certFile,
			"--tls-private-key-file=" + s.keyFile,
			"-v=1",
		}, s.args...)
		s.cmd = exec.Command(s.bin, args...)
		w := lockedWriter{mu: &s.logMu, w: s.log}
		s.cmd.Stdout, s.cmd.Stderr = w, w
		if err := s.cmd.Start(); err != nil {
			t.Fatalf("start kubescape-storage: %v", err)
		}
		s.exited = make(chan struct{})
		go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(s.cmd, s.exited)
		err := s.waitReady(60 * time.Second)
		if err == nil {
			return
		}
		s.kill(syscall.SIGKILL)
		if strings.Contains(s.logText(), "address already in use") && attempt < 3 {
			continue
		}
		t.Fatalf("kubescape-storage not ready: %v\n%s", err, s.logText())
	}
}

func (s *storageServer) url() string {
	return "https://" + net.JoinHostPort(s.ip.String(), strconv.Itoa(s.port))
}

func (s *storageServer) httpClient() *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.ca)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func (s *storageServer) waitReady(timeout time.Duration) error {
	client := s.httpClient()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("exited")
		default:
		}
		resp, err := client.Get(s.url() + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/readyz: %s: %s", resp.Status, body)
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("timed out: %w", last)
}

// kill stops the server with sig and waits for it.
func (s *storageServer) kill(sig syscall.Signal) {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// register applies deploy/storage/apiservice.yaml with the CA of the
// serving certificate, and an EndpointSlice that points the Service at the
// local process (no controller does it without Pods), then waits until the
// API server serves the group.
func (s *storageServer) register(t testing.TB, c *testcluster.Cluster) {
	t.Helper()
	manifest, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy/storage/apiservice.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(manifest, []byte(`caBundle: ""`)) {
		t.Fatal(`deploy/storage/apiservice.yaml has no 'caBundle: ""' to fill in`)
	}
	manifest = bytes.Replace(manifest, []byte(`caBundle: ""`), []byte("caBundle: "+base64.StdEncoding.EncodeToString(s.ca)), 1)
	slice := fmt.Sprintf(`
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kubescape-storage-local
  namespace: kubescape
  labels:
    kubernetes.io/service-name: kubescape-storage
addressType: IPv4
endpoints:
  - addresses: [%q]
    conditions: {ready: true}
ports:
  - name: https
    port: %d
    protocol: TCP
`, s.ip.String(), s.port)
	c.Apply(t, string(manifest)+slice)
	deadline := time.Now().Add(90 * time.Second)
	for {
		out, err := c.Command(t.Context(), c.AdminKubeconfig, "get", "apiservice", "v1beta1.results.kubescape.io",
			"-o", `jsonpath={.status.conditions[?(@.type=="Available")].status} {.status.conditions[?(@.type=="Available")].message}`).CombinedOutput()
		if err == nil && strings.HasPrefix(string(out), "True") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("APIService v1beta1.results.kubescape.io not available: %s %v\nserver log:\n%s", out, err, s.logText())
		}
		time.Sleep(500 * time.Millisecond)
	}
	for {
		out, _ := c.Command(t.Context(), c.AdminKubeconfig, "api-resources", "--api-group=results.kubescape.io", "-o", "name").Output()
		if strings.Contains(string(out), "runtimealerts.results.kubescape.io") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("results.kubescape.io not in discovery: %s", out)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// kubectlAs runs kubectl with kubeconfig and returns stdout, stderr and the error.
func kubectlAs(t testing.TB, c *testcluster.Cluster, kubeconfig, stdin string, args ...string) (string, string, error) {
	t.Helper()
	cmd := c.Command(t.Context(), kubeconfig, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// mustKubectl runs kubectl as admin, with stdin, and fails on error.
func mustKubectl(t testing.TB, c *testcluster.Cluster, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := kubectlAs(t, c, c.AdminKubeconfig, stdin, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// failKubectl runs kubectl as admin and fails unless it fails with a
// message containing every want.
func failKubectl(t testing.TB, c *testcluster.Cluster, stdin string, args []string, want ...string) string {
	t.Helper()
	out, errOut, err := kubectlAs(t, c, c.AdminKubeconfig, stdin, args...)
	if err == nil {
		t.Fatalf("kubectl %s succeeded, want an error containing %q:\n%s", strings.Join(args, " "), want, out)
	}
	for _, w := range want {
		if !strings.Contains(errOut, w) {
			t.Errorf("kubectl %s: error %q does not contain %q", strings.Join(args, " "), strings.TrimSpace(errOut), w)
		}
	}
	return errOut
}

func alertYAML(ns, name, severity string, at time.Time) string {
	return fmt.Sprintf(`apiVersion: results.kubescape.io/v1beta1
kind: RuntimeAlert
metadata:
  name: %s
  namespace: %s
spec:
  ruleID: R0001
  ruleName: Unexpected process launched
  severity: %s
  message: /bin/sh was executed, which the application profile does not contain
  time: %q
  workload: {apiVersion: apps/v1, kind: Deployment, namespace: %s, name: shop}
  podName: shop-5d8f7-abcde
  containerName: web
  nodeName: node1
  process: {pid: 4242, comm: sh, exePath: /bin/sh}
`, name, ns, severity, at.UTC().Format(time.RFC3339), ns)
}

// alertJSON is alertYAML as JSON.
func alertJSON(t testing.TB, ns, name string) []byte {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(alertYAML(ns, name, "low", time.Now())), &obj); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStorageThroughKubectl registers kubescape-storage with the real
// kube-apiserver and drives every verb through the real kubectl, as admin
// and as users RBAC restricts.
func TestStorageThroughKubectl(t *testing.T) {
	c := testcluster.Start(t)
	s := newStorageServer(t, c, "--max-object-size=sboms=256Ki", "--alert-max-count=40",
		"--alert-max-age=168h", "--alert-prune-interval=1s", "--history=5m")
	s.start(t)
	s.register(t, c)
	ns := "storage-e2e"
	c.Apply(t, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")

	t.Run("every kind applies and reads back", func(t *testing.T) {
		objects, err := os.ReadFile(filepath.Join("testdata", "storage-objects.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		out := mustKubectl(t, c, strings.ReplaceAll(string(objects), "NAMESPACE", ns), "apply", "-f", "-")
		for _, want := range []string{
			"applicationprofile.results.kubescape.io/deployment-shop created",
			"networkneighborhood.results.kubescape.io/deployment-shop created",
			"sbom.results.kubescape.io/nginx-1.27 created",
			"filteredsbom.results.kubescape.io/deployment-shop-web created",
			"vulnerabilitymanifest.results.kubescape.io/nginx-1.27 created",
			"vulnerabilitymanifestsummary.results.kubescape.io/deployment-shop-web created",
			"openvulnerabilityexchangecontainer.results.kubescape.io/nginx-1.27 created",
			"workloadconfigurationscan.results.kubescape.io/apps-v1-deployment-shop created",
			"workloadconfigurationscansummary.results.kubescape.io/apps-v1-deployment-shop created",
			"generatednetworkpolicy.results.kubescape.io/deployment-shop created",
			"knownserver.results.kubescape.io/public-registries created",
			"seccompprofile.results.kubescape.io/deployment-shop created",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("kubectl apply output lacks %q:\n%s", want, out)
			}
		}
		table := mustKubectl(t, c, "", "get", "kubescape", "-n", ns)
		for _, want := range []string{"applicationprofile.results.kubescape.io/deployment-shop", "sbom.results.kubescape.io/nginx-1.27", "seccompprofile.results.kubescape.io/deployment-shop"} {
			if !strings.Contains(table, want) {
				t.Errorf("kubectl get kubescape lacks %s:\n%s", want, table)
			}
		}
		// Columns of the resource's table, and defaulted labels.
		table = mustKubectl(t, c, "", "get", "wcss", "-n", ns)
		if !strings.Contains(table, "CRITICAL") || !strings.Contains(table, "deployment/shop") {
			t.Errorf("kubectl get wcss table:\n%s", table)
		}
		labels := mustKubectl(t, c, "", "get", "applicationprofile", "deployment-shop", "-n", ns, "-o", "jsonpath={.metadata.labels}")
		if !strings.Contains(labels, `"kubescape.io/workload-name":"shop"`) {
			t.Errorf("defaulted workload labels missing: %s", labels)
		}
		// The computed per-namespace summary.
		sum := mustKubectl(t, c, "", "get", "configurationscansummary", ns, "-o", "json")
		var css struct {
			Spec struct {
				Workloads  int64 `json:"workloads"`
				Severities struct {
					High int64 `json:"high"`
				} `json:"severities"`
			} `json:"spec"`
		}
		if err := json.Unmarshal([]byte(sum), &css); err != nil {
			t.Fatalf("%v\n%s", err, sum)
		}
		if css.Spec.Workloads != 1 || css.Spec.Severities.High != 2 {
			t.Errorf("configurationscansummary %s = %+v, want 1 workload and 2 high", ns, css.Spec)
		}
		failKubectl(t, c, "", []string{"delete", "configurationscansummary", ns}, "MethodNotAllowed")
		// The OpenAPI of the group: kubectl explain reads it, and the
		// internal version the server uses never shows.
		explain := mustKubectl(t, c, "", "explain", "runtimealert.spec.severity")
		if !strings.Contains(explain, "critical") {
			t.Errorf("kubectl explain runtimealert.spec.severity:\n%s", explain)
		}
		v3 := mustKubectl(t, c, "", "get", "--raw", "/openapi/v3/apis/results.kubescape.io/v1beta1")
		if strings.Contains(v3, "__internal") {
			t.Error("the OpenAPI v3 document of results.kubescape.io names the internal version")
		}
		// The SBOM document round-trips byte for byte (a file payload).
		doc := mustKubectl(t, c, "", "get", "sbom", "nginx-1.27", "-n", ns, "-o", "jsonpath={.spec.document.artifacts[0].name}")
		if doc != "openssl" {
			t.Errorf("SBOM document artifact = %q, want openssl", doc)
		}
	})

	t.Run("validation names the field", func(t *testing.T) {
		bad := strings.Replace(alertYAML(ns, "bad", "critical", time.Now()), "severity: critical", "severity: disastrous", 1)
		failKubectl(t, c, bad, []string{"apply", "-f", "-"}, "spec.severity", "disastrous")
		failKubectl(t, c, alertYAML("no-such-namespace", "a", "high", time.Now()), []string{"create", "-f", "-"}, `namespaces "no-such-namespace" not found`)

		// Malformed, truncated and oversized bodies straight to the server:
		// a clear 4xx, and the server keeps serving.
		d := newDirectClient(t, c, s, 2)
		path := resultsPath + "/namespaces/" + ns + "/runtimealerts"
		good := alertJSON(t, ns, "malformed")
		for name, tc := range map[string]struct {
			body []byte
			code int
		}{
			"not JSON":    {[]byte("{not json"), http.StatusBadRequest},
			"truncated":   {good[:len(good)/2], http.StatusBadRequest},
			"wrong kind":  {[]byte(`{"apiVersion":"results.kubescape.io/v1beta1","kind":"SBOM","metadata":{"name":"x"}}`), http.StatusBadRequest},
			"over 64 MiB": {append(append([]byte(`{"apiVersion":"results.kubescape.io/v1beta1","kind":"RuntimeAlert","metadata":{"name":"x"},"spec":{"message":"`), bytes.Repeat([]byte("x"), 65<<20)...), []byte(`"}}`)...), http.StatusRequestEntityTooLarge},
			// Valid, but above the 256 KiB limit of runtimealerts.
			"over the limit": {bytes.Replace(good, []byte(`"message":"`), []byte(`"message":"`+strings.Repeat("x", 300<<10)), 1), http.StatusRequestEntityTooLarge},
		} {
			code, body, err := d.do(t.Context(), http.MethodPost, path, tc.body, "application/json")
			if err != nil || code != tc.code {
				t.Errorf("%s: %d %v %.200s, want %d", name, code, err, body, tc.code)
			}
		}
		if code, body, err := d.do(t.Context(), http.MethodPost, path, good, "application/json"); err != nil || code != http.StatusCreated {
			t.Errorf("a good create after the bad ones: %d %v %s", code, err, body)
		}
		mustKubectl(t, c, "", "delete", "runtimealert", "malformed", "-n", ns)
	})

	t.Run("size limit", func(t *testing.T) {
		big := fmt.Sprintf(`apiVersion: results.kubescape.io/v1beta1
kind: SBOM
metadata: {name: huge, namespace: %s}
spec:
  imageID: registry.example.com/huge@sha256:%s
  imageDigest: sha256:%s
  tool: {name: syft, version: 1.20.0}
  format: syft-json
  document: {padding: %q}
`, ns, strings.Repeat("a", 64), strings.Repeat("a", 64), strings.Repeat("x", 300<<10))
		failKubectl(t, c, big, []string{"create", "-f", "-"}, "limit for sboms", "--max-object-size sboms=SIZE")
	})

	t.Run("selectors and pagination", func(t *testing.T) {
		var docs []string
		for i := range 25 {
			sev := "low"
			if i%5 == 0 {
				sev = "critical"
			}
			docs = append(docs, alertYAML(ns, fmt.Sprintf("page-%02d", i), sev, time.Now()))
		}
		mustKubectl(t, c, strings.Join(docs, "---\n"), "create", "-f", "-")
		names := strings.Fields(mustKubectl(t, c, "", "get", "runtimealerts", "-n", ns, "--chunk-size=7", "-o", "name"))
		if len(names) != 25 {
			t.Errorf("paginated kubectl get: %d alerts, want 25", len(names))
		}
		crit := strings.Fields(mustKubectl(t, c, "", "get", "runtimealerts", "-n", ns, "--field-selector=spec.severity=critical", "-o", "name"))
		if len(crit) != 5 {
			t.Errorf("field selector spec.severity=critical: %v, want 5", crit)
		}
		byLabel := strings.Fields(mustKubectl(t, c, "", "get", "runtimealerts", "-n", ns, "-l", "kubescape.io/workload-name=shop,kubescape.io/workload-kind=Deployment", "-o", "name"))
		if len(byLabel) != 25 {
			t.Errorf("label selector: %d alerts, want 25", len(byLabel))
		}
		failKubectl(t, c, "", []string{"get", "runtimealerts", "-n", ns, "--field-selector=spec.colour=red"}, "spec.colour")

		// The raw list API: limit, continue, remainingItemCount.
		dyn := dynamic.NewForConfigOrDie(c.RESTConfig())
		gvr := schema.GroupVersionResource{Group: "results.kubescape.io", Version: "v1beta1", Resource: "runtimealerts"}
		page, err := dyn.Resource(gvr).Namespace(ns).List(t.Context(), metav1.ListOptions{Limit: 10, LabelSelector: "kubescape.io/workload-name=shop"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 10 || page.GetContinue() == "" {
			t.Fatalf("first page: %d items, continue %q", len(page.Items), page.GetContinue())
		}
		seen := len(page.Items)
		for page.GetContinue() != "" {
			page, err = dyn.Resource(gvr).Namespace(ns).List(t.Context(), metav1.ListOptions{Limit: 10, Continue: page.GetContinue(), LabelSelector: "kubescape.io/workload-name=shop"})
			if err != nil {
				t.Fatal(err)
			}
			seen += len(page.Items)
		}
		if seen != 25 {
			t.Errorf("pages held %d alerts, want 25", seen)
		}
		mustKubectl(t, c, "", "delete", "runtimealerts", "-n", ns, "-l", "kubescape.io/workload-name=shop")
		if left := mustKubectl(t, c, "", "get", "runtimealerts", "-n", ns, "-o", "name"); strings.TrimSpace(left) != "" {
			t.Errorf("deletecollection left %s", left)
		}
	})

	t.Run("patch, apply and conflicts", func(t *testing.T) {
		mustKubectl(t, c, alertYAML(ns, "patched", "high", time.Now()), "create", "-f", "-")
		mustKubectl(t, c, "", "patch", "runtimealert", "patched", "-n", ns, "--type=merge", "-p", `{"spec":{"message":"merged"}}`)
		mustKubectl(t, c, "", "patch", "runtimealert", "patched", "-n", ns, "--type=json", "-p", `[{"op":"replace","path":"/spec/count","value":3}]`)
		got := mustKubectl(t, c, "", "get", "runtimealert", "patched", "-n", ns, "-o", "jsonpath={.spec.message} {.spec.count} {.metadata.generation}")
		if got != "merged 3 3" {
			t.Errorf("after merge and JSON patches: %q, want \"merged 3 3\"", got)
		}
		// Strategic merge: containers merge by name.
		mustKubectl(t, c, "", "patch", "applicationprofile", "deployment-shop", "-n", ns, "--type=strategic",
			"-p", `{"spec":{"containers":[{"name":"sidecar","syscalls":["read","write"]}]}}`)
		containers := strings.Fields(mustKubectl(t, c, "", "get", "applicationprofile", "deployment-shop", "-n", ns, "-o", "jsonpath={.spec.containers[*].name}"))
		if slices.Sort(containers); !slices.Equal(containers, []string{"sidecar", "web"}) {
			t.Errorf("strategic merge patch: containers %q, want sidecar and web", containers)
		}
		// Server-side apply: two managers own different containers; a third
		// that changes a field the first owns is refused without --force-conflicts.
		ks := func(manager, container, syscall string) string {
			return fmt.Sprintf(`apiVersion: results.kubescape.io/v1beta1
kind: SeccompProfile
metadata: {name: ssa, namespace: %s}
spec:
  workload: {apiVersion: apps/v1, kind: Deployment, name: shop}
  containers:
    - name: %s
      defaultAction: SCMP_ACT_ERRNO
      syscalls: [{names: [%s], action: SCMP_ACT_ALLOW}]
`, ns, container, syscall)
		}
		mustKubectl(t, c, ks("agent", "web", "read"), "apply", "--server-side", "--field-manager=agent", "-f", "-")
		mustKubectl(t, c, ks("operator", "sidecar", "write"), "apply", "--server-side", "--field-manager=operator", "-f", "-")
		names := mustKubectl(t, c, "", "get", "seccompprofile", "ssa", "-n", ns, "-o", "jsonpath={.spec.containers[*].name}")
		if names != "web sidecar" {
			t.Errorf("server-side apply by two managers: containers %q, want \"web sidecar\"", names)
		}
		failKubectl(t, c, ks("intruder", "web", "openat"), []string{"apply", "--server-side", "--field-manager=intruder", "-f", "-"}, "conflict")

		// An update with a stale resourceVersion is a 409 conflict.
		obj := mustKubectl(t, c, "", "get", "runtimealert", "patched", "-n", ns, "-o", "json")
		mustKubectl(t, c, "", "patch", "runtimealert", "patched", "-n", ns, "--type=merge", "-p", `{"spec":{"message":"newer"}}`)
		failKubectl(t, c, obj, []string{"replace", "-f", "-"}, "the object has been modified")

		// Status only through /status.
		mustKubectl(t, c, "", "patch", "runtimealert", "patched", "-n", ns, "--subresource=status", "--type=merge",
			"-p", `{"status":{"acknowledged":true,"acknowledgedBy":"alice","acknowledgedAt":"2026-11-26T10:00:00Z"}}`)
		mustKubectl(t, c, "", "patch", "runtimealert", "patched", "-n", ns, "--type=merge", "-p", `{"status":{"acknowledgedBy":"mallory"}}`)
		st := mustKubectl(t, c, "", "get", "runtimealert", "patched", "-n", ns, "-o", "jsonpath={.status.acknowledged} {.status.acknowledgedBy}")
		if st != "true alice" {
			t.Errorf("status = %q, want \"true alice\" (the main resource must not change status)", st)
		}
		mustKubectl(t, c, "", "delete", "runtimealert", "patched", "-n", ns)
		failKubectl(t, c, "", []string{"get", "runtimealert", "patched", "-n", ns}, "NotFound")
	})

	t.Run("watch", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		defer cancel()
		w := c.Command(ctx, c.AdminKubeconfig, "get", "runtimealerts", "-n", ns, "--watch-only", "-o", "name")
		stdout, err := w.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cancel(); _ = w.Wait() }()
		lines := make(chan string, 16)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// kubectl's watch starts at the list's resourceVersion; give it a
		// moment, then write until the event shows.
		deadline := time.After(30 * time.Second)
		created := false
		for i := 0; ; i++ {
			if !created {
				time.Sleep(time.Second)
				mustKubectl(t, c, alertYAML(ns, "watched", "medium", time.Now()), "create", "-f", "-")
				created = true
			}
			select {
			case l := <-lines:
				if l == "runtimealert.results.kubescape.io/watched" {
					goto watched
				}
			case <-deadline:
				t.Fatal("kubectl get --watch saw no event for the created alert")
			}
		}
	watched:
		// Watch from a resourceVersion replays what came after it.
		dyn := dynamic.NewForConfigOrDie(c.RESTConfig())
		gvr := schema.GroupVersionResource{Group: "results.kubescape.io", Version: "v1beta1", Resource: "runtimealerts"}
		list, err := dyn.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rv := list.GetResourceVersion()
		mustKubectl(t, c, "", "patch", "runtimealert", "watched", "-n", ns, "--type=merge", "-p", `{"spec":{"count":2}}`)
		mustKubectl(t, c, "", "delete", "runtimealert", "watched", "-n", ns)
		wi, err := dyn.Resource(gvr).Namespace(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: rv})
		if err != nil {
			t.Fatal(err)
		}
		defer wi.Stop()
		var types []watch.EventType
		for len(types) < 2 {
			select {
			case ev := <-wi.ResultChan():
				types = append(types, ev.Type)
			case <-ctx.Done():
				t.Fatalf("watch from %s: got %v, want MODIFIED then DELETED", rv, types)
			}
		}
		if !slices.Equal(types, []watch.EventType{watch.Modified, watch.Deleted}) {
			t.Errorf("watch from %s: %v, want [MODIFIED DELETED]", rv, types)
		}
	})

	t.Run("RBAC", func(t *testing.T) {
		user := c.UserKubeconfig
		verbs := [][]string{
			{"get", "runtimealerts", "-n", ns},
			{"get", "runtimealerts", "-A"},
			{"get", "runtimealert", "x", "-n", ns},
			{"get", "sboms", "-n", ns},
			{"get", "knownservers"},
			{"get", "configurationscansummaries"},
			{"delete", "runtimealerts", "--all", "-n", ns},
			{"delete", "runtimealert", "x", "-n", ns},
			{"patch", "runtimealert", "x", "-n", ns, "--type=merge", "-p", `{"spec":{"count":2}}`},
			{"patch", "runtimealert", "x", "-n", ns, "--subresource=status", "--type=merge", "-p", `{"status":{"acknowledged":true}}`},
			{"get", "runtimealerts", "-n", ns, "--watch", "--request-timeout=5s"},
		}
		for _, args := range verbs {
			_, errOut, err := kubectlAs(t, c, user, "", args...)
			if err == nil || !strings.Contains(errOut, "forbidden") {
				t.Errorf("least-privileged user: kubectl %s: err %v, stderr %q, want forbidden", strings.Join(args, " "), err, errOut)
			}
		}
		for _, verb := range []string{"create", "replace"} {
			_, errOut, err := kubectlAs(t, c, user, alertYAML(ns, "nope", "low", time.Now()), verb, "-f", "-")
			if err == nil || !strings.Contains(errOut, "forbidden") {
				t.Errorf("least-privileged user: kubectl %s: %v %q, want forbidden", verb, err, errOut)
			}
		}
		var errOut string
		var err error
		// The view role of deploy/storage/rbac.yaml, bound in one namespace,
		// reads there and nowhere else, and writes nothing.
		c.Apply(t, fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: results-view, namespace: %s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubescape-results-view}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: %s}]
`, ns, testcluster.ViewerUser))
		deadline := time.Now().Add(20 * time.Second)
		for {
			_, errOut, err = kubectlAs(t, c, user, "", "get", "sboms", "-n", ns)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("viewer cannot list sboms in %s: %s", ns, errOut)
			}
			time.Sleep(500 * time.Millisecond) // the authorization cache of the server
		}
		if _, errOut, err = kubectlAs(t, c, user, "", "delete", "sbom", "nginx-1.27", "-n", ns); err == nil || !strings.Contains(errOut, "forbidden") {
			t.Errorf("viewer deleted an sbom: %v %q", err, errOut)
		}
		if _, errOut, err = kubectlAs(t, c, user, "", "get", "sboms", "-n", "default"); err == nil || !strings.Contains(errOut, "forbidden") {
			t.Errorf("viewer read sboms outside %s: %v %q", ns, err, errOut)
		}
		// Anonymous requests to the server itself: health only.
		client := s.httpClient()
		for path, want := range map[string]int{
			"/readyz": http.StatusOK,
			"/apis/results.kubescape.io/v1beta1/runtimealerts":               http.StatusUnauthorized,
			"/apis/results.kubescape.io/v1beta1/namespaces/" + ns + "/sboms": http.StatusUnauthorized,
			"/apis/results.kubescape.io/v1beta1":                             http.StatusUnauthorized,
			"/openapi/v2":                                                    http.StatusUnauthorized,
		} {
			resp, err := client.Get(s.url() + path)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("anonymous GET %s: %d, want %d", path, resp.StatusCode, want)
			}
		}
	})

	t.Run("alert retention", func(t *testing.T) {
		var docs []string
		old := time.Now().Add(-10 * 24 * time.Hour)
		for i := range 3 {
			docs = append(docs, alertYAML(ns, fmt.Sprintf("ancient-%d", i), "low", old))
		}
		for i := range 45 {
			docs = append(docs, alertYAML(ns, fmt.Sprintf("recent-%02d", i), "low", time.Now().Add(time.Duration(i)*time.Second)))
		}
		mustKubectl(t, c, strings.Join(docs, "---\n"), "create", "-f", "-")
		deadline := time.Now().Add(30 * time.Second)
		for {
			names := strings.Fields(mustKubectl(t, c, "", "get", "runtimealerts", "-A", "-o", "name"))
			ancient := slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, "ancient-") })
			if len(names) <= 40 && !ancient {
				if !slices.Contains(names, "runtimealert.results.kubescape.io/recent-44") {
					t.Errorf("retention deleted the newest alert: %v", names)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("retention kept %d alerts (ancient ones: %v), want at most 40 and none older than 7 days", len(names), ancient)
			}
			time.Sleep(time.Second)
		}
	})

	t.Run("watch and list from compacted history are 410 Gone", func(t *testing.T) {
		// Restart with a history of one second, compacted every second.
		s.kill(syscall.SIGTERM)
		s.args = append(s.args, "--history=1s", "--history-revisions=0", "--compaction-interval=1s")
		s.start(t)
		s.register(t, c)
		dyn := dynamic.NewForConfigOrDie(c.RESTConfig())
		gvr := schema.GroupVersionResource{Group: "results.kubescape.io", Version: "v1beta1", Resource: "runtimealerts"}
		list, err := dyn.Resource(gvr).Namespace(ns).List(t.Context(), metav1.ListOptions{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		old := list.GetResourceVersion()
		mustKubectl(t, c, alertYAML(ns, "after-compaction", "low", time.Now()), "create", "-f", "-")
		deadline := time.Now().Add(30 * time.Second)
		for {
			w, err := dyn.Resource(gvr).Namespace(ns).Watch(t.Context(), metav1.ListOptions{ResourceVersion: old})
			gone := false
			if err != nil {
				gone = strings.Contains(err.Error(), "too old")
			} else {
				ev := <-w.ResultChan()
				w.Stop()
				if st, ok := ev.Object.(*metav1.Status); ev.Type == watch.Error && ok {
					gone = st.Code == http.StatusGone
				}
			}
			if gone {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("watch from compacted resourceVersion %s is not 410 Gone after 30 s", old)
			}
			time.Sleep(500 * time.Millisecond)
		}
		if list.GetContinue() != "" {
			_, err = dyn.Resource(gvr).Namespace(ns).List(t.Context(), metav1.ListOptions{Limit: 2, Continue: list.GetContinue()})
			if err == nil || !strings.Contains(err.Error(), "continue") {
				t.Errorf("continue token from compacted history: %v, want a 410 telling to restart the list", err)
			}
		}
	})

	t.Run("restart keeps everything", func(t *testing.T) {
		before := mustKubectl(t, c, "", "get", "kubescape", "-A", "-o", "name")
		s.kill(syscall.SIGTERM)
		s.start(t)
		// The port may have changed: point the EndpointSlice at it again.
		s.register(t, c)
		after := mustKubectl(t, c, "", "get", "kubescape", "-A", "-o", "name")
		if before != after {
			t.Errorf("objects before and after a restart differ:\n%s\n---\n%s", before, after)
		}
	})
}
