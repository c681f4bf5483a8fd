package install

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kubescape.io/kubescape/library"
	"kubescape.io/kubescape/webhook/certs"
	"kubescape.io/kubescape/webhook/policy"
)

func options(t *testing.T, policyYAML string) *Options {
	t.Helper()
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := policy.Default()
	if policyYAML != "" {
		if f, err = policy.Parse([]byte(policyYAML)); err != nil {
			t.Fatal(err)
		}
	}
	p, err := policy.Compile(lib, f, DefaultNamespace)
	if err != nil {
		t.Fatal(err)
	}
	return &Options{
		Namespace: DefaultNamespace, Name: DefaultName, WebhookName: DefaultWebhookName,
		Image: "registry.example.com/kubescape:v1", Replicas: 2, FailurePolicy: admissionregistrationv1.Ignore,
		TimeoutSeconds: 10, Policy: p, PolicyYAML: []byte(policyYAML),
		Resources: []Resource{
			{Kind: "Pod", GVR: schema.GroupVersionResource{Version: "v1", Resource: "pods"}},
			{Kind: "Deployment", GVR: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}},
			{Kind: "StatefulSet", GVR: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "statefulsets"}},
			{Kind: "RoleBinding", GVR: schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"}},
		},
		Related: []Resource{
			{Kind: "ClusterRole", GVR: schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}},
			{Kind: "Role", GVR: schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"}},
		},
	}
}

func TestRegistration(t *testing.T) {
	o := options(t, `
exemptions:
  namespaces: [team-*, monitoring]
  namespaceSelector: {matchLabels: {security: relaxed}}
  objectSelector: {matchExpressions: [{key: a, operator: NotIn, values: [b]}, {key: c, operator: Exists}]}
`)
	vwc := o.Registration([]byte("CA"))
	if len(vwc.Webhooks) != 1 {
		t.Fatalf("%d webhooks", len(vwc.Webhooks))
	}
	w := vwc.Webhooks[0]
	if w.Name != DefaultWebhookName || string(w.ClientConfig.CABundle) != "CA" || w.ClientConfig.URL != nil {
		t.Errorf("client config %+v", w.ClientConfig)
	}
	if s := w.ClientConfig.Service; s == nil || s.Name != DefaultName || s.Namespace != DefaultNamespace || *s.Path != "/validate" || *s.Port != 443 {
		t.Errorf("service %+v", s)
	}
	if *w.FailurePolicy != admissionregistrationv1.Ignore || *w.SideEffects != admissionregistrationv1.SideEffectClassNone ||
		*w.TimeoutSeconds != 10 || !slices.Equal(w.AdmissionReviewVersions, []string{"v1"}) || *w.MatchPolicy != admissionregistrationv1.Equivalent {
		t.Errorf("webhook settings %+v", w)
	}
	wantRules := []string{
		"/v1 pods pods/ephemeralcontainers",
		"apps/v1 deployments statefulsets",
		"rbac.authorization.k8s.io/v1 rolebindings",
	}
	var got []string
	for _, r := range w.Rules {
		got = append(got, r.APIGroups[0]+"/"+r.APIVersions[0]+" "+strings.Join(r.Resources, " "))
		if !slices.Equal(r.Operations, []admissionregistrationv1.OperationType{"CREATE", "UPDATE"}) || *r.Scope != "*" {
			t.Errorf("rule %+v: want CREATE and UPDATE in every scope", r)
		}
	}
	if !slices.Equal(got, wantRules) {
		t.Errorf("rules\n got %q\nwant %q", got, wantRules)
	}
	wantNS := []metav1.LabelSelectorRequirement{
		{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system", "kubescape", "monitoring"}},
		{Key: "security", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"relaxed"}},
	}
	if !equalRequirements(w.NamespaceSelector.MatchExpressions, wantNS) {
		t.Errorf("namespace selector %+v", w.NamespaceSelector.MatchExpressions)
	}
	if len(w.ObjectSelector.MatchExpressions) != 0 {
		t.Errorf("a two-requirement exemption cannot be negated in a selector: %+v", w.ObjectSelector)
	}
	conds := map[string]string{}
	for _, c := range w.MatchConditions {
		conds[c.Name] = c.Expression
	}
	if conds["not-being-deleted"] != "object == null || !has(object.metadata.deletionTimestamp)" {
		t.Errorf("match conditions %v", conds)
	}
	if conds["not-control-plane-or-node"] != policy.SystemUserCEL() || !strings.Contains(conds["not-control-plane-or-node"], "system:serviceaccount:kube-system:") {
		t.Errorf("system user condition %q", conds["not-control-plane-or-node"])
	}
	if conds["namespace-not-exempt"] != `request.namespace == '' || !request.namespace.matches(r'^(team-.*)$')` {
		t.Errorf("namespace condition %q", conds["namespace-not-exempt"])
	}

	o.URL = "https://127.0.0.1:8443/validate"
	o.FailurePolicy = admissionregistrationv1.Fail
	w = o.Registration([]byte("CA")).Webhooks[0]
	if w.ClientConfig.Service != nil || *w.ClientConfig.URL != o.URL || *w.FailurePolicy != admissionregistrationv1.Fail {
		t.Errorf("URL registration %+v", w)
	}
	dns, ips, err := o.Hosts()
	if err != nil || len(dns) != 0 || len(ips) != 1 || ips[0].String() != "127.0.0.1" {
		t.Errorf("hosts %v %v %v", dns, ips, err)
	}
	if objs := o.Objects(); len(objs) != 1 {
		t.Errorf("a URL install applies %d objects before the Secret, want the namespace only", len(objs))
	}
}

func equalRequirements(a, b []metav1.LabelSelectorRequirement) bool {
	return slices.EqualFunc(a, b, func(x, y metav1.LabelSelectorRequirement) bool {
		return x.Key == y.Key && x.Operator == y.Operator && slices.Equal(x.Values, y.Values)
	})
}

func TestNegate(t *testing.T) {
	for _, tc := range []struct {
		in   *metav1.LabelSelector
		want string
	}{
		{nil, ""},
		{&metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}, "a NotIn [b]"},
		{&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "In", Values: []string{"x", "y"}}}}, "a NotIn [x y]"},
		{&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Exists"}}}, "a DoesNotExist []"},
		{&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "DoesNotExist"}}}, ""},
		{&metav1.LabelSelector{MatchLabels: map[string]string{"a": "b", "c": "d"}}, ""},
	} {
		r, ok := negate(tc.in)
		got := ""
		if ok {
			got = r.Key + " " + string(r.Operator) + " [" + strings.Join(r.Values, " ") + "]"
		}
		if got != tc.want {
			t.Errorf("negate(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestGlobsToRegexp(t *testing.T) {
	re := regexp.MustCompile(globsToRegexp([]string{"team-*", "dev-?", "ns[0-9]", "x.y"}))
	for s, want := range map[string]bool{
		"team-a": true, "team-": true, "xteam-a": false, "dev-1": true, "dev-12": false,
		"ns4": true, "nsa": false, "x.y": true, "xzy": false,
	} {
		if re.MatchString(s) != want {
			t.Errorf("%s: match %v, want %v (%s)", s, !want, want, re)
		}
	}
}

func TestLeastPrivilege(t *testing.T) {
	o := options(t, "")
	var cr *rbacv1.ClusterRole
	var role *rbacv1.Role
	for _, obj := range o.RBAC() {
		switch x := obj.(type) {
		case *rbacv1.ClusterRole:
			cr = x
		case *rbacv1.Role:
			role = x
		}
	}
	for _, r := range cr.Rules {
		for _, v := range r.Verbs {
			if !slices.Contains([]string{"get", "list", "watch", "update"}, v) {
				t.Errorf("cluster role grants %s", v)
			}
		}
		if slices.Contains(r.Resources, "*") || slices.Contains(r.APIGroups, "*") || slices.Contains(r.Resources, "secrets") {
			t.Errorf("cluster role rule too wide: %+v", r)
		}
		if slices.Contains(r.Verbs, "update") && (len(r.ResourceNames) != 1 || r.ResourceNames[0] != DefaultName) {
			t.Errorf("update not restricted to the webhook's own configuration: %+v", r)
		}
	}
	if len(role.Rules) != 1 || !slices.Equal(role.Rules[0].ResourceNames, []string{DefaultName + "-tls"}) {
		t.Errorf("secret access not restricted to the TLS Secret: %+v", role.Rules)
	}
	// Namespaces are read only for exemptions by namespace label.
	if strings.Contains(strings.Join(cr.Rules[0].Resources, ","), "namespaces") {
		t.Error("namespaces readable without a namespaceSelector exemption")
	}
	o = options(t, "exemptions: {namespaceSelector: {matchLabels: {a: b}}}")
	found := false
	for _, obj := range o.RBAC() {
		if x, ok := obj.(*rbacv1.ClusterRole); ok {
			for _, r := range x.Rules {
				found = found || slices.Contains(r.Resources, "namespaces")
			}
		}
	}
	if !found {
		t.Error("namespaces not readable with a namespaceSelector exemption")
	}
}

func TestDeployment(t *testing.T) {
	o := options(t, "defaultAction: warn")
	d := o.Deployment()
	c := d.Spec.Template.Spec.Containers[0]
	if c.Image != o.Image || *d.Spec.Replicas != 2 {
		t.Errorf("image %s replicas %d", c.Image, *d.Spec.Replicas)
	}
	args := strings.Join(c.Args, " ")
	for _, want := range []string{"webhook serve", "--tls-secret=kubescape-webhook-tls", "--webhook-configuration=kubescape-webhook", "--policy=/etc/kubescape-webhook/policy.yaml"} {
		if !strings.Contains(args, want) {
			t.Errorf("args %q lack %q", args, want)
		}
	}
	sc := c.SecurityContext
	if !*sc.ReadOnlyRootFilesystem || *sc.AllowPrivilegeEscalation || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || !*d.Spec.Template.Spec.SecurityContext.RunAsNonRoot {
		t.Errorf("container not hardened: %+v", sc)
	}
	if c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Error("probes")
	}
	before := d.Spec.Template.Annotations[ConfigHashAnnotation]
	o.PolicyYAML = []byte("defaultAction: deny")
	if o.Deployment().Spec.Template.Annotations[ConfigHashAnnotation] == before {
		t.Error("a policy change does not roll the Deployment")
	}
	var kinds []string
	for _, obj := range o.Objects() {
		kinds = append(kinds, obj.GetObjectKind().GroupVersionKind().Kind)
		if _, ok := obj.(*appsv1.Deployment); ok && obj.(*appsv1.Deployment).Spec.Template.Spec.ServiceAccountName != DefaultName {
			t.Error("the Deployment does not run as its ServiceAccount")
		}
	}
	want := []string{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "Service", "Deployment", "PodDisruptionBudget"}
	if !slices.Equal(kinds, want) {
		t.Errorf("objects %v, want %v", kinds, want)
	}
}

func TestManifests(t *testing.T) {
	o := options(t, "")
	b, _, err := certs.Ensure(nil, certs.Spec{DNSNames: []string{"kubescape-webhook.kubescape.svc"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ms, err := o.Manifests(b)
	if err != nil {
		t.Fatal(err)
	}
	last := ms[len(ms)-1]
	if last["kind"] != "ValidatingWebhookConfiguration" || ms[len(ms)-2]["kind"] != "Secret" {
		t.Errorf("the Secret and the registration must come last: %v, %v", ms[len(ms)-2]["kind"], last["kind"])
	}
	for _, m := range ms {
		md := m["metadata"].(map[string]any)
		if _, ok := md["creationTimestamp"]; ok {
			t.Errorf("%v carries creationTimestamp", m["kind"])
		}
		if md["labels"].(map[string]any)[ManagedByLabel] != ManagedBy {
			t.Errorf("%v lacks the managed-by label", m["kind"])
		}
	}
}
