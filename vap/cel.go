package vap

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"kubescape.io/kubescape/library"
)

// CELFile is the name of the file, in a control's folder, holding its CEL form.
const CELFile = "cel.yaml"

// CEL is the content of a control's cel.yaml.
type CEL struct {
	// Kinds is the subset of the control's kinds that the CEL covers; empty
	// means all of them.
	Kinds []string `json:"kinds,omitempty"`
	// Uncovered says why some kinds or cases are left to the Rego rule.
	Uncovered string `json:"uncovered,omitempty"`
	// RelatedForContextOnly declares that the control's rule reads its
	// related kinds only to name them in its findings' "related" list: its
	// verdict depends on the admitted object alone, so the control can be a
	// policy although it has related kinds. The equivalence test proves the
	// claim by judging every object with and without the related objects.
	RelatedForContextOnly bool `json:"relatedForContextOnly,omitempty"`
	// Variables are evaluated in order, after the standard variables.
	Variables []Variable `json:"variables,omitempty"`
	// Validations: the object fails the control iff one evaluates to false.
	Validations []Validation `json:"validations"`
}

// Variable is a named CEL expression, read by later ones as variables.<name>.
type Variable struct {
	Name       string `json:"name"`
	Expression string `json:"expression"`
}

// Validation is a CEL expression that is false when the object fails the
// control, with the message that says why.
type Validation struct {
	Expression        string `json:"expression"`
	MessageExpression string `json:"messageExpression,omitempty"`
	Message           string `json:"message"`
}

// Translation is a control with its CEL form.
type Translation struct {
	Control *library.Control
	CEL     CEL
	// Kinds are the kinds the CEL covers, workloads first.
	Kinds []string
	// Standard reports whether the policy defines the standard pod variables.
	Standard bool
}

// Standard variable names, defined for controls that cover pod workloads.
const (
	VarPodSpec    = "podSpec"
	VarPodMeta    = "podMeta"
	VarSpecPath   = "specPath"
	VarContainers = "containers"
)

var (
	standardNames  = []string{VarPodSpec, VarPodMeta, VarSpecPath, VarContainers}
	variablePatten = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// ErrNotAdmission marks a control that has a cel.yaml but cannot be decided
// at admission.
var ErrNotAdmission = errors.New("not decidable at admission")

// LoadControl reads the CEL form of one control; it returns nil and no
// error when the control has no cel.yaml.
func LoadControl(lib *library.Library, c *library.Control) (*Translation, error) {
	raw, err := lib.ReadFile(c, CELFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	file := "library/controls/" + c.ID + "/" + CELFile
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	var spec CEL
	if err := yaml.UnmarshalStrict(raw, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	t, err := newTranslation(c, spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return t, nil
}

// Load reads the CEL form of every control that has one, sorted by control ID.
func Load(lib *library.Library) ([]*Translation, error) {
	var out []*Translation
	var errs []error
	for _, c := range lib.Controls() {
		t, err := LoadControl(lib, c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if t != nil {
			out = append(out, t)
		}
	}
	return out, errors.Join(errs...)
}

func newTranslation(c *library.Control, spec CEL) (*Translation, error) {
	var errs []error
	if !c.HasScope(library.ScopeAdmission) {
		errs = append(errs, fmt.Errorf("control.yaml has no admission scope: %w (add admission to scope, or remove %s)", ErrNotAdmission, CELFile))
	}
	switch {
	case len(c.Related) > 0 && !spec.RelatedForContextOnly:
		errs = append(errs, fmt.Errorf("the control reads related objects (%s): %w from the admitted object alone"+
			" (if the rule reads them only to name them in its findings, never for its verdict, set relatedForContextOnly: true)",
			strings.Join(c.Related, ", "), ErrNotAdmission))
	case len(c.Related) == 0 && spec.RelatedForContextOnly:
		errs = append(errs, errors.New("relatedForContextOnly: the control has no related kinds in control.yaml; remove the field"))
	}
	if c.Requires != "" {
		errs = append(errs, fmt.Errorf("the control requires %s: %w", c.Requires, ErrNotAdmission))
	}
	kinds := spec.Kinds
	if len(kinds) == 0 {
		kinds = c.Kinds
	}
	seen := map[string]bool{}
	for _, k := range kinds {
		if !c.AppliesTo(k) {
			errs = append(errs, fmt.Errorf("kinds: %s is not one of the control's kinds (%s)", k, strings.Join(c.Kinds, ", ")))
		}
		if seen[k] {
			errs = append(errs, fmt.Errorf("kinds: %s is listed twice", k))
		}
		seen[k] = true
		if _, err := ResourceOf(k); err != nil {
			errs = append(errs, fmt.Errorf("kinds: %w", err))
		}
	}
	if len(spec.Kinds) > 0 && len(spec.Kinds) < len(c.Kinds) && strings.TrimSpace(spec.Uncovered) == "" {
		errs = append(errs, errors.New("uncovered: say why the kinds left out of kinds cannot be decided in CEL"))
	}
	standard := slices.ContainsFunc(kinds, isWorkload)
	names := map[string]bool{}
	if standard {
		for _, n := range standardNames {
			names[n] = true
		}
	}
	for i, v := range spec.Variables {
		switch {
		case !variablePatten.MatchString(v.Name):
			errs = append(errs, fmt.Errorf("variables[%d].name %q: want a CEL identifier", i, v.Name))
		case names[v.Name] && slices.Contains(standardNames, v.Name):
			errs = append(errs, fmt.Errorf("variables[%d].name %q: a standard variable has that name", i, v.Name))
		case names[v.Name]:
			errs = append(errs, fmt.Errorf("variables[%d].name %q: defined twice", i, v.Name))
		}
		names[v.Name] = true
		if strings.TrimSpace(v.Expression) == "" {
			errs = append(errs, fmt.Errorf("variables[%d].expression is empty", i))
		}
	}
	if len(spec.Validations) == 0 {
		errs = append(errs, errors.New("validations is empty: give at least one expression that is false when the object fails"))
	}
	for i, v := range spec.Validations {
		if strings.TrimSpace(v.Expression) == "" {
			errs = append(errs, fmt.Errorf("validations[%d].expression is empty", i))
		}
		if !strings.Contains(v.Message, c.ID) {
			errs = append(errs, fmt.Errorf("validations[%d].message %q must name the control (%s)", i, v.Message, c.ID))
		}
		if strings.ContainsAny(strings.TrimSpace(v.Message), "\n") {
			errs = append(errs, fmt.Errorf("validations[%d].message must be one line (the API server drops multi-line messages)", i))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Translation{Control: c, CEL: spec, Kinds: sortKinds(kinds), Standard: standard}, nil
}

// Configurable reports whether the policy reads params: the control has inputs.
func (t *Translation) Configurable() bool {
	return len(t.Control.Inputs) > 0
}

// relatedForContextOnly reports whether a control with related kinds has a
// valid cel.yaml declaring that it reads them only to name them in its
// findings.
func relatedForContextOnly(lib *library.Library, c *library.Control) bool {
	if len(c.Related) == 0 {
		return false
	}
	t, err := LoadControl(lib, c)
	return err == nil && t != nil && t.CEL.RelatedForContextOnly
}
