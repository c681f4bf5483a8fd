package testcluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// KeepEnv names the variable that, set to 1, keeps each cluster's directory
// (certificates, kubeconfigs, logs, etcd data) after the tests, for debugging.
const KeepEnv = "KUBESCAPE_TESTCLUSTER_KEEP"

// Identities the cluster is created with.
const (
	// AdminUser is in system:masters: allowed everything.
	AdminUser = "kubescape-admin"
	// ViewerUser is allowed only the rules of WithUserRules, in the user namespace.
	ViewerUser = "kubescape-viewer"
	// DefaultUserNamespace is the namespace ViewerUser may read.
	DefaultUserNamespace = "kubescape-viewer"
)

// Startup limits: generous, because a loaded 2-core CI machine can take
// tens of seconds to start the API server.
const (
	startAttempts   = 5
	etcdTimeout     = 60 * time.Second
	apiTimeout      = 120 * time.Second
	stopGrace       = 5 * time.Second
	kubectlTimeout  = 2 * time.Minute
	applyRetryUntil = 20 * time.Second
)

// Cluster is a running etcd and kube-apiserver.
type Cluster struct {
	// Dir holds the cluster's certificates, kubeconfigs, etcd data and logs.
	Dir string
	// BinDir holds the kube-apiserver, etcd and kubectl the cluster runs.
	BinDir string
	// Server is the URL of the API server, https://127.0.0.1:PORT.
	Server string
	// AdminKubeconfig is a kubeconfig for AdminUser (group system:masters).
	AdminKubeconfig string
	// UserKubeconfig is a kubeconfig for ViewerUser, who may do only what
	// WithUserRules grants, in UserNamespace, and nothing cluster-wide.
	UserKubeconfig string
	// UserNamespace is the namespace ViewerUser may read.
	UserNamespace string

	ca         *authority
	frontProxy *authority
	admin      *rest.Config
	etcdURL    string
	etcd       *process
	api        *process
	stopSA     context.CancelFunc
	saDone     chan struct{}
	stopped    bool
	identities atomic.Int64
}

// Option changes how a cluster is started.
type Option func(*options)

type options struct {
	userNamespace string
	userRules     []rbacv1.PolicyRule
	apiArgs       []string
}

// WithUserNamespace names the namespace ViewerUser may read
// (default DefaultUserNamespace). The harness creates it.
func WithUserNamespace(ns string) Option {
	return func(o *options) { o.userNamespace = ns }
}

// WithUserRules replaces what ViewerUser may do in the user namespace
// (default: get, list and watch Pods and Deployments).
func WithUserRules(rules ...rbacv1.PolicyRule) Option {
	return func(o *options) { o.userRules = rules }
}

// WithAPIServerArgs adds flags to kube-apiserver; a later flag wins over an
// earlier one of the same name, so these override the harness's defaults.
func WithAPIServerArgs(args ...string) Option {
	return func(o *options) { o.apiArgs = append(o.apiArgs, args...) }
}

func newOptions(opts []Option) *options {
	o := &options{
		userNamespace: DefaultUserNamespace,
		userRules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list", "watch"}},
		},
	}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// Start starts a cluster for one test and stops it when the test ends. It
// skips the test in -short mode and fails it when the cluster cannot start.
func Start(t testing.TB, opts ...Option) *Cluster {
	t.Helper()
	skipShort(t)
	c, err := start(t.Context(), newOptions(opts), t.Logf)
	if err != nil {
		t.Fatalf("start test cluster: %v", err)
	}
	t.Cleanup(func() { c.stop(t.Failed(), t.Logf) })
	return c
}

func skipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a real kube-apiserver and etcd: skipped in -short mode")
	}
}

// start starts etcd and the API server, then prepares identities and
// namespaces. On error nothing it started is left running.
func start(ctx context.Context, o *options, logf func(string, ...any)) (*Cluster, error) {
	began := time.Now()
	bin, err := binDirOnce()
	if err != nil {
		return nil, err
	}
	reapStale()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("create cluster directory: %w", err)
	}
	c := &Cluster{Dir: dir, BinDir: bin, UserNamespace: o.userNamespace}
	if err := c.run(ctx, o); err != nil {
		c.stop(true, logf)
		return nil, err
	}
	logf("testcluster: API server %s ready in %s (dir %s)", c.Server, time.Since(began).Round(time.Millisecond), c.Dir)
	return c, nil
}

// run brings the cluster up step by step.
func (c *Cluster) run(ctx context.Context, o *options) error {
	if err := writeOwner(c.Dir); err != nil {
		return err
	}
	if err := c.writePKI(); err != nil {
		return err
	}
	if err := c.startEtcd(ctx); err != nil {
		return err
	}
	if err := c.startAPIServer(ctx, o.apiArgs); err != nil {
		return err
	}
	return c.prepare(ctx, o)
}

func (c *Cluster) path(name string) string { return filepath.Join(c.Dir, name) }

// writePKI writes the CA, the API server's serving certificate, the
// service-account signing keys and the aggregation layer's front-proxy PKI.
func (c *Cluster) writePKI() error {
	ca, err := newAuthority("kubescape-testcluster-ca")
	if err != nil {
		return err
	}
	c.ca = ca
	cert, key, err := ca.issue("kube-apiserver", nil,
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.1")},
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		x509.ExtKeyUsageServerAuth)
	if err != nil {
		return err
	}
	files := map[string][]byte{"ca.crt": ca.certPEM, "apiserver.crt": cert, "apiserver.key": key}
	for name, data := range files {
		if err := os.WriteFile(c.path(name), data, 0o600); err != nil {
			return err
		}
	}
	if err := writeServiceAccountKeys(c.path("sa.key"), c.path("sa.pub")); err != nil {
		return err
	}
	return c.writeFrontProxyPKI()
}

// startEtcd starts a single-member etcd on a free loopback port. The peer
// URL listens on port 0 and the advertised one is never dialed: a
// one-member cluster has no peers.
func (c *Cluster) startEtcd(ctx context.Context) error {
	var lastErr error
	for range startAttempts {
		port, err := freePort()
		if err != nil {
			return err
		}
		url := "http://127.0.0.1:" + strconv.Itoa(port)
		p, err := startProcess("etcd", filepath.Join(c.BinDir, "etcd"), c.path("etcd.log"), []string{
			"--name=testcluster",
			"--data-dir=" + c.path("etcd"),
			"--listen-client-urls=" + url,
			"--advertise-client-urls=" + url,
			"--listen-peer-urls=http://127.0.0.1:0",
			"--initial-advertise-peer-urls=http://127.0.0.1:2380",
			"--initial-cluster=testcluster=http://127.0.0.1:2380",
			"--unsafe-no-fsync", // test data: durability buys nothing, fsync costs seconds
		})
		if err != nil {
			return err
		}
		c.etcd = p
		err = waitReady(ctx, p, etcdTimeout, http.DefaultClient, url+"/health")
		if err == nil {
			c.etcdURL = url
			return nil
		}
		p.stop(stopGrace)
		if !p.addrInUse() {
			return fmt.Errorf("%w\n%s", err, tail(p.logPath, 40))
		}
		lastErr = err
	}
	return fmt.Errorf("start etcd: every port tried was taken: %w", lastErr)
}

// startAPIServer starts kube-apiserver on a free loopback port and waits
// until /readyz answers ok (the RBAC bootstrap roles exist by then).
func (c *Cluster) startAPIServer(ctx context.Context, extra []string) error {
	adminCert, adminKey, err := c.ca.issue(AdminUser, []string{"system:masters"}, nil, nil, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return err
	}
	pair, err := tls.X509KeyPair(adminCert, adminKey)
	if err != nil {
		return fmt.Errorf("load admin certificate: %w", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(c.ca.cert)
	probe := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: roots, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12,
	}}}
	defer probe.CloseIdleConnections()

	var lastErr error
	for range startAttempts {
		port, err := freePort()
		if err != nil {
			return err
		}
		args := append([]string{
			"--etcd-servers=" + c.etcdURL,
			"--bind-address=127.0.0.1",
			"--advertise-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(port),
			"--cert-dir=" + c.path("apiserver-certs"),
			"--tls-cert-file=" + c.path("apiserver.crt"),
			"--tls-private-key-file=" + c.path("apiserver.key"),
			"--client-ca-file=" + c.path("ca.crt"),
			"--service-account-issuer=https://kubernetes.default.svc",
			"--service-account-key-file=" + c.path("sa.pub"),
			"--service-account-signing-key-file=" + c.path("sa.key"),
			"--service-cluster-ip-range=10.0.0.0/24",
			"--authorization-mode=RBAC",
			// The default reconciler refuses a loopback advertise address.
			"--endpoint-reconciler-type=none",
			// Without it the API server rejects privileged Pods before any policy sees them.
			"--allow-privileged=true",
			"--profiling=false",
		}, append(c.aggregationArgs(), extra...)...)
		p, err := startProcess("kube-apiserver", filepath.Join(c.BinDir, "kube-apiserver"), c.path("kube-apiserver.log"), args)
		if err != nil {
			return err
		}
		c.api = p
		server := "https://127.0.0.1:" + strconv.Itoa(port)
		err = waitReady(ctx, p, apiTimeout, probe, server+"/readyz")
		if err == nil {
			c.Server = server
			c.admin = &rest.Config{
				Host:            server,
				TLSClientConfig: rest.TLSClientConfig{CAData: c.ca.certPEM, CertData: adminCert, KeyData: adminKey},
				QPS:             -1, // no client-side throttling in tests
			}
			return nil
		}
		p.stop(stopGrace)
		if !p.addrInUse() {
			return fmt.Errorf("%w\n%s", err, tail(p.logPath, 60))
		}
		lastErr = err
	}
	return fmt.Errorf("start kube-apiserver: every port tried was taken: %w", lastErr)
}

// waitReady polls url until it answers 200, the process exits, or timeout.
func waitReady(ctx context.Context, p *process, timeout time.Duration, client *http.Client, url string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last string
	for {
		if exited, err := p.exitedWith(); exited {
			return fmt.Errorf("%w before %s answered (log %s)", err, url, p.logPath)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s (last answer: %s; log %s)", p.name, timeout, last, p.logPath)
		case <-p.done:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// prepare does what a real cluster's controller-manager would for the
// tests (default ServiceAccounts), creates the least-privileged user's
// namespace and role, and writes both kubeconfigs.
func (c *Cluster) prepare(ctx context.Context, o *options) error {
	client, err := kubernetes.NewForConfig(c.admin)
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	saCtx, cancel := context.WithCancel(context.Background())
	c.stopSA, c.saDone = cancel, make(chan struct{})
	go func() {
		defer close(c.saDone)
		publishServiceAccounts(saCtx, client, c.ca.certPEM)
	}()

	if c.AdminKubeconfig, err = c.writeKubeconfig("admin", AdminUser, "system:masters"); err != nil {
		return err
	}
	if c.UserKubeconfig, err = c.writeKubeconfig("user", ViewerUser); err != nil {
		return err
	}

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: o.userNamespace}}
	if _, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", o.userNamespace, err)
	}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: ViewerUser, Namespace: o.userNamespace}, Rules: o.userRules}
	if _, err := client.RbacV1().Roles(o.userNamespace).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create role %s/%s: %w", o.userNamespace, ViewerUser, err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: ViewerUser, Namespace: o.userNamespace},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: ViewerUser},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: ViewerUser}},
	}
	if _, err := client.RbacV1().RoleBindings(o.userNamespace).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create rolebinding %s/%s: %w", o.userNamespace, ViewerUser, err)
	}

	// Pods in these namespaces must be admitted as soon as Start returns.
	for _, ns := range []string{metav1.NamespaceDefault, o.userNamespace} {
		if err := waitServiceAccount(ctx, client, ns); err != nil {
			return err
		}
	}
	return nil
}

// KubeconfigFor writes a kubeconfig for a new identity, authenticated by a
// client certificate from the cluster's CA, and returns its path. What the
// identity may do is up to the RBAC objects the test creates.
func (c *Cluster) KubeconfigFor(user string, groups ...string) (string, error) {
	n := c.identities.Add(1)
	return c.writeKubeconfig(fmt.Sprintf("identity-%d", n), user, groups...)
}

func (c *Cluster) writeKubeconfig(name, user string, groups ...string) (string, error) {
	cert, key, err := c.ca.issue(user, groups, nil, nil, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return "", err
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["testcluster"] = &clientcmdapi.Cluster{Server: c.Server, CertificateAuthorityData: c.ca.certPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: cert, ClientKeyData: key}
	cfg.Contexts["testcluster"] = &clientcmdapi.Context{Cluster: "testcluster", AuthInfo: user, Namespace: metav1.NamespaceDefault}
	cfg.CurrentContext = "testcluster"
	path := c.path(name + ".kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("write kubeconfig for %s: %w", user, err)
	}
	return path, nil
}

// RESTConfig returns a fresh client configuration for AdminUser.
func (c *Cluster) RESTConfig() *rest.Config {
	return rest.CopyConfig(c.admin)
}

// KubectlPath is the path of the cluster's kubectl binary.
func (c *Cluster) KubectlPath() string {
	return filepath.Join(c.BinDir, "kubectl")
}

// Command returns a kubectl command for the identity of kubeconfig. Its
// discovery cache stays in the cluster directory, not in $HOME.
func (c *Cluster) Command(ctx context.Context, kubeconfig string, args ...string) *exec.Cmd {
	args = append([]string{"--kubeconfig=" + kubeconfig, "--cache-dir=" + c.path("kubectl-cache")}, args...)
	return exec.CommandContext(ctx, c.KubectlPath(), args...)
}

// Kubectl runs kubectl as AdminUser and returns its standard output; it
// fails the test when kubectl fails.
func (c *Cluster) Kubectl(t testing.TB, args ...string) string {
	t.Helper()
	out, err := c.kubectl(t.Context(), "", args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Apply applies manifests (YAML or JSON, several documents allowed) as
// AdminUser, and fails the test when kubectl apply fails. Like a script
// against a real cluster, it retries while a namespace it created has no
// default ServiceAccount yet.
func (c *Cluster) Apply(t testing.TB, manifests string) {
	t.Helper()
	deadline := time.Now().Add(applyRetryUntil)
	for {
		_, err := c.kubectl(t.Context(), manifests, "apply", "-f", "-")
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), `serviceaccount "default" not found`) || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (c *Cluster) kubectl(ctx context.Context, stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, kubectlTimeout)
	defer cancel()
	cmd := c.Command(ctx, c.AdminKubeconfig, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// stop stops the API server and etcd, prints their logs when the tests
// failed, and removes the cluster directory unless $KUBESCAPE_TESTCLUSTER_KEEP=1.
func (c *Cluster) stop(failed bool, logf func(string, ...any)) {
	if c.stopped {
		return
	}
	c.stopped = true
	if c.stopSA != nil {
		c.stopSA()
		<-c.saDone
	}
	for _, p := range []*process{c.api, c.etcd} {
		if p != nil {
			p.stop(stopGrace)
		}
	}
	if failed {
		for _, p := range []*process{c.etcd, c.api} {
			if p != nil {
				logf("testcluster: last lines of %s:\n%s", p.name, tail(p.logPath, 100))
			}
		}
	}
	if os.Getenv(KeepEnv) == "1" {
		// Without its owner file, the directory is not reaped by later runs.
		_ = os.Remove(c.path(ownerFile))
		logf("testcluster: kept %s ($%s=1)", c.Dir, KeepEnv)
		return
	}
	if err := os.RemoveAll(c.Dir); err != nil {
		logf("testcluster: remove %s: %v", c.Dir, err)
	}
}
