// Package install registers the admission webhook with a cluster and
// removes it: the TLS Secret (a private CA and a serving certificate), the
// ValidatingWebhookConfiguration, and, to run the server in the cluster, the
// least-privileged ServiceAccount and RBAC, the policy ConfigMap, the
// Deployment, Service and PodDisruptionBudget. Objects are applied with
// server-side apply, so install is idempotent and upgrades in place.
package install

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"

	"kubescape.io/kubescape/webhook"
	"kubescape.io/kubescape/webhook/certs"
	"kubescape.io/kubescape/webhook/policy"
)

// Defaults of the installation.
const (
	DefaultNamespace   = "kubescape"
	DefaultName        = "kubescape-webhook"
	DefaultWebhookName = "validate.kubescape.io"
	// ManagedByLabel marks every object install creates.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedBy      = "kubectl-kubescape"
	// FieldManager is the server-side apply field manager.
	FieldManager = "kubectl-kubescape-webhook"
	// Keys of the ConfigMap mounted into the server.
	PolicyKey         = "policy.yaml"
	ExceptionsKey     = "exceptions.yaml"
	ControlsConfigKey = "controls-config.yaml"
	configDir         = "/etc/kubescape-webhook"
	httpsPort         = 8443
	metricsPort       = 9090
	namespaceNameKey  = "kubernetes.io/metadata.name"
)

// Options describe an installation.
type Options struct {
	Namespace string
	// Name names the Deployment, Service, ServiceAccount, RBAC objects,
	// ConfigMap and ValidatingWebhookConfiguration; the Secret is Name-tls.
	Name string
	// WebhookName is the webhook's name in the configuration (a DNS name
	// with at least three labels); the API server prefixes audit annotation
	// keys with it.
	WebhookName string
	// URL registers a webhook served outside the cluster (a local process);
	// empty to run the server in the cluster.
	URL string
	// Image runs the server in the cluster: an image whose entrypoint is
	// kubectl-kubescape.
	Image           string
	ImagePullPolicy corev1.PullPolicy
	Replicas        int32
	FailurePolicy   admissionregistrationv1.FailurePolicyType
	TimeoutSeconds  int32
	// Policy is the compiled policy; PolicyYAML, ExceptionsYAML and
	// ControlsConfigYAML are the files given, put in the ConfigMap.
	Policy                                         *policy.Policy
	PolicyYAML, ExceptionsYAML, ControlsConfigYAML []byte
	// Resources are the resources of the policy's kinds, resolved against
	// the cluster's API (see Rules).
	Resources []Resource
	// Related are the resources the server lists and watches for relational
	// controls.
	Related                  []Resource
	CAValidity, CertValidity time.Duration
	// LogLevel is passed to the server (debug, info, warn, error).
	LogLevel string
}

// Resource is an API resource of a kind.
type Resource struct {
	Kind string
	GVR  schema.GroupVersionResource
}

// SecretName is the name of the TLS Secret.
func (o *Options) SecretName() string { return o.Name + "-tls" }

// Hosts returns the DNS names and IP addresses the serving certificate must
// name: the URL's host, or the Service's names.
func (o *Options) Hosts() ([]string, []net.IP, error) {
	if o.URL != "" {
		u, err := url.Parse(o.URL)
		if err != nil {
			return nil, nil, fmt.Errorf("--url %q: %w", o.URL, err)
		}
		host := u.Hostname()
		if ip := net.ParseIP(host); ip != nil {
			return nil, []net.IP{ip}, nil
		}
		return []string{host}, nil, nil
	}
	svc := o.Name + "." + o.Namespace + ".svc"
	return []string{svc, svc + ".cluster.local"}, nil, nil
}

func (o *Options) labels() map[string]string {
	return map[string]string{
		ManagedByLabel:           ManagedBy,
		"app.kubernetes.io/name": o.Name,
	}
}

func (o *Options) meta(name, ns string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: o.labels()}
}

// InCluster reports whether the server runs in the cluster (no URL).
func (o *Options) InCluster() bool { return o.URL == "" }

// Objects returns what install applies, in order, but for the Secret (see
// Secret) and the ValidatingWebhookConfiguration (see Registration), which
// come last once the server can answer.
func (o *Options) Objects() []runtime.Object {
	ns := &corev1.Namespace{TypeMeta: typeMeta("v1", "Namespace"), ObjectMeta: o.meta(o.Namespace, "")}
	if !o.InCluster() {
		return []runtime.Object{ns}
	}
	sa := &corev1.ServiceAccount{TypeMeta: typeMeta("v1", "ServiceAccount"), ObjectMeta: o.meta(o.Name, o.Namespace), AutomountServiceAccountToken: ptr(true)}
	out := []runtime.Object{ns, sa}
	out = append(out, o.RBAC()...)
	out = append(out, o.ConfigMap(), o.Service(), o.Deployment())
	if o.Replicas > 1 {
		out = append(out, o.PodDisruptionBudget())
	}
	return out
}

// RBAC returns the server's least privileges: read and watch the related
// kinds (and Namespaces for label exemptions), read and renew its own TLS
// Secret, and publish a renewed CA in its own webhook configuration.
func (o *Options) RBAC() []runtime.Object {
	var rules []rbacv1.PolicyRule
	byGroup := map[string][]string{}
	for _, r := range o.Related {
		byGroup[r.GVR.Group] = append(byGroup[r.GVR.Group], r.GVR.Resource)
	}
	if o.Policy != nil && o.Policy.NeedsNamespaceLabels() {
		byGroup[""] = append(byGroup[""], "namespaces")
	}
	groups := make([]string, 0, len(byGroup))
	for g := range byGroup {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		res := byGroup[g]
		sort.Strings(res)
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{g}, Resources: res, Verbs: []string{"get", "list", "watch"}})
	}
	rules = append(rules, rbacv1.PolicyRule{
		APIGroups: []string{"admissionregistration.k8s.io"}, Resources: []string{"validatingwebhookconfigurations"},
		ResourceNames: []string{o.Name}, Verbs: []string{"get", "update"},
	})
	cr := &rbacv1.ClusterRole{TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "ClusterRole"), ObjectMeta: o.meta(o.Name, ""), Rules: rules}
	subject := []rbacv1.Subject{{Kind: "ServiceAccount", Name: o.Name, Namespace: o.Namespace}}
	crb := &rbacv1.ClusterRoleBinding{
		TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"), ObjectMeta: o.meta(o.Name, ""),
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: o.Name},
		Subjects: subject,
	}
	role := &rbacv1.Role{
		TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "Role"), ObjectMeta: o.meta(o.Name, o.Namespace),
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{o.SecretName()}, Verbs: []string{"get", "list", "watch", "update"}}},
	}
	rb := &rbacv1.RoleBinding{
		TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "RoleBinding"), ObjectMeta: o.meta(o.Name, o.Namespace),
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: o.Name},
		Subjects: subject,
	}
	return []runtime.Object{cr, crb, role, rb}
}

// ConfigMap holds the policy, exceptions and controls configuration files.
func (o *Options) ConfigMap() *corev1.ConfigMap {
	data := map[string]string{}
	for k, v := range map[string][]byte{PolicyKey: o.PolicyYAML, ExceptionsKey: o.ExceptionsYAML, ControlsConfigKey: o.ControlsConfigYAML} {
		if len(v) > 0 {
			data[k] = string(v)
		}
	}
	return &corev1.ConfigMap{TypeMeta: typeMeta("v1", "ConfigMap"), ObjectMeta: o.meta(o.Name, o.Namespace), Data: data}
}

// Service exposes the server's HTTPS port on 443, and its metrics.
func (o *Options) Service() *corev1.Service {
	return &corev1.Service{
		TypeMeta: typeMeta("v1", "Service"), ObjectMeta: o.meta(o.Name, o.Namespace),
		Spec: corev1.ServiceSpec{
			Selector: o.labels(),
			Ports: []corev1.ServicePort{
				{Name: "https", Port: 443, TargetPort: intstr.FromString("https"), Protocol: corev1.ProtocolTCP},
				{Name: "metrics", Port: metricsPort, TargetPort: intstr.FromString("metrics"), Protocol: corev1.ProtocolTCP},
			},
		},
	}
}

// Args are the arguments of the server's container.
func (o *Options) Args() []string {
	args := []string{"webhook", "serve",
		"--namespace=" + o.Namespace,
		"--tls-secret=" + o.SecretName(),
		"--webhook-configuration=" + o.Name,
		fmt.Sprintf("--listen-address=:%d", httpsPort),
		fmt.Sprintf("--metrics-address=:%d", metricsPort),
	}
	if len(o.PolicyYAML) > 0 {
		args = append(args, "--policy="+configDir+"/"+PolicyKey)
	}
	if len(o.ExceptionsYAML) > 0 {
		args = append(args, "--exceptions="+configDir+"/"+ExceptionsKey)
	}
	if len(o.ControlsConfigYAML) > 0 {
		args = append(args, "--controls-config="+configDir+"/"+ControlsConfigKey)
	}
	if o.LogLevel != "" {
		args = append(args, "--log-level="+o.LogLevel)
	}
	return args
}

// Deployment runs the server, hardened: non-root, read-only root file
// system, no capabilities, the runtime's seccomp profile, spread over nodes.
func (o *Options) Deployment() *appsv1.Deployment {
	labels := o.labels()
	probe := func(path string, period int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("https"), Scheme: corev1.URISchemeHTTPS}},
			PeriodSeconds: period, TimeoutSeconds: 2, FailureThreshold: 3,
		}
	}
	pull := o.ImagePullPolicy
	if pull == "" {
		pull = corev1.PullIfNotPresent
	}
	return &appsv1.Deployment{
		TypeMeta: typeMeta("apps/v1", "Deployment"), ObjectMeta: o.meta(o.Name, o.Namespace),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(o.Replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				// The server reads its files at start: a changed file rolls the Deployment.
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{ConfigHashAnnotation: o.configHash()}},
				Spec: corev1.PodSpec{
					ServiceAccountName: o.Name,
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(65532)), RunAsGroup: ptr(int64(65532)),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
						PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
							Weight: 100,
							PodAffinityTerm: corev1.PodAffinityTerm{
								LabelSelector: &metav1.LabelSelector{MatchLabels: labels},
								TopologyKey:   "kubernetes.io/hostname",
							},
						}},
					}},
					Containers: []corev1.Container{{
						Name:            "webhook",
						Image:           o.Image,
						ImagePullPolicy: pull,
						Args:            o.Args(),
						Ports: []corev1.ContainerPort{
							{Name: "https", ContainerPort: httpsPort, Protocol: corev1.ProtocolTCP},
							{Name: "metrics", ContainerPort: metricsPort, Protocol: corev1.ProtocolTCP},
						},
						ReadinessProbe: probe(webhook.ReadyzPath, 5),
						LivenessProbe:  probe(webhook.HealthzPath, 10),
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: mustQuantity("200m"), corev1.ResourceMemory: mustQuantity("256Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: mustQuantity("1Gi")},
						},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: ptr(false),
							ReadOnlyRootFilesystem:   ptr(true),
							RunAsNonRoot:             ptr(true),
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
						VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: configDir, ReadOnly: true}},
					}},
					Volumes: []corev1.Volume{{
						Name:         "config",
						VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: o.Name}}},
					}},
				},
			},
		},
	}
}

// ConfigHashAnnotation on the pod template fingerprints the ConfigMap.
const ConfigHashAnnotation = "kubescape.io/webhook-config-hash"

func (o *Options) configHash() string {
	h := sha256.New()
	for _, p := range [][]byte{o.PolicyYAML, o.ExceptionsYAML, o.ControlsConfigYAML} {
		h.Write(p)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// PodDisruptionBudget keeps one replica up through node drains.
func (o *Options) PodDisruptionBudget() *policyv1.PodDisruptionBudget {
	one := intstr.FromInt32(1)
	return &policyv1.PodDisruptionBudget{
		TypeMeta: typeMeta("policy/v1", "PodDisruptionBudget"), ObjectMeta: o.meta(o.Name, o.Namespace),
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: &one, Selector: &metav1.LabelSelector{MatchLabels: o.labels()}},
	}
}

// Secret is the TLS Secret holding the bundle.
func (o *Options) Secret(b *certs.Bundle) *corev1.Secret {
	s := &corev1.Secret{TypeMeta: typeMeta("v1", "Secret"), ObjectMeta: o.meta(o.SecretName(), o.Namespace)}
	certs.SetSecretData(s, b)
	return s
}

// Rules returns the webhook's rules: CREATE and UPDATE of the resources of
// the policy's kinds, one rule per group and version, and the ephemeral
// containers of Pods.
func (o *Options) Rules() []admissionregistrationv1.RuleWithOperations {
	type gv struct{ group, version string }
	byGV := map[gv][]string{}
	for _, r := range o.Resources {
		k := gv{r.GVR.Group, r.GVR.Version}
		byGV[k] = append(byGV[k], r.GVR.Resource)
		if r.Kind == "Pod" && r.GVR.Group == "" {
			byGV[k] = append(byGV[k], r.GVR.Resource+"/ephemeralcontainers")
		}
	}
	keys := make([]gv, 0, len(byGV))
	for k := range byGV {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].group != keys[j].group {
			return keys[i].group < keys[j].group
		}
		return keys[i].version < keys[j].version
	})
	scope := admissionregistrationv1.AllScopes
	var out []admissionregistrationv1.RuleWithOperations
	for _, k := range keys {
		res := byGV[k]
		sort.Strings(res)
		out = append(out, admissionregistrationv1.RuleWithOperations{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{k.group}, APIVersions: []string{k.version}, Resources: res, Scope: &scope},
		})
	}
	return out
}

// Registration is the ValidatingWebhookConfiguration, trusting caBundle.
//
// The API server skips the webhook for exempt namespaces named exactly
// (namespaceSelector on kubernetes.io/metadata.name), for namespace and
// object label exemptions that a selector can negate, for exempt namespace
// patterns (a matchCondition), and for objects being deleted (an update
// that removes a finalizer must never be blocked); the server checks every
// exemption again.
func (o *Options) Registration(caBundle []byte) *admissionregistrationv1.ValidatingWebhookConfiguration {
	cc := admissionregistrationv1.WebhookClientConfig{CABundle: caBundle}
	if o.URL != "" {
		cc.URL = ptr(o.URL)
	} else {
		cc.Service = &admissionregistrationv1.ServiceReference{Namespace: o.Namespace, Name: o.Name, Path: ptr(webhook.ValidatePath), Port: ptr(int32(443))}
	}
	nsSel := &metav1.LabelSelector{}
	objSel := &metav1.LabelSelector{}
	conditions := []admissionregistrationv1.MatchCondition{{
		Name:       "not-being-deleted",
		Expression: "object == null || !has(object.metadata.deletionTimestamp)",
	}}
	if o.Policy != nil && o.Policy.ExemptSystemUsers() {
		conditions = append(conditions, admissionregistrationv1.MatchCondition{Name: "not-control-plane-or-node", Expression: policy.SystemUserCEL()})
	}
	if o.Policy != nil {
		var names, patterns []string
		for _, n := range o.Policy.ExemptNamespaces() {
			if strings.ContainsAny(n, "*?[") {
				patterns = append(patterns, n)
			} else {
				names = append(names, n)
			}
		}
		if len(names) > 0 {
			sort.Strings(names)
			nsSel.MatchExpressions = append(nsSel.MatchExpressions, metav1.LabelSelectorRequirement{Key: namespaceNameKey, Operator: metav1.LabelSelectorOpNotIn, Values: names})
		}
		if len(patterns) > 0 {
			conditions = append(conditions, admissionregistrationv1.MatchCondition{
				Name:       "namespace-not-exempt",
				Expression: fmt.Sprintf("request.namespace == '' || !request.namespace.matches(r'%s')", globsToRegexp(patterns)),
			})
		}
		if neg, ok := negate(o.Policy.NamespaceSelector()); ok {
			nsSel.MatchExpressions = append(nsSel.MatchExpressions, neg)
		}
		if neg, ok := negate(o.Policy.ObjectSelector()); ok {
			objSel.MatchExpressions = append(objSel.MatchExpressions, neg)
		}
	}
	none := admissionregistrationv1.SideEffectClassNone
	equivalent := admissionregistrationv1.Equivalent
	fp := o.FailurePolicy
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		TypeMeta:   typeMeta("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
		ObjectMeta: o.meta(o.Name, ""),
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:                    o.WebhookName,
			ClientConfig:            cc,
			Rules:                   o.Rules(),
			FailurePolicy:           &fp,
			MatchPolicy:             &equivalent,
			NamespaceSelector:       nsSel,
			ObjectSelector:          objSel,
			SideEffects:             &none,
			TimeoutSeconds:          ptr(o.TimeoutSeconds),
			AdmissionReviewVersions: []string{"v1"},
			MatchConditions:         conditions,
		}},
	}
}

// negate turns a one-requirement exemption selector into the requirement
// that selects what is not exempt; ok is false when a selector cannot
// express it (several requirements), and the server alone checks it.
func negate(s *metav1.LabelSelector) (metav1.LabelSelectorRequirement, bool) {
	if s == nil || len(s.MatchLabels)+len(s.MatchExpressions) != 1 {
		return metav1.LabelSelectorRequirement{}, false
	}
	for k, v := range s.MatchLabels {
		return metav1.LabelSelectorRequirement{Key: k, Operator: metav1.LabelSelectorOpNotIn, Values: []string{v}}, true
	}
	r := s.MatchExpressions[0]
	switch r.Operator {
	case metav1.LabelSelectorOpIn:
		return metav1.LabelSelectorRequirement{Key: r.Key, Operator: metav1.LabelSelectorOpNotIn, Values: r.Values}, true
	case metav1.LabelSelectorOpExists:
		return metav1.LabelSelectorRequirement{Key: r.Key, Operator: metav1.LabelSelectorOpDoesNotExist}, true
	}
	// NotIn and DoesNotExist exempt objects without the label, which a
	// selector cannot negate without also skipping objects that have it.
	return metav1.LabelSelectorRequirement{}, false
}

// globsToRegexp turns shell patterns into one anchored regular expression
// for a CEL matches().
func globsToRegexp(patterns []string) string {
	alts := make([]string, 0, len(patterns))
	for _, p := range patterns {
		var b strings.Builder
		for i := 0; i < len(p); i++ {
			switch c := p[i]; c {
			case '*':
				b.WriteString(".*")
			case '?':
				b.WriteString(".")
			case '[':
				j := strings.IndexByte(p[i:], ']')
				if j < 0 {
					b.WriteString(regexp.QuoteMeta(p[i:]))
					i = len(p)
					continue
				}
				class := p[i+1 : i+j]
				if strings.HasPrefix(class, "!") {
					class = "^" + class[1:]
				}
				b.WriteString("[" + class + "]")
				i += j
			default:
				b.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		alts = append(alts, b.String())
	}
	return "^(" + strings.Join(alts, "|") + ")$"
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func ptr[T any](v T) *T { return &v }

func mustQuantity(s string) apiresource.Quantity { return apiresource.MustParse(s) }
