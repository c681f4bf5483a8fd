package webhook_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"kubescape.io/kubescape/internal/cmd"
	"kubescape.io/kubescape/internal/testcluster"
	"kubescape.io/kubescape/webhook/certs"
)

// e2ePolicy is the default policy with an exempt namespace pattern.
const e2ePolicy = `apiVersion: kubescape.io/v1
kind: WebhookPolicy
rules:
  - {action: deny, severities: [critical, high]}
  - {action: warn, severities: [medium]}
  - {action: audit, severities: [low]}
exemptions:
  namespaces: [sandbox-*]
`

const e2ePrivilegedPod = `apiVersion: v1
kind: Pod
metadata:
  name: %s
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
      securityContext:
        privileged: true
`

const e2ePrivilegedDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: priv
spec:
  selector: {matchLabels: {app: priv}}
  template:
    metadata: {labels: {app: priv}}
    spec:
      containers:
        - name: app
          image: registry.example.com/app:1.0
          securityContext: {privileged: true}
`

// e2eDeployment is compliant with every high and critical control; with
// warnEscalation it leaves allowPrivilegeEscalation unset (C-0016, medium: warn).
func e2eDeployment(name string, warnEscalation bool) string {
	escalation := "\n            allowPrivilegeEscalation: false"
	if warnEscalation {
		escalation = ""
	}
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
  labels: {app.kubernetes.io/name: %[1]s, app.kubernetes.io/instance: %[1]s}
spec:
  replicas: 2
  selector: {matchLabels: {app.kubernetes.io/name: %[1]s}}
  template:
    metadata: {labels: {app.kubernetes.io/name: %[1]s, app.kubernetes.io/instance: %[1]s}}
    spec:
      serviceAccountName: default
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: app
          image: registry.example.com/team/web@sha256:0f4e2b1c8d3a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e
          imagePullPolicy: Always
          ports: [{containerPort: 8080}]
          livenessProbe: {httpGet: {path: /healthz, port: 8080}}
          readinessProbe: {httpGet: {path: /readyz, port: 8080}}
          securityContext:
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            capabilities: {drop: [ALL]}%s
          resources:
            requests: {cpu: 100m, memory: 128Mi, ephemeral-storage: 1Gi}
            limits: {cpu: 500m, memory: 256Mi, ephemeral-storage: 1Gi}
`, name, escalation)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

// plugin runs the plugin's command line in process.
func plugin(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := cmd.Main(args, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("kubectl kubescape %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	}
	return out.String()
}

// kubectlApply applies a manifest in a namespace and returns the combined
// output and whether kubectl succeeded.
func kubectlApply(t *testing.T, c *testcluster.Cluster, ns, manifest string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	kc := c.Command(ctx, c.AdminKubeconfig, "apply", "-n", ns, "-f", "-")
	kc.Stdin = strings.NewReader(manifest)
	out, err := kc.CombinedOutput()
	var exit interface{ ExitCode() int }
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run kubectl: %v", err)
	}
	return string(out), err == nil
}

// serve runs webhook serve in process until the returned stop is called.
func serve(t *testing.T, args ...string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	logs := &lockedBuffer{}
	streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: logs, ErrOut: logs}
	root := cmd.NewRootCmd(streams)
	root.SetArgs(append([]string{"webhook", "serve"}, args...))
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("webhook serve: %v\n%s", err, logs.String())
			}
		case <-time.After(30 * time.Second):
			t.Errorf("webhook serve did not stop within 30s")
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("webhook serve logs:\n%s", logs.String())
		}
	})
	return stop
}

// lockedBuffer collects the logs the server writes from many goroutines.
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

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			err = resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 60s (last: %v)", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// servedSerial dials the webhook and returns the serial of the certificate it serves.
func servedSerial(t *testing.T, addr string) string {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // reads the served certificate only
	if err != nil {
		t.Fatal(err)
	}
	serial := conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	return serial
}

func namespaces(t *testing.T, c *testcluster.Cluster, names ...string) {
	t.Helper()
	for _, ns := range names {
		c.Apply(t, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	}
	// Pods need the namespace's default ServiceAccount, which the harness adds.
	client := kubernetes.NewForConfigOrDie(c.RESTConfig())
	deadline := time.Now().Add(30 * time.Second)
	for _, ns := range names {
		for {
			_, err := client.CoreV1().ServiceAccounts(ns).Get(t.Context(), "default", metav1.GetOptions{})
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("namespace %s has no default ServiceAccount: %v", ns, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// TestEndToEnd registers the webhook by URL with a real kube-apiserver,
// serves it in process, and drives it with the real kubectl.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kube-apiserver")
	}
	c := testcluster.Start(t)
	dir := t.TempDir()
	policyFile := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policyFile, []byte(e2ePolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	port, mport := freePort(t), freePort(t)
	url := fmt.Sprintf("https://127.0.0.1:%d/validate", port)
	kubeconfig := "--kubeconfig=" + c.AdminKubeconfig
	install := []string{"webhook", "install", kubeconfig, "--url", url, "--policy", policyFile, "--timeout-seconds", "5"}
	dry := plugin(t, append(install, "--dry-run")...)
	for _, want := range []string{"kind: Namespace", "kind: Secret", "kind: ValidatingWebhookConfiguration", "url: " + url, "failurePolicy: Ignore", "sideEffects: None"} {
		if !strings.Contains(dry, want) {
			t.Errorf("install --dry-run lacks %q", want)
		}
	}
	client := kubernetes.NewForConfigOrDie(c.RESTConfig())
	if _, err := client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(t.Context(), "kubescape-webhook", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("install --dry-run registered the webhook: %v", err)
	}
	out := plugin(t, install...)
	if !strings.Contains(out, "webhook validate.kubescape.io registered") || !strings.Contains(out, "failurePolicy Ignore") {
		t.Fatalf("install output:\n%s", out)
	}
	namespaces(t, c, "shop", "sandbox-1")
	stop := serve(t, kubeconfig, "--namespace=kubescape", "--tls-secret=kubescape-webhook-tls", "--webhook-configuration=kubescape-webhook",
		"--policy="+policyFile, "--inventory-debounce=100ms", fmt.Sprintf("--listen-address=127.0.0.1:%d", port), fmt.Sprintf("--metrics-address=127.0.0.1:%d", mport))
	waitReady(t, fmt.Sprintf("http://127.0.0.1:%d/readyz", mport))

	denied := func(t *testing.T, manifest string, want ...string) {
		t.Helper()
		out, ok := kubectlApply(t, c, "shop", manifest)
		if ok {
			t.Fatalf("admitted:\n%s", out)
		}
		t.Logf("kubectl apply:\n%s", out)
		want = append(want, `admission webhook "validate.kubescape.io" denied the request`, "[C-0057] Privileged container (severity high)", "Remediation: Remove securityContext.privileged")
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("kubectl output lacks %q:\n%s", w, out)
			}
		}
	}
	t.Run("privileged Pod denied", func(t *testing.T) {
		denied(t, fmt.Sprintf(e2ePrivilegedPod, "priv"), "Pod shop/priv", "spec.containers[0].securityContext.privileged")
	})
	t.Run("privileged Deployment denied", func(t *testing.T) {
		denied(t, e2ePrivilegedDeployment, "Deployment shop/priv", "spec.template.spec.containers[0].securityContext.privileged")
	})
	t.Run("compliant Deployment admitted", func(t *testing.T) {
		out, ok := kubectlApply(t, c, "shop", e2eDeployment("web", false))
		if !ok || !strings.Contains(out, "deployment.apps/web created") {
			t.Fatalf("not admitted:\n%s", out)
		}
		if strings.Contains(out, "[C-0016]") {
			t.Errorf("warned about C-0016:\n%s", out)
		}
	})
	t.Run("warn-mode control shows a kubectl warning", func(t *testing.T) {
		out, ok := kubectlApply(t, c, "shop", e2eDeployment("escalating", true))
		if !ok || !strings.Contains(out, "deployment.apps/escalating created") {
			t.Fatalf("not admitted:\n%s", out)
		}
		if !strings.Contains(out, "Warning: [C-0016] Allow privilege escalation:") {
			t.Errorf("no C-0016 warning:\n%s", out)
		}
	})
	t.Run("exempt namespace admitted", func(t *testing.T) {
		if out, ok := kubectlApply(t, c, "sandbox-1", fmt.Sprintf(e2ePrivilegedPod, "priv")); !ok {
			t.Fatalf("denied in an exempt namespace:\n%s", out)
		}
	})
	t.Run("related objects come from the informer cache", func(t *testing.T) {
		// Relational controls read Roles and ClusterRoles from the informer
		// caches: a Role created now is in the rebuilt index within moments.
		metrics := fmt.Sprintf("http://127.0.0.1:%d/metrics", mport)
		before := gauge(t, metrics, `kubescape_webhook_inventory_objects{kind="Role"}`)
		c.Apply(t, `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-runner, namespace: shop}
rules: [{apiGroups: [""], resources: [pods], verbs: [create, get]}]
`)
		deadline := time.Now().Add(20 * time.Second)
		for gauge(t, metrics, `kubescape_webhook_inventory_objects{kind="Role"}`) != before+1 {
			if time.Now().After(deadline) {
				t.Fatalf("Roles in the index: %v, want %v", gauge(t, metrics, `kubescape_webhook_inventory_objects{kind="Role"}`), before+1)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	t.Run("dry run denied", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		kc := c.Command(ctx, c.AdminKubeconfig, "apply", "-n", "shop", "--dry-run=server", "-f", "-")
		kc.Stdin = strings.NewReader(fmt.Sprintf(e2ePrivilegedPod, "dry"))
		out, err := kc.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "[C-0057]") {
			t.Errorf("server dry run: err %v\n%s", err, out)
		}
	})
	t.Run("metrics count the decisions", func(t *testing.T) {
		page := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", mport))
		for _, want := range []string{
			`kubescape_webhook_control_decisions_total{action="deny",control="C-0057"}`,
			`kubescape_webhook_control_decisions_total{action="warn",control="C-0016"}`,
			`kubescape_webhook_requests_total{decision="denied",dry_run="true",kind="Pod",operation="CREATE"} 1`,
			`kubescape_webhook_request_duration_seconds_bucket`,
			`kubescape_webhook_certificate_expiry_timestamp_seconds`,
			`kubescape_webhook_inventory_objects{kind="Role"}`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
	t.Run("renewed CA and certificate served without a restart", func(t *testing.T) {
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		before := servedSerial(t, addr)
		client := kubernetes.NewForConfigOrDie(c.RESTConfig())
		// A renewal threshold longer than any lifetime makes both due now.
		m := &certs.SecretManager{
			Client: client, Namespace: "kubescape", Name: "kubescape-webhook-tls", Webhook: "kubescape-webhook",
			Rotate: true, Keypair: &certs.Keypair{}, Log: discardLog(),
			Spec: certs.Spec{RenewBefore: 100 * 365 * 24 * time.Hour},
		}
		if err := m.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		renewed := m.Keypair.Leaf().SerialNumber.String()
		deadline := time.Now().Add(30 * time.Second)
		for servedSerial(t, addr) != renewed {
			if time.Now().After(deadline) {
				t.Fatalf("still serving serial %s (before %s), want the renewed %s", servedSerial(t, addr), before, renewed)
			}
			time.Sleep(100 * time.Millisecond)
		}
		vwc, err := client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(t.Context(), "kubescape-webhook", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n := countCerts(vwc.Webhooks[0].ClientConfig.CABundle); n != 2 {
			t.Errorf("caBundle holds %d certificates, want the new CA and the old one", n)
		}
		// The API server trusts the renewed certificate: decisions go on.
		denied(t, fmt.Sprintf(e2ePrivilegedPod, "priv-after-renewal"), "Pod shop/priv-after-renewal")
	})

	stop()
	t.Run("webhook stopped: Ignore admits", func(t *testing.T) {
		if out, ok := kubectlApply(t, c, "shop", fmt.Sprintf(e2ePrivilegedPod, "while-down")); !ok {
			t.Fatalf("failurePolicy Ignore denied:\n%s", out)
		}
	})
	t.Run("webhook stopped: Fail denies", func(t *testing.T) {
		out := plugin(t, append(install, "--failure-policy", "Fail")...)
		if !strings.Contains(out, "failurePolicy Fail") {
			t.Fatalf("install output:\n%s", out)
		}
		out, ok := kubectlApply(t, c, "shop", fmt.Sprintf(e2ePrivilegedPod, "while-down-fail"))
		if ok || !strings.Contains(out, `failed calling webhook "validate.kubescape.io"`) {
			t.Fatalf("failurePolicy Fail: admitted %v:\n%s", ok, out)
		}
	})
	t.Run("uninstall removes everything", func(t *testing.T) {
		out := plugin(t, "webhook", "uninstall", kubeconfig)
		for _, want := range []string{"validatingwebhookconfiguration/kubescape-webhook deleted", "secret/kubescape/kubescape-webhook-tls deleted", "namespace/kubescape deleted"} {
			if !strings.Contains(out, want) {
				t.Errorf("uninstall output lacks %q:\n%s", want, out)
			}
		}
		client := kubernetes.NewForConfigOrDie(c.RESTConfig())
		if _, err := client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(t.Context(), "kubescape-webhook", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("webhook configuration still there: %v", err)
		}
		if _, err := client.CoreV1().Secrets("kubescape").Get(t.Context(), "kubescape-webhook-tls", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("TLS Secret still there: %v", err)
		}
		// With the registration gone, nothing calls the stopped webhook.
		if out, ok := kubectlApply(t, c, "shop", fmt.Sprintf(e2ePrivilegedPod, "after-uninstall")); !ok {
			t.Fatalf("denied after uninstall:\n%s", out)
		}
		// A second uninstall finds nothing and succeeds.
		plugin(t, "webhook", "uninstall", kubeconfig)
	})
}

// httpGet returns the body of a GET.
func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_, err = b.ReadFrom(resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// gauge reads one sample of the metrics page; 0 when absent.
func gauge(t *testing.T, url, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(httpGet(t, url), "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			var v float64
			if _, err := fmt.Sscan(rest, &v); err != nil {
				t.Fatalf("metric %s: %v", line, err)
			}
			return v
		}
	}
	return 0
}

func countCerts(bundle []byte) int {
	n := 0
	for {
		var block *pem.Block
		block, bundle = pem.Decode(bundle)
		if block == nil {
			return n
		}
		if _, err := x509.ParseCertificate(block.Bytes); err == nil {
			n++
		}
	}
}

// TestInClusterInstall installs the webhook to run in the cluster, then
// serves it as its own ServiceAccount would (a client certificate for the
// ServiceAccount's user name), with no privilege but the installed RBAC:
// the server must start, watch what it reads, and renew its Secret and
// caBundle; it must not read other Secrets. Uninstall removes every object.
func TestInClusterInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kube-apiserver")
	}
	c := testcluster.Start(t)
	admin := "--kubeconfig=" + c.AdminKubeconfig
	out := plugin(t, "webhook", "install", admin, "-n", "ks-system", "--name", "ks-webhook", "--image", "registry.example.com/kubescape:v1", "--wait", "0")
	for _, want := range []string{
		"namespace/ks-system applied", "serviceaccount/ks-system/ks-webhook applied", "clusterrole/ks-webhook applied",
		"role/ks-system/ks-webhook applied", "configmap/ks-system/ks-webhook applied", "service/ks-system/ks-webhook applied",
		"deployment/ks-system/ks-webhook applied", "poddisruptionbudget/ks-system/ks-webhook applied",
		"secret/ks-system/ks-webhook-tls applied", "validatingwebhookconfiguration/ks-webhook applied",
		"served by service ks-system/ks-webhook",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("install output lacks %q:\n%s", want, out)
		}
	}
	// Install again: nothing to renew, everything applied in place.
	if again := plugin(t, "webhook", "install", admin, "-n", "ks-system", "--name", "ks-webhook", "--image", "registry.example.com/kubescape:v1", "--wait", "0"); strings.Contains(again, "TLS:") {
		t.Errorf("a second install renewed valid TLS material:\n%s", again)
	}

	kubeconfig, err := c.KubeconfigFor("system:serviceaccount:ks-system:ks-webhook", "system:serviceaccounts", "system:serviceaccounts:ks-system")
	if err != nil {
		t.Fatal(err)
	}
	port, mport := freePort(t), freePort(t)
	serve(t, "--kubeconfig="+kubeconfig, "--namespace=ks-system", "--tls-secret=ks-webhook-tls", "--webhook-configuration=ks-webhook",
		fmt.Sprintf("--listen-address=127.0.0.1:%d", port), fmt.Sprintf("--metrics-address=127.0.0.1:%d", mport))
	waitReady(t, fmt.Sprintf("http://127.0.0.1:%d/readyz", mport))

	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	sa := kubernetes.NewForConfigOrDie(cfg)
	m := &certs.SecretManager{
		Client: sa, Namespace: "ks-system", Name: "ks-webhook-tls", Webhook: "ks-webhook",
		Rotate: true, Keypair: &certs.Keypair{}, Log: discardLog(),
		Spec: certs.Spec{RenewBefore: 100 * 365 * 24 * time.Hour},
	}
	if err := m.Sync(t.Context()); err != nil {
		t.Fatalf("renewal with the installed privileges: %v", err)
	}
	if _, err := sa.CoreV1().Secrets("ks-system").List(t.Context(), metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("the ServiceAccount may list every Secret of its namespace: %v", err)
	}
	if _, err := sa.CoreV1().Secrets("kube-system").List(t.Context(), metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("the ServiceAccount may list Secrets in kube-system: %v", err)
	}
	if _, err := sa.CoreV1().Pods("").List(t.Context(), metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("the ServiceAccount may list Pods: %v", err)
	}

	out = plugin(t, "webhook", "uninstall", admin, "-n", "ks-system", "--name", "ks-webhook")
	admin2 := kubernetes.NewForConfigOrDie(c.RESTConfig())
	checks := map[string]func() error{
		"ValidatingWebhookConfiguration": func() error {
			_, err := admin2.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(t.Context(), "ks-webhook", metav1.GetOptions{})
			return err
		},
		"Deployment": func() error {
			_, err := admin2.AppsV1().Deployments("ks-system").Get(t.Context(), "ks-webhook", metav1.GetOptions{})
			return err
		},
		"ClusterRole": func() error {
			_, err := admin2.RbacV1().ClusterRoles().Get(t.Context(), "ks-webhook", metav1.GetOptions{})
			return err
		},
		"ClusterRoleBinding": func() error {
			_, err := admin2.RbacV1().ClusterRoleBindings().Get(t.Context(), "ks-webhook", metav1.GetOptions{})
			return err
		},
		"ServiceAccount": func() error {
			_, err := admin2.CoreV1().ServiceAccounts("ks-system").Get(t.Context(), "ks-webhook", metav1.GetOptions{})
			return err
		},
	}
	for kind, get := range checks {
		if err := get(); !apierrors.IsNotFound(err) {
			t.Errorf("%s still there after uninstall: %v\n%s", kind, err, out)
		}
	}
	// There is no namespace controller in the test cluster: the namespace is
	// left terminating rather than gone.
	ns, err := admin2.CoreV1().Namespaces().Get(t.Context(), "ks-system", metav1.GetOptions{})
	if err == nil && ns.DeletionTimestamp == nil {
		t.Errorf("namespace ks-system not deleted:\n%s", out)
	}
}
