package install

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"kubescape.io/kubescape/webhook/certs"
	"kubescape.io/kubescape/webhook/inventory"
)

// Client applies and deletes the installation's objects.
type Client struct {
	kube kubernetes.Interface
	dyn  dynamic.Interface
	disc discovery.DiscoveryInterface
	// Logf reports progress; nil for silence.
	Logf func(format string, args ...any)
}

// NewClient connects to the cluster of cfg.
func NewClient(cfg *rest.Config) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = rest.NoWarnings{}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the cluster: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the cluster: %w", err)
	}
	return &Client{kube: kube, dyn: dyn, disc: kube.Discovery()}, nil
}

func (c *Client) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}

// Resolve finds the resources of the kinds in the cluster's API; kinds the
// cluster does not serve are returned apart.
func (c *Client) Resolve(kinds []string) ([]Resource, []string, error) {
	lists, err := c.disc.ServerPreferredResources()
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, nil, fmt.Errorf("discover the cluster's API: %w", err)
	}
	byKind := inventory.ResourcesByKind(lists)
	var out []Resource
	var missing []string
	for _, k := range kinds {
		gvr, ok := byKind[k]
		if !ok {
			missing = append(missing, k)
			continue
		}
		out = append(out, Resource{Kind: k, GVR: gvr})
	}
	return out, missing, nil
}

// TLS returns the TLS bundle for the installation: the Secret's when it is
// still valid for the hosts, renewed or created otherwise.
func (c *Client) TLS(ctx context.Context, o *Options, now time.Time) (*certs.Bundle, certs.Changes, error) {
	dns, ips, err := o.Hosts()
	if err != nil {
		return nil, certs.Changes{}, err
	}
	var cur *certs.Bundle
	s, err := c.kube.CoreV1().Secrets(o.Namespace).Get(ctx, o.SecretName(), metav1.GetOptions{})
	switch {
	case err == nil:
		cur = &certs.Bundle{CACert: s.Data[certs.CACertKey], CAKey: s.Data[certs.CAKeyKey], Cert: s.Data[certs.CertKey], Key: s.Data[certs.KeyKey]}
	case apierrors.IsNotFound(err):
	default:
		return nil, certs.Changes{}, fmt.Errorf("read Secret %s/%s: %w", o.Namespace, o.SecretName(), err)
	}
	return certs.Ensure(cur, certs.Spec{DNSNames: dns, IPs: ips, CAValidity: o.CAValidity, CertValidity: o.CertValidity}, now)
}

// Install applies the objects, then the TLS Secret, waits up to wait for
// the Deployment to be available (in-cluster installs, when wait > 0), and
// registers the webhook last, so that the API server calls it only once it
// can answer.
func (c *Client) Install(ctx context.Context, o *Options, bundle *certs.Bundle, wait time.Duration) error {
	for _, obj := range o.Objects() {
		if err := c.apply(ctx, obj); err != nil {
			return err
		}
	}
	if err := c.apply(ctx, o.Secret(bundle)); err != nil {
		return err
	}
	if o.InCluster() && wait > 0 {
		if err := c.waitAvailable(ctx, o, wait); err != nil {
			return err
		}
	}
	return c.apply(ctx, o.Registration(bundle.CACert))
}

func (c *Client) waitAvailable(ctx context.Context, o *Options, wait time.Duration) error {
	c.logf("waiting up to %s for deployment %s/%s to be available", wait, o.Namespace, o.Name)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		d, err := c.kube.AppsV1().Deployments(o.Namespace).Get(ctx, o.Name, metav1.GetOptions{})
		if err == nil && available(d) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("deployment %s/%s not available after %s; the webhook is not registered yet (see 'kubectl -n %s describe deployment %s', or raise --wait): %w",
				o.Namespace, o.Name, wait, o.Namespace, o.Name, ctx.Err())
		case <-t.C:
		}
	}
}

func available(d *appsv1.Deployment) bool {
	if d.Status.ObservedGeneration < d.Generation {
		return false
	}
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	return d.Status.UpdatedReplicas >= want && d.Status.AvailableReplicas >= want
}

// apply server-side applies one object.
func (c *Client) apply(ctx context.Context, obj runtime.Object) error {
	u, gvr, err := toUnstructured(obj)
	if err != nil {
		return err
	}
	var ri dynamic.ResourceInterface = c.dyn.Resource(gvr)
	if ns := u.GetNamespace(); ns != "" {
		ri = c.dyn.Resource(gvr).Namespace(ns)
	}
	if _, err := ri.Apply(ctx, u.GetName(), u, metav1.ApplyOptions{FieldManager: FieldManager, Force: true}); err != nil {
		return fmt.Errorf("apply %s %s: %w", u.GetKind(), qualified(u.GetNamespace(), u.GetName()), err)
	}
	c.logf("%s/%s applied", strings.ToLower(u.GetKind()), qualified(u.GetNamespace(), u.GetName()))
	return nil
}

// Uninstall deletes what Install created, the registration first so that
// the API server stops calling the server before it goes away. The
// namespace is deleted only when install created it (it carries the
// managed-by label) and keepNamespace is false.
func (c *Client) Uninstall(ctx context.Context, namespace, name string, keepNamespace bool) error {
	type target struct {
		gvr       schema.GroupVersionResource
		kind, ns  string
		name      string
		namespace bool
	}
	ar := func(g, v, r string) schema.GroupVersionResource {
		return schema.GroupVersionResource{Group: g, Version: v, Resource: r}
	}
	targets := []target{
		{ar("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations"), "ValidatingWebhookConfiguration", "", name, false},
		{ar("apps", "v1", "deployments"), "Deployment", namespace, name, false},
		{ar("policy", "v1", "poddisruptionbudgets"), "PodDisruptionBudget", namespace, name, false},
		{ar("", "v1", "services"), "Service", namespace, name, false},
		{ar("", "v1", "configmaps"), "ConfigMap", namespace, name, false},
		{ar("", "v1", "secrets"), "Secret", namespace, name + "-tls", false},
		{ar("rbac.authorization.k8s.io", "v1", "rolebindings"), "RoleBinding", namespace, name, false},
		{ar("rbac.authorization.k8s.io", "v1", "roles"), "Role", namespace, name, false},
		{ar("rbac.authorization.k8s.io", "v1", "clusterrolebindings"), "ClusterRoleBinding", "", name, false},
		{ar("rbac.authorization.k8s.io", "v1", "clusterroles"), "ClusterRole", "", name, false},
		{ar("", "v1", "serviceaccounts"), "ServiceAccount", namespace, name, false},
		{ar("", "v1", "namespaces"), "Namespace", "", namespace, true},
	}
	var errs []error
	for _, t := range targets {
		var ri dynamic.ResourceInterface = c.dyn.Resource(t.gvr)
		if t.ns != "" {
			ri = c.dyn.Resource(t.gvr).Namespace(t.ns)
		}
		if t.namespace {
			if keepNamespace {
				continue
			}
			u, err := ri.Get(ctx, t.name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				continue
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("read namespace %s: %w", t.name, err))
				continue
			}
			if u.GetLabels()[ManagedByLabel] != ManagedBy {
				c.logf("namespace/%s kept: not created by webhook install", t.name)
				continue
			}
		}
		err := ri.Delete(ctx, t.name, metav1.DeleteOptions{PropagationPolicy: ptr(metav1.DeletePropagationBackground)})
		switch {
		case err == nil:
			c.logf("%s/%s deleted", strings.ToLower(t.kind), qualified(t.ns, t.name))
		case apierrors.IsNotFound(err):
		default:
			errs = append(errs, fmt.Errorf("delete %s %s: %w", t.kind, qualified(t.ns, t.name), err))
		}
	}
	return errors.Join(errs...)
}

// toUnstructured converts a typed object for the dynamic client, without
// the fields apply must not own (status, an empty creationTimestamp).
func toUnstructured(obj runtime.Object) (*unstructured.Unstructured, schema.GroupVersionResource, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, schema.GroupVersionResource{}, fmt.Errorf("convert %T: %w", obj, err)
	}
	delete(m, "status")
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	if spec, ok := m["spec"].(map[string]any); ok {
		if tmpl, ok := spec["template"].(map[string]any); ok {
			if md, ok := tmpl["metadata"].(map[string]any); ok {
				delete(md, "creationTimestamp")
			}
		}
	}
	u := &unstructured.Unstructured{Object: m}
	gvk := u.GroupVersionKind()
	gvr, ok := resources[gvk.Kind]
	if !ok {
		return nil, schema.GroupVersionResource{}, fmt.Errorf("no resource known for kind %s", gvk.Kind)
	}
	return u, gvr, nil
}

// resources are the resources of the kinds install applies.
var resources = map[string]schema.GroupVersionResource{
	"Namespace":                      {Version: "v1", Resource: "namespaces"},
	"ServiceAccount":                 {Version: "v1", Resource: "serviceaccounts"},
	"Secret":                         {Version: "v1", Resource: "secrets"},
	"ConfigMap":                      {Version: "v1", Resource: "configmaps"},
	"Service":                        {Version: "v1", Resource: "services"},
	"Deployment":                     {Group: "apps", Version: "v1", Resource: "deployments"},
	"PodDisruptionBudget":            {Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"},
	"ClusterRole":                    {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"},
	"ClusterRoleBinding":             {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"},
	"Role":                           {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"},
	"RoleBinding":                    {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"},
	"ValidatingWebhookConfiguration": {Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingwebhookconfigurations"},
}

// Manifests returns every object of the installation, the Secret and the
// registration included, as YAML-ready maps (for --dry-run).
func (o *Options) Manifests(bundle *certs.Bundle) ([]map[string]any, error) {
	objs := append(o.Objects(), o.Secret(bundle), o.Registration(bundle.CACert))
	out := make([]map[string]any, 0, len(objs))
	for _, obj := range objs {
		u, _, err := toUnstructured(obj)
		if err != nil {
			return nil, err
		}
		out = append(out, u.Object)
	}
	return out, nil
}

func qualified(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}
