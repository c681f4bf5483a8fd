package testcluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
)

// APIServiceNamespace holds the Services and EndpointSlices that
// RegisterAPIService creates for extension API servers.
const APIServiceNamespace = "testcluster-apiservices"

const (
	// apiServicePort is the Service port APIServices name; the
	// EndpointSlice maps it to the extension server's real port.
	apiServicePort = 443
	// apiServicePortName ties the Service port to the EndpointSlice port.
	apiServicePortName = "https"
	// apiServiceTimeout bounds the wait for Available and for discovery.
	apiServiceTimeout = 2 * time.Minute
	// cleanupTimeout bounds the deletions of a cleanup, which runs after
	// the test's context has ended.
	cleanupTimeout = 30 * time.Second
	// fieldManager owns every field the harness applies.
	fieldManager = "testcluster"
	// serviceLabel marks an APIService with the Service it points to, so
	// the last APIService of a group to go takes the Service with it.
	serviceLabel = "testcluster.kubescape.io/service"
	// nudgeAnnotation is what waitAvailable changes on an EndpointSlice to
	// make the aggregator check its APIServices again.
	nudgeAnnotation = "testcluster.kubescape.io/nudge"
	// nudgeInterval spaces those changes.
	nudgeInterval = 500 * time.Millisecond
)

var (
	namespacesGVR     = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	servicesGVR       = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	endpointSlicesGVR = discoveryv1.SchemeGroupVersion.WithResource("endpointslices")
	apiServicesGVR    = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}
	clusterRolesGVR   = rbacv1.SchemeGroupVersion.WithResource("clusterroles")
	clusterBindingGVR = rbacv1.SchemeGroupVersion.WithResource("clusterrolebindings")
	roleBindingsGVR   = rbacv1.SchemeGroupVersion.WithResource("rolebindings")
)

// APIServiceName returns the name of the Service in APIServiceNamespace
// that RegisterAPIService creates for the extension API server of group:
// the group with its dots replaced by dashes (results-kubescape-io).
func APIServiceName(group string) string {
	return strings.ReplaceAll(group, ".", "-")
}

// APIServiceHost returns the host name the aggregator verifies in the
// serving certificate of group's extension API server:
// <APIServiceName(group)>.<APIServiceNamespace>.svc.
func APIServiceHost(group string) string {
	return APIServiceName(group) + "." + APIServiceNamespace + ".svc"
}

// ExtensionServingCert issues a serving certificate for the extension API
// server of group, valid for APIServiceHost(group) and ips, signed by the
// cluster CA. It returns the certificate and key files (in the cluster
// directory) and the CA bundle to give RegisterAPIService.
func (c *Cluster) ExtensionServingCert(t testing.TB, group string, ips ...net.IP) (certFile, keyFile string, caBundle []byte) {
	t.Helper()
	host := APIServiceHost(group)
	cert, key, err := c.ca.issue(host, nil, ips, []string{host}, x509.ExtKeyUsageServerAuth)
	if err != nil {
		t.Fatalf("issue serving certificate for %s: %v", host, err)
	}
	name := fmt.Sprintf("serving-%d", c.identities.Add(1))
	certFile, keyFile = c.path(name+".crt"), c.path(name+".key")
	for path, data := range map[string][]byte{certFile: cert, keyFile: key} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatalf("write serving certificate for %s: %v", host, err)
		}
	}
	return certFile, keyFile, c.CAPEM()
}

// RegisterAPIService makes the API server aggregate group/version from an
// extension API server listening on ip:port, as a Deployment behind a
// Service would in a real cluster: it applies the namespace
// APIServiceNamespace, a Service without selector named
// APIServiceName(group), an EndpointSlice with ip:port (the aggregator
// dials it directly: --enable-aggregator-routing) and the APIService
// <version>.<group>, whose caBundle must verify the server's certificate
// for APIServiceHost(group). It then waits until the APIService is
// Available and group/version is in the API server's discovery, so kubectl
// sees it, and fails the test with the APIService's conditions when that
// takes longer than two minutes. The APIService goes when the test ends,
// and the Service with the group's last APIService.
//
// The API server refuses loopback EndpointSlice addresses: ip comes from
// NonLoopbackAddress. The versions of one group share its Service, so all
// of them must be served at the same ip:port.
func (c *Cluster) RegisterAPIService(t testing.TB, group, version string, ip net.IP, port int, caBundle []byte) {
	t.Helper()
	if err := checkAPIServiceArgs(group, version, ip, port, caBundle); err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(c.admin)
	if err != nil {
		t.Fatalf("dynamic client: %v", err)
	}
	began := time.Now()
	name := version + "." + group
	t.Cleanup(func() {
		if err := c.unregisterAPIService(dyn, name, APIServiceName(group)); err != nil {
			t.Errorf("unregister APIService %s: %v", name, err)
		}
	})
	if err := applyAPIService(t.Context(), dyn, group, version, ip, port, caBundle); err != nil {
		t.Fatal(err)
	}
	if err := waitAvailable(t.Context(), dyn, name, APIServiceName(group), ip, port, apiServiceTimeout); err != nil {
		t.Fatal(err)
	}
	available := time.Since(began)
	if err := c.waitDiscovered(t.Context(), schema.GroupVersion{Group: group, Version: version}, apiServiceTimeout); err != nil {
		t.Fatal(err)
	}
	t.Logf("testcluster: APIService %s (%s) Available after %s, in discovery after %s",
		name, net.JoinHostPort(ip.String(), strconv.Itoa(port)), available.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

// checkAPIServiceArgs rejects, with what to do, what the API server would
// refuse later with a less helpful message.
func checkAPIServiceArgs(group, version string, ip net.IP, port int, caBundle []byte) error {
	if msgs := validation.IsDNS1035Label(APIServiceName(group)); len(msgs) > 0 {
		return fmt.Errorf("register APIService: group %q does not make a valid Service name %q: %s", group, APIServiceName(group), strings.Join(msgs, "; "))
	}
	if msgs := validation.IsDNS1035Label(version); len(msgs) > 0 {
		return fmt.Errorf("register APIService: version %q: %s", version, strings.Join(msgs, "; "))
	}
	switch {
	case ip == nil || ip.IsUnspecified():
		return fmt.Errorf("register APIService %s/%s: no endpoint IP: give the address the extension server listens on (from NonLoopbackAddress)", group, version)
	case ip.IsLoopback() || ip.IsLinkLocalUnicast():
		return fmt.Errorf("register APIService %s/%s: the API server refuses EndpointSlice address %s (loopback or link-local): listen on an address from NonLoopbackAddress", group, version, ip)
	case port < 1 || port > 65535:
		return fmt.Errorf("register APIService %s/%s: port %d is not a TCP port", group, version, port)
	case len(caBundle) == 0:
		return fmt.Errorf("register APIService %s/%s: empty caBundle: give the CA that signed the extension server's certificate (ExtensionServingCert returns it)", group, version)
	}
	return nil
}

// applyAPIService applies the namespace, Service, EndpointSlice and
// APIService of group/version.
func applyAPIService(ctx context.Context, dyn dynamic.Interface, group, version string, ip net.IP, port int, caBundle []byte) error {
	svcName := APIServiceName(group)
	addressType := discoveryv1.AddressTypeIPv4
	if ip.To4() == nil {
		addressType = discoveryv1.AddressTypeIPv6
	}
	ready := true
	objects := []struct {
		gvr schema.GroupVersionResource
		obj runtime.Object
	}{
		{namespacesGVR, &corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: APIServiceNamespace},
		}},
		{servicesGVR, &corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: metav1.ObjectMeta{Name: svcName, Namespace: APIServiceNamespace},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{
				Name: apiServicePortName, Port: apiServicePort, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt(port),
			}}},
		}},
		{endpointSlicesGVR, &discoveryv1.EndpointSlice{
			TypeMeta: metav1.TypeMeta{APIVersion: discoveryv1.SchemeGroupVersion.String(), Kind: "EndpointSlice"},
			ObjectMeta: metav1.ObjectMeta{Name: svcName, Namespace: APIServiceNamespace, Labels: map[string]string{
				discoveryv1.LabelServiceName: svcName,
				discoveryv1.LabelManagedBy:   "testcluster.kubescape.io",
			}},
			AddressType: addressType,
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{ip.String()}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
			Ports:       []discoveryv1.EndpointPort{{Name: new(apiServicePortName), Port: new(int32(port)), Protocol: new(corev1.ProtocolTCP)}},
		}},
	}
	for _, o := range objects {
		u, err := toUnstructured(o.obj)
		if err != nil {
			return err
		}
		if err := apply(ctx, dyn, o.gvr, u); err != nil {
			return err
		}
	}
	apiService := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1",
		"kind":       "APIService",
		"metadata": map[string]any{
			"name":   version + "." + group,
			"labels": map[string]any{serviceLabel: svcName},
		},
		"spec": map[string]any{
			"group":                group,
			"version":              version,
			"groupPriorityMinimum": int64(1000),
			"versionPriority":      int64(15),
			"caBundle":             base64.StdEncoding.EncodeToString(caBundle),
			"service": map[string]any{
				"namespace": APIServiceNamespace,
				"name":      svcName,
				"port":      int64(apiServicePort),
			},
		},
	}}
	return apply(ctx, dyn, apiServicesGVR, apiService)
}

func toUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("convert %T: %w", obj, err)
	}
	return &unstructured.Unstructured{Object: u}, nil
}

// apply server-side applies obj as the harness's field manager, taking
// over fields another manager set.
func apply(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, obj *unstructured.Unstructured) error {
	var client dynamic.ResourceInterface = dyn.Resource(gvr)
	if ns := obj.GetNamespace(); ns != "" {
		client = dyn.Resource(gvr).Namespace(ns)
	}
	if _, err := client.Apply(ctx, obj.GetName(), obj, metav1.ApplyOptions{FieldManager: fieldManager, Force: true}); err != nil {
		return fmt.Errorf("apply %s %s: %w", obj.GetKind(), objectKey(obj.GetNamespace(), obj.GetName()), err)
	}
	return nil
}

func objectKey(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

// waitAvailable waits until the APIService's Available condition is True.
//
// The aggregator retries a failed availability check with exponential
// backoff (up to 30 s), so a server that starts listening a few seconds
// after the registration would be noticed seconds late. While the
// APIService is not Available and its endpoint accepts connections,
// waitAvailable touches the EndpointSlice of Service svc every
// nudgeInterval: every change to it makes the aggregator check again at once.
func waitAvailable(ctx context.Context, dyn dynamic.Interface, name, svc string, ip net.IP, port int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var conditions string
	var lastNudge time.Time
	for n := 1; ; n++ {
		var status string
		obj, err := dyn.Resource(apiServicesGVR).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			status, conditions = apiServiceConditions(obj)
			if status == string(metav1.ConditionTrue) {
				return nil
			}
		} else if ctx.Err() == nil {
			conditions = err.Error()
		}
		// Only a failed check waits for the aggregator's backoff.
		if status == string(metav1.ConditionFalse) && time.Since(lastNudge) >= nudgeInterval && listening(ctx, ip, port) {
			lastNudge = time.Now()
			patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:"%d"}}}`, nudgeAnnotation, n)
			// A failed nudge only delays the check: the next one may work.
			_, _ = dyn.Resource(endpointSlicesGVR).Namespace(APIServiceNamespace).Patch(ctx, svc, types.MergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: fieldManager})
		}
		if ctx.Err() != nil {
			return fmt.Errorf("APIService %s is not Available after %s: %s\n"+
				"(the aggregator dials %s and needs the extension server to answer GET /apis/<group>/<version> there over TLS, "+
				"with a certificate for %s that the APIService's caBundle verifies)",
				name, timeout, conditions, net.JoinHostPort(ip.String(), strconv.Itoa(port)), svc+"."+APIServiceNamespace+".svc")
		}
		sleep(ctx, 100*time.Millisecond)
	}
}

// listening reports whether a TLS server answers on ip:port. It completes
// the handshake, without verifying the server, so the server has no
// half-open connection to log.
func listening(ctx context.Context, ip net.IP, port int) bool {
	d := tls.Dialer{
		NetDialer: &net.Dialer{Timeout: 200 * time.Millisecond},
		// Reachability only: the aggregator verifies the certificate.
		Config: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12},
	}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ip.String(), strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// apiServiceConditions returns the status of an APIService's Available
// condition ("" before it has one), and all its conditions as
// "Type=Status (Reason): Message; ...".
func apiServiceConditions(obj *unstructured.Unstructured) (string, string) {
	list, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	var available string
	var parts []string
	for _, item := range list {
		cond, ok := item.(map[string]any)
		if !ok {
			continue
		}
		typ, _ := cond["type"].(string)
		status, _ := cond["status"].(string)
		reason, _ := cond["reason"].(string)
		message, _ := cond["message"].(string)
		parts = append(parts, fmt.Sprintf("%s=%s (%s): %s", typ, status, reason, message))
		if typ == "Available" {
			available = status
		}
	}
	if len(parts) == 0 {
		return "", "no conditions yet"
	}
	return available, strings.Join(parts, "; ")
}

// waitDiscovered waits until gv is in the API server's aggregated
// discovery, which the aggregator fills from the extension server shortly
// after the APIService becomes Available; kubectl reads that document.
func (c *Cluster) waitDiscovered(ctx context.Context, gv schema.GroupVersion, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client, err := discovery.NewDiscoveryClientForConfig(c.admin)
	if err != nil {
		return fmt.Errorf("discovery client: %w", err)
	}
	last := "not listed"
	for {
		_, lists, err := client.ServerGroupsAndResourcesWithContext(ctx)
		var failed *discovery.ErrGroupDiscoveryFailed
		switch {
		case errors.As(err, &failed) && failed.Groups[gv] != nil:
			last = failed.Groups[gv].Error()
		case err != nil && !errors.As(err, &failed):
			last = err.Error()
		default:
			for _, l := range lists {
				if l.GroupVersion == gv.String() {
					return nil
				}
			}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s is Available but not in the API server's discovery after %s: %s", gv, timeout, last)
		}
		sleep(ctx, 100*time.Millisecond)
	}
}

// unregisterAPIService deletes APIService name and, when no other
// APIService of the harness points to it, Service svc and its
// EndpointSlice. A stopped cluster has nothing to delete.
func (c *Cluster) unregisterAPIService(dyn dynamic.Interface, name, svc string) error {
	if c.stopped {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := remove(ctx, dyn, apiServicesGVR, "", name); err != nil {
		return err
	}
	rest, err := dyn.Resource(apiServicesGVR).List(ctx, metav1.ListOptions{LabelSelector: serviceLabel + "=" + svc})
	if err != nil {
		return fmt.Errorf("list APIServices of Service %s: %w", svc, err)
	}
	if len(rest.Items) > 0 {
		return nil
	}
	if err := remove(ctx, dyn, endpointSlicesGVR, APIServiceNamespace, svc); err != nil {
		return err
	}
	return remove(ctx, dyn, servicesGVR, APIServiceNamespace, svc)
}

// remove deletes an object that may be gone already.
func remove(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, namespace, name string) error {
	var client dynamic.ResourceInterface = dyn.Resource(gvr)
	if namespace != "" {
		client = dyn.Resource(gvr).Namespace(namespace)
	}
	if err := client.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete %s %s: %w", gvr.Resource, objectKey(namespace, name), err)
	}
	return nil
}

// BindDelegatedAuth grants user what an extension API server built on
// k8s.io/apiserver needs for delegated authentication and authorization:
// the ClusterRole system:auth-delegator (create TokenReviews and
// SubjectAccessReviews) and the Role extension-apiserver-authentication-reader
// in kube-system (read the ConfigMap extension-apiserver-authentication,
// with the client CA and the front proxy's request-header settings). Extra
// rules, such as the namespace and admission-configuration reads of a
// generic API server's admission plugins, go into a ClusterRole of the
// user's own. The bindings go when the test ends.
func (c *Cluster) BindDelegatedAuth(t testing.TB, user string, rules ...rbacv1.PolicyRule) {
	t.Helper()
	dyn, err := dynamic.NewForConfig(c.admin)
	if err != nil {
		t.Fatalf("dynamic client: %v", err)
	}
	subjects := []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}}
	type object struct {
		gvr schema.GroupVersionResource
		obj runtime.Object
	}
	delegator := "testcluster:auth-delegator:" + user
	reader := "testcluster:authentication-reader:" + user
	objects := []object{
		{clusterBindingGVR, &rbacv1.ClusterRoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: delegator},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "system:auth-delegator"},
			Subjects:   subjects,
		}},
		{roleBindingsGVR, &rbacv1.RoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: reader, Namespace: metav1.NamespaceSystem},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "extension-apiserver-authentication-reader"},
			Subjects:   subjects,
		}},
	}
	if len(rules) > 0 {
		extra := "testcluster:extension-server:" + user
		objects = append(objects,
			object{clusterRolesGVR, &rbacv1.ClusterRole{
				TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRole"},
				ObjectMeta: metav1.ObjectMeta{Name: extra},
				Rules:      rules,
			}},
			object{clusterBindingGVR, &rbacv1.ClusterRoleBinding{
				TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
				ObjectMeta: metav1.ObjectMeta{Name: extra},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: extra},
				Subjects:   subjects,
			}})
	}
	t.Cleanup(func() {
		if c.stopped {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		for _, o := range objects {
			m, err := meta.Accessor(o.obj)
			if err == nil {
				err = remove(ctx, dyn, o.gvr, m.GetNamespace(), m.GetName())
			}
			if err != nil {
				t.Errorf("remove delegated-auth grant of %s: %v", user, err)
			}
		}
	})
	for _, o := range objects {
		u, err := toUnstructured(o.obj)
		if err != nil {
			t.Fatal(err)
		}
		if err := apply(t.Context(), dyn, o.gvr, u); err != nil {
			t.Fatalf("grant delegated auth to %s: %v", user, err)
		}
	}
}

// ExtensionServerKubeconfig writes a kubeconfig for user, a client
// certificate identity of the cluster CA, granted delegated authentication
// and authorization and the extra rules by BindDelegatedAuth, and returns
// its path: the credentials of an extension API server
// (--kubeconfig, --authentication-kubeconfig, --authorization-kubeconfig).
func (c *Cluster) ExtensionServerKubeconfig(t testing.TB, user string, rules ...rbacv1.PolicyRule) string {
	t.Helper()
	path, err := c.KubeconfigFor(user)
	if err != nil {
		t.Fatalf("kubeconfig for %s: %v", user, err)
	}
	c.BindDelegatedAuth(t, user, rules...)
	return path
}
