package vap

import (
	"fmt"
	"slices"
	"strings"

	"kubescape.io/kubescape/library"
)

// States of a control in the coverage.
const (
	// StateTranslated: the control has a CEL form and a policy is generated.
	StateTranslated = "translated"
	// StateInvalid: the control has a cel.yaml that cannot be used.
	StateInvalid = "invalid"
	// StateNotTranslated: admission-capable, but no cel.yaml yet.
	StateNotTranslated = "not translated"
	// StateNotAdmission: the control cannot be decided at admission.
	StateNotAdmission = "not admission"
)

// Status is where one control stands.
type Status struct {
	Control *library.Control
	State   string
	// Reason says why a control is not translated, or which kinds a
	// translated control leaves to the Rego rule.
	Reason string
	// Translation is set for translated controls.
	Translation *Translation
}

// Coverage returns the status of every control of the library, by ID.
func Coverage(lib *library.Library) []Status {
	var out []Status
	for _, c := range lib.Controls() {
		out = append(out, statusOf(lib, c))
	}
	return out
}

func statusOf(lib *library.Library, c *library.Control) Status {
	s := Status{Control: c}
	t, err := LoadControl(lib, c)
	switch {
	case err != nil:
		s.State, s.Reason = StateInvalid, err.Error()
		return s
	case t != nil:
		p, err := NewPolicy(t)
		if err == nil {
			err = Check(p)
		}
		if err != nil {
			s.State, s.Reason = StateInvalid, err.Error()
			return s
		}
		s.State, s.Translation = StateTranslated, t
		if len(t.Kinds) < len(c.Kinds) {
			var left []string
			for _, k := range c.Kinds {
				if !t.AppliesTo(k) {
					left = append(left, k)
				}
			}
			s.Reason = fmt.Sprintf("kinds %s left to the Rego rule: %s", strings.Join(left, ", "), strings.TrimSpace(t.CEL.Uncovered))
		} else if u := strings.TrimSpace(t.CEL.Uncovered); u != "" {
			s.Reason = u
		}
		if t.CEL.RelatedForContextOnly {
			ctx := "the related objects (" + strings.Join(c.Related, ", ") + ") only name what a finding concerns; the verdict needs the admitted object alone"
			if s.Reason != "" {
				ctx = s.Reason + "; " + ctx
			}
			s.Reason = ctx
		}
		return s
	}
	switch {
	case c.Requires != "":
		s.State, s.Reason = StateNotAdmission, "requires "+c.Requires+": "+c.SkipReason()
	case len(c.Related) > 0:
		s.State, s.Reason = StateNotAdmission, "reads related objects ("+strings.Join(c.Related, ", ")+"), which the API server does not hand to a policy"
	case !c.HasScope(library.ScopeAdmission):
		s.State, s.Reason = StateNotAdmission, "scope "+strings.Join(c.Scope, ", ")+": not decidable from one admitted object"
	default:
		s.State, s.Reason = StateNotTranslated, "admission-capable, no "+CELFile+" yet"
	}
	return s
}

// AppliesTo reports whether the CEL covers a kind.
func (t *Translation) AppliesTo(kind string) bool {
	return slices.Contains(t.Kinds, kind)
}
