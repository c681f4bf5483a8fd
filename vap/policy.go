package vap

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"kubescape.io/kubescape/library"
)

// Labels and annotations the generator puts on what it makes.
const (
	// ManagedByLabel marks every generated object; vap delete selects on it.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedByValue is the value of ManagedByLabel.
	ManagedByValue = "kubescape"
	// ControlLabel names the control a policy or binding enforces.
	ControlLabel = "policy.kubescape.io/control"
	// NameAnnotation holds the control's name.
	NameAnnotation = "policy.kubescape.io/name"
	// SeverityAnnotation holds the control's severity.
	SeverityAnnotation = "policy.kubescape.io/severity"
)

// Actions a binding can take on a failing object.
const (
	ActionDeny  = "Deny"
	ActionWarn  = "Warn"
	ActionAudit = "Audit"
)

// Options shape the generated bindings.
type Options struct {
	// Actions are the binding's validationActions: Deny, Warn, Audit, or
	// Warn and Audit, or Deny and Audit. Empty means Deny.
	Actions []string
	// NamespaceSelector restricts the bindings to the namespaces it selects;
	// nil selects every namespace.
	NamespaceSelector *metav1.LabelSelector
	// ExcludeNamespaces are namespaces the bindings never apply to (by
	// their kubernetes.io/metadata.name label).
	ExcludeNamespaces []string
}

// DefaultExcludeNamespaces are left alone unless told otherwise: the
// control plane's own workloads run there.
var DefaultExcludeNamespaces = []string{"kube-system"}

// Validate checks the options.
func (o Options) Validate() error {
	actions := o.actions()
	seen := map[string]bool{}
	for _, a := range actions {
		switch a {
		case ActionDeny, ActionWarn, ActionAudit:
		default:
			return fmt.Errorf("action %q: want Deny, Warn or Audit", a)
		}
		if seen[a] {
			return fmt.Errorf("action %s given twice", a)
		}
		seen[a] = true
	}
	if seen[ActionDeny] && seen[ActionWarn] {
		return errors.New("actions Deny and Warn together: the API server rejects that combination; use Deny (optionally with Audit) or Warn")
	}
	if o.NamespaceSelector != nil {
		if _, err := metav1.LabelSelectorAsSelector(o.NamespaceSelector); err != nil {
			return fmt.Errorf("namespace selector: %w", err)
		}
	}
	return nil
}

func (o Options) actions() []string {
	if len(o.Actions) == 0 {
		return []string{ActionDeny}
	}
	return o.Actions
}

// Manifests are the objects that enforce a set of controls.
type Manifests struct {
	// CRD is the ControlConfiguration definition; nil when no control has inputs.
	CRD *apiextensionsv1.CustomResourceDefinition
	// Params is the default ControlConfiguration; nil when no control has inputs.
	Params *unstructured.Unstructured
	// Policies and Bindings are ordered by control ID, one of each per control.
	Policies []*admissionregistrationv1.ValidatingAdmissionPolicy
	Bindings []*admissionregistrationv1.ValidatingAdmissionPolicyBinding
	// Skipped are the controls left out, with the reason.
	Skipped []Skipped
}

// Objects returns every object in the order they must be applied: the CRD,
// the params, the policies, then the bindings.
func (m *Manifests) Objects() []runtime.Object {
	var out []runtime.Object
	if m.CRD != nil {
		out = append(out, m.CRD)
	}
	if m.Params != nil {
		out = append(out, m.Params)
	}
	for _, p := range m.Policies {
		out = append(out, p)
	}
	for _, b := range m.Bindings {
		out = append(out, b)
	}
	return out
}

// PolicyName is the name of the policy (and of its binding) of a control.
func PolicyName(controlID string) string {
	return "kubescape-" + strings.ToLower(controlID)
}

// Skipped is a translated control left out of the manifests, and why.
type Skipped struct {
	ControlID string
	Reason    error
}

// Generate builds the manifests that enforce the translated controls. A
// control whose policy the API server could not compile, or whose
// estimated cost exceeds the API server's limits, is left out and listed
// in Skipped: such a policy would deny every request it matches
// (failurePolicy Fail), or fail closed on large objects.
func Generate(lib *library.Library, ts []*Translation, opts Options) (*Manifests, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	m := &Manifests{}
	configurable := false
	for _, t := range ts {
		p, err := NewPolicy(t)
		if err != nil {
			return nil, err
		}
		if err := Check(p); err != nil {
			m.Skipped = append(m.Skipped, Skipped{ControlID: t.Control.ID, Reason: err})
			continue
		}
		m.Policies = append(m.Policies, p)
		m.Bindings = append(m.Bindings, NewBinding(t, opts))
		configurable = configurable || t.Configurable()
	}
	if configurable {
		crd, err := NewCRD(lib)
		if err != nil {
			return nil, err
		}
		m.CRD = crd
		m.Params = NewParams(ParamsDefaults(lib))
	}
	return m, nil
}

// Check compiles a policy as the API server does and checks its estimated
// cost against the API server's limits.
func Check(p *admissionregistrationv1.ValidatingAdmissionPolicy) error {
	if _, err := Compile(p); err != nil {
		return err
	}
	pc, err := EstimateCost(p)
	if err != nil {
		return fmt.Errorf("policy %s: %w", p.Name, err)
	}
	if err := pc.Check(); err != nil {
		return fmt.Errorf("policy %s: %w", p.Name, err)
	}
	return nil
}

func objectMeta(t *Translation) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name: PolicyName(t.Control.ID),
		Labels: map[string]string{
			ManagedByLabel: ManagedByValue,
			ControlLabel:   t.Control.ID,
		},
		Annotations: map[string]string{
			NameAnnotation:     t.Control.Name,
			SeverityAnnotation: t.Control.Severity,
		},
	}
}

// NewPolicy builds the ValidatingAdmissionPolicy of a translated control.
func NewPolicy(t *Translation) (*admissionregistrationv1.ValidatingAdmissionPolicy, error) {
	rules, err := resourceRules(t)
	if err != nil {
		return nil, fmt.Errorf("control %s: %w", t.Control.ID, err)
	}
	fail := admissionregistrationv1.Fail
	equivalent := admissionregistrationv1.Equivalent
	p := &admissionregistrationv1.ValidatingAdmissionPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: admissionregistrationv1.SchemeGroupVersion.String(), Kind: "ValidatingAdmissionPolicy"},
		ObjectMeta: objectMeta(t),
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionregistrationv1.MatchResources{
				ResourceRules:     rules,
				MatchPolicy:       &equivalent,
				NamespaceSelector: &metav1.LabelSelector{},
				ObjectSelector:    &metav1.LabelSelector{},
			},
		},
	}
	if t.Configurable() {
		p.Spec.ParamKind = &admissionregistrationv1.ParamKind{APIVersion: ParamsGroupVersion.String(), Kind: ParamsKind}
	}
	if t.Standard {
		p.Spec.Variables = append(p.Spec.Variables, standardVariables(t.Kinds)...)
	}
	for _, v := range t.CEL.Variables {
		p.Spec.Variables = append(p.Spec.Variables, admissionregistrationv1.Variable{Name: v.Name, Expression: strings.TrimSpace(v.Expression)})
	}
	for _, v := range t.CEL.Validations {
		p.Spec.Validations = append(p.Spec.Validations, admissionregistrationv1.Validation{
			Expression:        strings.TrimSpace(v.Expression),
			Message:           strings.TrimSpace(v.Message),
			MessageExpression: strings.TrimSpace(v.MessageExpression),
		})
	}
	return p, nil
}

// resourceRules match the covered kinds on CREATE and UPDATE, one rule per
// group and version. Pods also match their ephemeralcontainers subresource
// when the CEL reads containers: that is how ephemeral containers are added.
// Nodes match on CREATE only: a node that fails (an old kubelet or container
// runtime) is kept from registering, but a registered one stays manageable
// (cordon, drain, labels and taints are updates of the Node).
func resourceRules(t *Translation) ([]admissionregistrationv1.NamedRuleWithOperations, error) {
	type gv struct {
		group, version string
		createOnly     bool
	}
	byGV := map[gv][]string{}
	var order []gv
	for _, k := range t.Kinds {
		r, err := ResourceOf(k)
		if err != nil {
			return nil, err
		}
		key := gv{r.Group, r.Version, createOnlyKinds[k]}
		if _, ok := byGV[key]; !ok {
			order = append(order, key)
		}
		byGV[key] = append(byGV[key], r.Resource)
		if k == "Pod" && readsContainers(t) {
			byGV[key] = append(byGV[key], "pods/ephemeralcontainers")
		}
	}
	slices.SortFunc(order, func(a, b gv) int {
		return cmp.Or(strings.Compare(a.group+"/"+a.version, b.group+"/"+b.version), cmpBool(a.createOnly, b.createOnly))
	})
	var out []admissionregistrationv1.NamedRuleWithOperations
	for _, key := range order {
		res := byGV[key]
		slices.Sort(res)
		scope := admissionregistrationv1.AllScopes
		ops := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
		if key.createOnly {
			ops = ops[:1]
		}
		out = append(out, admissionregistrationv1.NamedRuleWithOperations{
			RuleWithOperations: admissionregistrationv1.RuleWithOperations{
				Operations: ops,
				Rule: admissionregistrationv1.Rule{
					APIGroups:   []string{key.group},
					APIVersions: []string{key.version},
					Resources:   res,
					Scope:       &scope,
				},
			},
		})
	}
	return out, nil
}

// createOnlyKinds are matched on CREATE only (see resourceRules).
var createOnlyKinds = map[string]bool{"Node": true}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// readsContainers reports whether the CEL looks at the containers, so that
// adding an ephemeral container must be checked too.
func readsContainers(t *Translation) bool {
	for _, v := range t.CEL.Variables {
		if strings.Contains(v.Expression, "ontainers") {
			return true
		}
	}
	for _, v := range t.CEL.Validations {
		if strings.Contains(v.Expression, "ontainers") {
			return true
		}
	}
	return false
}

// standardVariables defines podSpec, podMeta, specPath and containers for
// the covered kinds. Each kind has its own schema, so an expression that
// reads spec.template from a Pod would not type-check: with one pod shape,
// the variables read the object's own typed fields; with several, they read
// through dyn(object), which type-checks for every kind.
func standardVariables(kinds []string) []admissionregistrationv1.Variable {
	type group struct {
		shape podShape
		kinds []string
	}
	var groups []group
	others := false
	for _, k := range kinds {
		s, ok := shapeOf(k)
		if !ok {
			others = true
			continue
		}
		i := slices.IndexFunc(groups, func(g group) bool { return g.shape == s })
		if i < 0 {
			groups = append(groups, group{shape: s})
			i = len(groups) - 1
		}
		groups[i].kinds = append(groups[i].kinds, k)
	}
	single := len(groups) == 1 && !others
	// choose builds "cond1 ? v1 : cond2 ? v2 : ... : last" over the groups.
	choose := func(value func(podShape) string, fallback string) string {
		if single {
			return value(groups[0].shape)
		}
		var b strings.Builder
		for i, g := range groups {
			if i == len(groups)-1 && !others {
				b.WriteString(value(g.shape))
				return b.String()
			}
			b.WriteString(kindTest(g.kinds))
			b.WriteString(" ? ")
			b.WriteString(value(g.shape))
			b.WriteString(" : ")
		}
		b.WriteString(fallback)
		return b.String()
	}
	obj := "dyn(object)"
	if single {
		obj = "object"
	}
	spec := choose(func(s podShape) string { return obj + "." + s.spec }, "dyn({})")
	meta := choose(func(s podShape) string {
		if !s.template {
			return obj + "." + s.meta
		}
		parent := strings.TrimSuffix(s.meta, ".metadata")
		return fmt.Sprintf("(has(%s.%s.metadata) ? dyn(%s.%s) : dyn({}))", obj, parent, obj, s.meta)
	}, "dyn({})")
	path := choose(func(s podShape) string { return "'" + s.path + "'" }, "''")
	list := func(field string) string {
		return fmt.Sprintf("(has(variables.podSpec.%s) ? dyn(variables.podSpec.%s) : dyn([]))", field, field)
	}
	containers := list("containers") + " + " + list("initContainers") + " + " + list("ephemeralContainers")
	return []admissionregistrationv1.Variable{
		{Name: VarPodSpec, Expression: spec},
		{Name: VarPodMeta, Expression: meta},
		{Name: VarSpecPath, Expression: path},
		{Name: VarContainers, Expression: containers},
	}
}

func kindTest(kinds []string) string {
	if len(kinds) == 1 {
		return "request.kind.kind == '" + kinds[0] + "'"
	}
	return "request.kind.kind in ['" + strings.Join(kinds, "', '") + "']"
}

// NewBinding builds the binding of a control's policy.
func NewBinding(t *Translation, opts Options) *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	meta := objectMeta(t)
	b := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: admissionregistrationv1.SchemeGroupVersion.String(), Kind: "ValidatingAdmissionPolicyBinding"},
		ObjectMeta: meta,
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName: meta.Name,
		},
	}
	for _, a := range opts.actions() {
		b.Spec.ValidationActions = append(b.Spec.ValidationActions, admissionregistrationv1.ValidationAction(a))
	}
	if t.Configurable() {
		deny := admissionregistrationv1.DenyAction
		b.Spec.ParamRef = &admissionregistrationv1.ParamRef{Name: ParamsName, ParameterNotFoundAction: &deny}
	}
	sel := namespaceSelector(opts)
	if sel != nil {
		b.Spec.MatchResources = &admissionregistrationv1.MatchResources{NamespaceSelector: sel}
	}
	return b
}

// namespaceSelector combines the user's selector with the excluded namespaces.
func namespaceSelector(opts Options) *metav1.LabelSelector {
	var sel *metav1.LabelSelector
	if opts.NamespaceSelector != nil {
		sel = opts.NamespaceSelector.DeepCopy()
	}
	if len(opts.ExcludeNamespaces) > 0 {
		if sel == nil {
			sel = &metav1.LabelSelector{}
		}
		excluded := slices.Clone(opts.ExcludeNamespaces)
		slices.Sort(excluded)
		sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{
			Key:      "kubernetes.io/metadata.name",
			Operator: metav1.LabelSelectorOpNotIn,
			Values:   slices.Compact(excluded),
		})
	}
	return sel
}
