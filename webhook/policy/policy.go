// Package policy is the admission webhook's policy file: which controls the
// webhook evaluates, what each failing control does to a request (deny it,
// warn the client, or only annotate the audit log), and which namespaces and
// objects are exempt. A policy is compiled once against the library.
package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"kubescape.io/kubescape/library"
)

// Kind and APIVersion identify a policy file.
const (
	Kind       = "WebhookPolicy"
	APIVersion = "kubescape.io/v1"
)

// Action is what a failing control does to an admission request.
type Action string

// The actions, from the strongest to the weakest.
const (
	// Deny rejects the request; the message lists every denying control.
	Deny Action = "deny"
	// Warn admits the request and returns a warning (kubectl prints "Warning: ...").
	Warn Action = "warn"
	// Audit admits the request silently and records the failure as an audit annotation.
	Audit Action = "audit"
	// Off does not evaluate the control at all.
	Off Action = "off"
)

// UnmarshalJSON reads an action; YAML 1.1 reads an unquoted off as false,
// which means off too.
func (a *Action) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = Action(strings.ToLower(s))
		return nil
	}
	var off bool
	if err := json.Unmarshal(b, &off); err == nil && !off {
		*a = Off
		return nil
	}
	return fmt.Errorf("action %s: want deny, warn, audit or off", b)
}

func (a Action) valid() bool {
	switch a {
	case Deny, Warn, Audit, Off:
		return true
	}
	return false
}

// rank orders the actions from the weakest (off) to the strongest (deny).
func (a Action) rank() int {
	switch a {
	case Audit:
		return 1
	case Warn:
		return 2
	case Deny:
		return 3
	}
	return 0
}

// Weaker returns the weaker of two actions.
func (a Action) Weaker(b Action) Action {
	if b.rank() < a.rank() {
		return b
	}
	return a
}

// Default is the policy in force without a policy file: every admission
// control, high and critical ones deny, medium ones warn, low ones audit.
func Default() *File {
	return &File{Rules: []Rule{
		{Action: Deny, Severities: []string{library.SeverityCritical, library.SeverityHigh}},
		{Action: Warn, Severities: []string{library.SeverityMedium}},
		{Action: Audit, Severities: []string{library.SeverityLow}},
	}}
}

// KubeSystem is exempt by default, with the webhook's own namespace.
const KubeSystem = "kube-system"

// File is the policy file as written.
type File struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	// Frameworks and Controls pick the controls evaluated (only those that
	// can be decided at admission); with neither, every admission control.
	Frameworks []string `json:"frameworks,omitempty"`
	Controls   []string `json:"controls,omitempty"`
	// DefaultAction applies to failing controls that no rule names; deny when empty.
	DefaultAction Action `json:"defaultAction,omitempty"`
	// Rules set the action of the controls they match; the first match wins.
	Rules []Rule `json:"rules,omitempty"`
	// ReviewAction caps the action of a control whose findings all ask for
	// a review (reviewPaths only: the rule could not decide, for example an
	// image registry when no allow list is configured); warn when empty.
	ReviewAction Action `json:"reviewAction,omitempty"`
	// Exemptions name namespaces and objects that are never evaluated.
	Exemptions Exemptions `json:"exemptions,omitempty"`
	// AnnotationExceptions lets an admitted object except itself with the
	// kubescape.io/ignore and kubescape.io/skip.C-NNNN annotations, as scans
	// do. Off by default: whoever may create an object could otherwise
	// exempt it.
	AnnotationExceptions bool `json:"annotationExceptions,omitempty"`
}

// Rule sets the action of the controls it matches: by ID, by framework or by
// severity (a control matching any of the lists matches the rule; a rule
// with no list matches every control).
type Rule struct {
	Action     Action   `json:"action"`
	Controls   []string `json:"controls,omitempty"`
	Frameworks []string `json:"frameworks,omitempty"`
	Severities []string `json:"severities,omitempty"`
}

// Exemptions name what the webhook admits without evaluating it.
type Exemptions struct {
	// Namespaces are names or shell patterns (team-*, *-sandbox).
	Namespaces []string `json:"namespaces,omitempty"`
	// NamespaceSelector exempts the namespaces whose labels it selects.
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
	// ObjectSelector exempts the objects whose labels it selects.
	ObjectSelector *metav1.LabelSelector `json:"objectSelector,omitempty"`
	// SystemNamespaces exempts kube-system and the webhook's own namespace;
	// true when unset.
	SystemNamespaces *bool `json:"systemNamespaces,omitempty"`
	// SystemUsers exempts requests of the control plane and the nodes: the
	// kubelets (system:node:*), the controllers and scheduler, and the
	// ServiceAccounts of kube-system (the controllers that create the Pods of
	// an admitted Deployment, that renew leases and endpoints); true when
	// unset. What they create derives from objects that were evaluated.
	SystemUsers *bool `json:"systemUsers,omitempty"`
}

// systemUsers are the control plane's own identities.
var systemUsers = []string{"system:kube-controller-manager", "system:kube-scheduler", "system:apiserver"}

// System user name prefixes: the kubelets and the controllers' ServiceAccounts.
const (
	nodeUserPrefix        = "system:node:"
	kubeSystemUsersPrefix = "system:serviceaccount:kube-system:"
)

// namespacePattern is a namespace name with shell wildcards.
var namespacePattern = regexp.MustCompile(`^[a-z0-9*?\[\]!-]{1,63}$`)

// Policy is a compiled policy.
type Policy struct {
	controls []*library.Control
	actions  map[string]Action
	review   Action

	namespaces        []string
	namespaceSelector labels.Selector
	objectSelector    labels.Selector
	// NamespaceSelector and ObjectSelector as written, for the webhook registration.
	rawNamespaceSelector *metav1.LabelSelector
	rawObjectSelector    *metav1.LabelSelector
	annotations          bool
	systemUsers          bool
}

// Load reads and compiles a policy file; an empty path is the default policy.
// own is the webhook's namespace, exempt with kube-system unless the policy
// says otherwise.
func Load(lib *library.Library, file, own string) (*Policy, error) {
	if file == "" {
		return Compile(lib, Default(), own)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	f, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("policy file %s: %w", file, err)
	}
	p, err := Compile(lib, f, own)
	if err != nil {
		return nil, fmt.Errorf("policy file %s: %w", file, err)
	}
	return p, nil
}

// Parse decodes a policy file (YAML or JSON); unknown fields are errors.
func Parse(b []byte) (*File, error) {
	var f File
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		msg := strings.NewReplacer("error unmarshaling JSON: while decoding JSON: json: ", "", "error converting YAML to JSON: ", "").Replace(err.Error())
		return nil, errors.New(msg)
	}
	if f.Kind != "" && f.Kind != Kind {
		return nil, fmt.Errorf("kind %q: want %s", f.Kind, Kind)
	}
	if f.APIVersion != "" && f.APIVersion != APIVersion {
		return nil, fmt.Errorf("apiVersion %q: want %s", f.APIVersion, APIVersion)
	}
	return &f, nil
}

// Compile resolves the file against the library.
func Compile(lib *library.Library, f *File, own string) (*Policy, error) {
	selected, err := lib.Select(f.Frameworks, f.Controls)
	if err != nil {
		return nil, err
	}
	def := f.DefaultAction
	if def == "" {
		def = Deny
	}
	if !def.valid() {
		return nil, fmt.Errorf("defaultAction %q: want deny, warn, audit or off", def)
	}
	review := f.ReviewAction
	if review == "" {
		review = Warn
	}
	if !review.valid() || review == Off {
		return nil, fmt.Errorf("reviewAction %q: want deny, warn or audit", review)
	}
	var errs []error
	for i, r := range f.Rules {
		if err := checkRule(lib, r); err != nil {
			errs = append(errs, fmt.Errorf("rules[%d]: %w", i, err))
		}
	}
	var named []string
	for _, id := range f.Controls {
		if c, ok := lib.Control(id); ok && !admissible(c) {
			named = append(named, c.ID)
		}
	}
	if len(named) > 0 {
		errs = append(errs, fmt.Errorf("controls %s cannot be decided at admission (their scope has no admission); drop them from the policy", strings.Join(named, ", ")))
	}
	p := &Policy{
		actions:              map[string]Action{},
		review:               review,
		systemUsers:          f.Exemptions.SystemUsers == nil || *f.Exemptions.SystemUsers,
		annotations:          f.AnnotationExceptions,
		rawNamespaceSelector: f.Exemptions.NamespaceSelector,
		rawObjectSelector:    f.Exemptions.ObjectSelector,
	}
	if p.namespaceSelector, err = selector(f.Exemptions.NamespaceSelector); err != nil {
		errs = append(errs, fmt.Errorf("exemptions.namespaceSelector: %w", err))
	}
	if p.objectSelector, err = selector(f.Exemptions.ObjectSelector); err != nil {
		errs = append(errs, fmt.Errorf("exemptions.objectSelector: %w", err))
	}
	for i, ns := range f.Exemptions.Namespaces {
		if _, err := path.Match(ns, ""); err != nil || !namespacePattern.MatchString(ns) {
			errs = append(errs, fmt.Errorf("exemptions.namespaces[%d] %q: want a namespace name or a pattern such as team-*", i, ns))
		}
		p.namespaces = append(p.namespaces, ns)
	}
	if f.Exemptions.SystemNamespaces == nil || *f.Exemptions.SystemNamespaces {
		p.namespaces = append(p.namespaces, KubeSystem)
		if own != "" {
			p.namespaces = append(p.namespaces, own)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, c := range selected {
		if !admissible(c) {
			continue
		}
		a := def
		for _, r := range f.Rules {
			if r.matches(c) {
				a = r.Action
				break
			}
		}
		if a == Off {
			continue
		}
		p.controls = append(p.controls, c)
		p.actions[c.ID] = a
	}
	if len(p.controls) == 0 {
		return nil, errors.New("the policy selects no control that can be decided at admission; name frameworks or controls with scope admission ('kubectl kubescape list controls')")
	}
	return p, nil
}

// admissible says whether the webhook can evaluate a control: it has a rule
// and can be decided from the admitted object.
func admissible(c *library.Control) bool {
	return c.Requires == "" && c.Rego != "" && c.HasScope(library.ScopeAdmission)
}

func checkRule(lib *library.Library, r Rule) error {
	if !r.Action.valid() {
		return fmt.Errorf("action %q: want deny, warn, audit or off", r.Action)
	}
	for _, id := range r.Controls {
		if _, ok := lib.Control(id); !ok {
			return fmt.Errorf("unknown control %q; run 'kubectl kubescape list controls' for the known IDs", id)
		}
	}
	for _, fw := range r.Frameworks {
		if _, ok := lib.Framework(fw); !ok {
			return fmt.Errorf("unknown framework %q; known frameworks: %s", fw, strings.Join(lib.FrameworkNames(), ", "))
		}
	}
	for _, s := range r.Severities {
		switch strings.ToLower(s) {
		case library.SeverityLow, library.SeverityMedium, library.SeverityHigh, library.SeverityCritical:
		default:
			return fmt.Errorf("severity %q: want low, medium, high or critical", s)
		}
	}
	return nil
}

func (r Rule) matches(c *library.Control) bool {
	if len(r.Controls) == 0 && len(r.Frameworks) == 0 && len(r.Severities) == 0 {
		return true
	}
	for _, id := range r.Controls {
		if strings.EqualFold(id, c.ID) {
			return true
		}
	}
	for _, fw := range r.Frameworks {
		if slices.Contains(c.Frameworks, strings.ToLower(fw)) {
			return true
		}
	}
	for _, s := range r.Severities {
		if strings.EqualFold(s, c.Severity) {
			return true
		}
	}
	return false
}

func selector(s *metav1.LabelSelector) (labels.Selector, error) {
	if s == nil {
		return nil, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		return nil, err
	}
	if sel.Empty() {
		return nil, errors.New("empty selector would exempt everything; remove it or give matchLabels or matchExpressions")
	}
	return sel, nil
}

// Controls returns the controls the webhook evaluates, sorted by ID.
func (p *Policy) Controls() []*library.Control { return p.controls }

// Action returns the action of a control; Off for a control not evaluated.
func (p *Policy) Action(id string) Action {
	if a, ok := p.actions[id]; ok {
		return a
	}
	return Off
}

// ReviewAction returns the cap on the action of review-only findings.
func (p *Policy) ReviewAction() Action { return p.review }

// Kinds returns the kinds some evaluated control reads, sorted.
func (p *Policy) Kinds() []string {
	seen := map[string]bool{}
	for _, c := range p.controls {
		for _, k := range c.Kinds {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// AnnotationExceptions reports whether objects may except themselves by annotation.
func (p *Policy) AnnotationExceptions() bool { return p.annotations }

// ExemptNamespaces returns the exempt namespace names and patterns.
func (p *Policy) ExemptNamespaces() []string { return p.namespaces }

// NamespaceSelector returns the namespace label exemption as written, or nil.
func (p *Policy) NamespaceSelector() *metav1.LabelSelector { return p.rawNamespaceSelector }

// ObjectSelector returns the object label exemption as written, or nil.
func (p *Policy) ObjectSelector() *metav1.LabelSelector { return p.rawObjectSelector }

// NeedsNamespaceLabels reports whether exemptions depend on namespace labels.
func (p *Policy) NeedsNamespaceLabels() bool { return p.namespaceSelector != nil }

// ExemptSystemUsers reports whether control-plane and node requests are exempt.
func (p *Policy) ExemptSystemUsers() bool { return p.systemUsers }

// SystemUserCEL is the CEL condition, for a webhook's matchConditions, that
// is true for requests not made by the control plane or the nodes.
func SystemUserCEL() string {
	quoted := make([]string, len(systemUsers))
	for i, u := range systemUsers {
		quoted[i] = "'" + u + "'"
	}
	return fmt.Sprintf("!(request.userInfo.username.startsWith('%s') || request.userInfo.username.startsWith('%s') || request.userInfo.username in [%s])",
		nodeUserPrefix, kubeSystemUsersPrefix, strings.Join(quoted, ", "))
}

// ExemptUser returns why a request's user is exempt, if it is.
func (p *Policy) ExemptUser(username string) (string, bool) {
	if !p.systemUsers {
		return "", false
	}
	if strings.HasPrefix(username, nodeUserPrefix) || strings.HasPrefix(username, kubeSystemUsersPrefix) || slices.Contains(systemUsers, username) {
		return "requests of " + username + " (the control plane or a node) are exempt", true
	}
	return "", false
}

// ExemptNamespace returns why a namespace is exempt by name, if it is.
func (p *Policy) ExemptNamespace(ns string) (string, bool) {
	if ns == "" {
		return "", false
	}
	for _, pat := range p.namespaces {
		if ok, _ := path.Match(pat, ns); ok {
			if pat == ns {
				return "namespace " + ns + " is exempt", true
			}
			return "namespace " + ns + " matches the exempt pattern " + pat, true
		}
	}
	return "", false
}

// Exempt returns why an object is exempt, if it is: its namespace by name,
// the namespace's labels (nsLabels, nil when unknown) or its own labels.
func (p *Policy) Exempt(ns string, nsLabels, objLabels map[string]string) (string, bool) {
	if why, ok := p.ExemptNamespace(ns); ok {
		return why, true
	}
	if p.namespaceSelector != nil && ns != "" && nsLabels != nil && p.namespaceSelector.Matches(labels.Set(nsLabels)) {
		return "the labels of namespace " + ns + " match exemptions.namespaceSelector", true
	}
	if p.objectSelector != nil && p.objectSelector.Matches(labels.Set(objLabels)) {
		return "the object's labels match exemptions.objectSelector", true
	}
	return "", false
}
