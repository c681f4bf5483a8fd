package testcluster_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"kubescape.io/kubescape/internal/testcluster"
)

const (
	widgetGroup    = "widgets.testcluster.kubescape.io"
	widgetVersion  = "v1alpha1"
	widgetResource = "widgets"
	widgetServerID = "system:testcluster-widgets"
)

// TestAggregatedAPIServer registers a minimal extension API server, a
// process-local HTTPS server that authenticates the front proxy and
// authorizes through the API server like one built on k8s.io/apiserver,
// and drives it with kubectl through the real kube-apiserver.
func TestAggregatedAPIServer(t *testing.T) {
	c := testcluster.Shared(t)

	began := time.Now()
	ip := testcluster.NonLoopbackAddress(t)
	addressReady := time.Since(began)
	if ip.IsLoopback() || ip.To4() == nil {
		t.Fatalf("NonLoopbackAddress = %s, want a non-loopback IPv4 address", ip)
	}

	began = time.Now()
	kubeconfig := c.ExtensionServerKubeconfig(t, widgetServerID)
	certFile, keyFile, caBundle := c.ExtensionServingCert(t, widgetGroup, ip)
	s := startWidgetServer(t, kubeconfig, certFile, keyFile, ip)
	serverReady := time.Since(began)

	// The server configured its front-proxy trust from what the API server
	// published for delegated authentication.
	if !bytes.Equal(s.frontProxyCA, c.FrontProxyCAPEM()) {
		t.Errorf("extension-apiserver-authentication publishes a requestheader CA other than FrontProxyCAPEM:\n%s", s.frontProxyCA)
	}
	if want := []string{testcluster.FrontProxyClientName}; !slices.Equal(s.allowedNames, want) {
		t.Errorf("requestheader-allowed-names = %q, want %q", s.allowedNames, want)
	}

	began = time.Now()
	c.RegisterAPIService(t, widgetGroup, widgetVersion, ip, s.port, caBundle)
	t.Logf("timings: NonLoopbackAddress %s, extension server %s, RegisterAPIService (Available + discovery) %s",
		addressReady.Round(time.Millisecond), serverReady.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))

	c.Apply(t, `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: widget-reader
rules:
- apiGroups: [`+widgetGroup+`]
  resources: [widgets]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: widget-reader
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: widget-reader}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: widget-readers}
`)
	reader, err := c.KubeconfigFor("widget-reader", "widget-readers")
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := c.KubeconfigFor("widget-stranger")
	if err != nil {
		t.Fatal(err)
	}
	widgetPath := fmt.Sprintf("/apis/%s/%s/namespaces/default/%s/first", widgetGroup, widgetVersion, widgetResource)

	t.Run("api-resources lists the aggregated resource", func(t *testing.T) {
		out := kubectl(t, c, c.AdminKubeconfig, "api-resources", "--api-group="+widgetGroup, "-o", "name")
		if got, want := strings.TrimSpace(out), widgetResource+"."+widgetGroup; got != want {
			t.Errorf("kubectl api-resources --api-group=%s = %q, want %q", widgetGroup, got, want)
		}
	})

	t.Run("admin reaches the server through the aggregator", func(t *testing.T) {
		var w widget
		if err := json.Unmarshal([]byte(kubectl(t, c, c.AdminKubeconfig, "get", "--raw", widgetPath)), &w); err != nil {
			t.Fatalf("decode widget: %v", err)
		}
		if w.Status.User != testcluster.AdminUser {
			t.Errorf("server saw user %q, want %q", w.Status.User, testcluster.AdminUser)
		}
		for _, g := range []string{"system:masters", "system:authenticated"} {
			if !slices.Contains(w.Status.Groups, g) {
				t.Errorf("server saw groups %q, want them to include %q", w.Status.Groups, g)
			}
		}
	})

	t.Run("RBAC-granted identity by resource name", func(t *testing.T) {
		out := kubectl(t, c, reader, "get", widgetResource+"."+widgetGroup, "first", "-n", "default", "-o", "jsonpath={.status.user}|{.status.groups}")
		user, groups, _ := strings.Cut(out, "|")
		if user != "widget-reader" || !strings.Contains(groups, `"widget-readers"`) {
			t.Errorf("server saw user|groups %q, want widget-reader in group widget-readers", out)
		}
	})

	t.Run("identity without RBAC is stopped by the API server", func(t *testing.T) {
		var stderr strings.Builder
		cmd := c.Command(t.Context(), stranger, "get", "--raw", widgetPath)
		cmd.Stderr = &stderr
		if err := cmd.Run(); err == nil || !strings.Contains(strings.ToLower(stderr.String()), "forbidden") {
			t.Errorf("kubectl get --raw as an identity without RBAC: %v, want forbidden; stderr:\n%s", err, stderr.String())
		}
		if s.sawUser("widget-stranger") {
			t.Error("the request of an identity without RBAC reached the extension server")
		}
	})

	t.Run("request headers without the front-proxy certificate", func(t *testing.T) {
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(caBundle)
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: roots, ServerName: testcluster.APIServiceHost(widgetGroup), MinVersion: tls.VersionTLS12,
		}}}
		defer client.CloseIdleConnections()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://"+net.JoinHostPort(ip.String(), strconv.Itoa(s.port))+widgetPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Remote-User", testcluster.AdminUser)
		req.Header.Set("X-Remote-Group", "system:masters")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("direct request to the extension server: %v", err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("direct request with forged headers: %s, want 401", resp.Status)
		}
	})

	t.Run("extension server identity", func(t *testing.T) {
		tests := []struct {
			kubeconfig string
			args       []string
			want       string
		}{
			{kubeconfig, []string{"create", "tokenreviews.authentication.k8s.io"}, "yes"},
			{kubeconfig, []string{"create", "subjectaccessreviews.authorization.k8s.io"}, "yes"},
			{kubeconfig, []string{"get", "configmap/extension-apiserver-authentication", "-n", "kube-system"}, "yes"},
			{kubeconfig, []string{"get", "secrets", "-n", "kube-system"}, "no"},
			{stranger, []string{"get", "configmap/extension-apiserver-authentication", "-n", "kube-system"}, "no"},
		}
		for _, tt := range tests {
			// can-i exits 1 when the answer is no; its output is the answer.
			var stdout strings.Builder
			cmd := c.Command(t.Context(), tt.kubeconfig, append([]string{"auth", "can-i"}, tt.args...)...)
			cmd.Stdout = &stdout
			_ = cmd.Run()
			if got := strings.TrimSpace(stdout.String()); got != tt.want {
				t.Errorf("kubectl auth can-i %s (%s) = %q, want %q", strings.Join(tt.args, " "), tt.kubeconfig, got, tt.want)
			}
		}
	})
}

func kubectl(t *testing.T, c *testcluster.Cluster, kubeconfig string, args ...string) string {
	t.Helper()
	var stdout, stderr strings.Builder
	cmd := c.Command(t.Context(), kubeconfig, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// widget is the one kind the widget server serves; its status says who
// the server saw asking.
type widget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Status            struct {
		User   string   `json:"user"`
		Groups []string `json:"groups"`
	} `json:"status"`
}

// widgetServer is a minimal extension API server: it trusts the identity in
// the request headers only from a client certificate of the front-proxy
// CA with an allowed name, and asks the API server (SubjectAccessReview,
// as its own identity) whether that identity may get a widget, as a server
// built on k8s.io/apiserver does with delegated authentication and
// authorization.
type widgetServer struct {
	port         int
	client       kubernetes.Interface
	frontProxyCA []byte
	allowedNames []string
	userHeaders  []string
	groupHeaders []string

	mu    sync.Mutex
	users []string // every identity a resource request came from
}

func startWidgetServer(t *testing.T, kubeconfig, certFile, keyFile string, ip net.IP) *widgetServer {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatalf("load %s: %v", kubeconfig, err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &widgetServer{client: client}
	if err := s.readAuthentication(t.Context()); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.frontProxyCA) {
		t.Fatalf("requestheader-client-ca-file holds no PEM certificate:\n%s", s.frontProxyCA)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			ClientAuth:   tls.VerifyClientCertIfGiven,
			ClientCAs:    pool,
			MinVersion:   tls.VersionTLS12,
		},
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("widget server: %v", err)
		}
	})
	return s
}

// readAuthentication reads the delegated-authentication settings the API
// server publishes in kube-system, waiting for them after a fresh start.
func (s *widgetServer) readAuthentication(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	last := "no requestheader-client-ca-file"
	for {
		cm, err := s.client.CoreV1().ConfigMaps(metav1.NamespaceSystem).Get(ctx, "extension-apiserver-authentication", metav1.GetOptions{})
		if err != nil {
			last = err.Error()
		}
		if err == nil && cm.Data["requestheader-client-ca-file"] != "" {
			s.frontProxyCA = []byte(cm.Data["requestheader-client-ca-file"])
			for key, dst := range map[string]*[]string{
				"requestheader-allowed-names":    &s.allowedNames,
				"requestheader-username-headers": &s.userHeaders,
				"requestheader-group-headers":    &s.groupHeaders,
			} {
				if err := json.Unmarshal([]byte(cm.Data[key]), dst); err != nil {
					return fmt.Errorf("extension-apiserver-authentication %s: %w", key, err)
				}
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("read kube-system/extension-apiserver-authentication as %s: %s", widgetServerID, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *widgetServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, groups, err := s.authenticate(r)
	if err != nil {
		writeJSON(w, http.StatusUnauthorized, status(http.StatusUnauthorized, metav1.StatusReasonUnauthorized, err.Error()))
		return
	}
	gv := widgetGroup + "/" + widgetVersion
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/apis":
		writeJSON(w, http.StatusOK, &metav1.APIGroupList{
			TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"},
			Groups:   []metav1.APIGroup{widgetAPIGroup()},
		})
	case r.URL.Path == "/apis/"+widgetGroup:
		g := widgetAPIGroup()
		g.TypeMeta = metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}
		writeJSON(w, http.StatusOK, &g)
	case r.URL.Path == "/apis/"+gv:
		writeJSON(w, http.StatusOK, &metav1.APIResourceList{
			TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
			GroupVersion: gv,
			APIResources: []metav1.APIResource{{
				Name: widgetResource, SingularName: "widget", Namespaced: true, Kind: "Widget", Verbs: metav1.Verbs{"get"},
			}},
		})
	case len(parts) == 7 && r.Method == http.MethodGet && strings.Join(parts[:3], "/") == "apis/"+gv && parts[3] == "namespaces" && parts[5] == widgetResource:
		s.getWidget(w, r, user, groups, parts[4], parts[6])
	default:
		writeJSON(w, http.StatusNotFound, status(http.StatusNotFound, metav1.StatusReasonNotFound, r.URL.Path+" is not served here"))
	}
}

// authenticate returns the identity the front proxy vouches for.
func (s *widgetServer) authenticate(r *http.Request) (string, []string, error) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
		return "", nil, errors.New("no client certificate of the front-proxy CA")
	}
	if cn := r.TLS.PeerCertificates[0].Subject.CommonName; len(s.allowedNames) > 0 && !slices.Contains(s.allowedNames, cn) {
		return "", nil, fmt.Errorf("client certificate %q is not an allowed front proxy", cn)
	}
	var user string
	for _, h := range s.userHeaders {
		if user = r.Header.Get(h); user != "" {
			break
		}
	}
	if user == "" {
		return "", nil, errors.New("no user in the request headers")
	}
	var groups []string
	for _, h := range s.groupHeaders {
		groups = append(groups, r.Header.Values(h)...)
	}
	return user, groups, nil
}

func (s *widgetServer) getWidget(w http.ResponseWriter, r *http.Request, user string, groups []string, namespace, name string) {
	s.mu.Lock()
	s.users = append(s.users, user)
	s.mu.Unlock()
	review, err := s.client.AuthorizationV1().SubjectAccessReviews().Create(r.Context(), &authorizationv1.SubjectAccessReview{
		Spec: authorizationv1.SubjectAccessReviewSpec{
			User: user, Groups: groups,
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Group: widgetGroup, Version: widgetVersion, Resource: widgetResource, Verb: "get", Namespace: namespace, Name: name,
			},
		},
	}, metav1.CreateOptions{})
	switch {
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, status(http.StatusInternalServerError, metav1.StatusReasonInternalError, "SubjectAccessReview: "+err.Error()))
		return
	case !review.Status.Allowed:
		writeJSON(w, http.StatusForbidden, status(http.StatusForbidden, metav1.StatusReasonForbidden, user+" may not get widgets: "+review.Status.Reason))
		return
	}
	obj := &widget{
		TypeMeta:   metav1.TypeMeta{Kind: "Widget", APIVersion: widgetGroup + "/" + widgetVersion},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
	}
	obj.Status.User, obj.Status.Groups = user, groups
	writeJSON(w, http.StatusOK, obj)
}

func (s *widgetServer) sawUser(user string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.users, user)
}

func widgetAPIGroup() metav1.APIGroup {
	gv := metav1.GroupVersionForDiscovery{GroupVersion: widgetGroup + "/" + widgetVersion, Version: widgetVersion}
	return metav1.APIGroup{Name: widgetGroup, Versions: []metav1.GroupVersionForDiscovery{gv}, PreferredVersion: gv}
}

func status(code int32, reason metav1.StatusReason, message string) *metav1.Status {
	return &metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure, Code: code, Reason: reason, Message: message,
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		code, body = http.StatusInternalServerError, []byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","code":500}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}
