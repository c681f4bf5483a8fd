// Package exception decides which failed results a user has accepted: from
// an exceptions file (matched by kind, name, namespace and labels, for some
// controls or frameworks, with a reason and an expiry date) and from
// annotations on the object itself. The same file holds the ignore rules of
// image vulnerability scans (by vulnerability ID, package, fix state and
// image, with a reason and an expiry date).
package exception

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/internal/result"
)

// Annotations read on objects.
const (
	// IgnoreAnnotation set to "true" excepts the object from every control.
	IgnoreAnnotation = "kubescape.io/ignore"
	// SkipAnnotationPrefix followed by a control ID (kubescape.io/skip.C-0057)
	// excepts the object from that control; the value is the reason.
	SkipAnnotationPrefix = "kubescape.io/skip."
	// AnnotationSource is the ExceptionRef.Source of annotation exceptions.
	AnnotationSource = "annotation"
)

// File is the exceptions file.
type File struct {
	APIVersion string      `json:"apiVersion,omitempty"`
	Kind       string      `json:"kind,omitempty"`
	Exceptions []Exception `json:"exceptions"`
	// Vulnerabilities are the ignore rules of image vulnerability scans.
	Vulnerabilities []VulnerabilityRule `json:"vulnerabilities,omitempty"`
}

// Exception accepts the failures of some controls on some resources.
type Exception struct {
	// Name identifies the exception in reports.
	Name string `json:"name"`
	// Reason says why the failures are accepted.
	Reason string `json:"reason"`
	// Expires is the date (YYYY-MM-DD, or RFC 3339) after which the exception no longer applies.
	Expires string `json:"expires,omitempty"`
	// Controls and Frameworks pick the controls it covers; with neither, every control.
	Controls   []string `json:"controls,omitempty"`
	Frameworks []string `json:"frameworks,omitempty"`
	// Resources pick the resources it covers; a resource matching any entry is covered.
	Resources []Match `json:"resources"`
}

// Match selects resources. Kind, Name and Namespace are regular expressions
// matched against the whole value; an empty field matches everything. Labels
// must all be present, each value a regular expression.
type Match struct {
	Kind      string            `json:"kind,omitempty"`
	Name      string            `json:"name,omitempty"`
	Namespace string            `json:"namespace,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// Set is a loaded exceptions file, ready to match.
type Set struct {
	active  []compiled
	expired []result.ExceptionRef

	vulnActive  []compiledVulnRule
	vulnExpired []result.ExceptionRef
}

type compiled struct {
	ref        result.ExceptionRef
	controls   map[string]bool
	frameworks map[string]bool
	matches    []compiledMatch
}

type compiledMatch struct {
	kind, name, namespace *regexp.Regexp
	labels                map[string]*regexp.Regexp
}

// Load reads an exceptions file (YAML or JSON). Exceptions whose expiry date
// is before now are kept apart as expired.
func Load(path string, now time.Time) (*Set, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read exceptions: %w", err)
	}
	s, err := Parse(b, path, now)
	if err != nil {
		return nil, fmt.Errorf("exceptions file %s: %w", path, err)
	}
	return s, nil
}

// Parse reads an exceptions file from bytes; source names it in reports.
func Parse(b []byte, source string, now time.Time) (*Set, error) {
	var f File
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		// sigs.k8s.io/yaml wraps encoding/json's words around the useful part.
		msg := strings.NewReplacer("error unmarshaling JSON: while decoding JSON: json: ", "", "error converting YAML to JSON: ", "").Replace(err.Error())
		return nil, errors.New(msg)
	}
	if f.Kind != "" && f.Kind != "Exceptions" {
		return nil, fmt.Errorf("kind %q: want Exceptions", f.Kind)
	}
	s := &Set{}
	var errs []error
	for i, ex := range f.Exceptions {
		c, expired, err := compile(ex, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("exceptions[%d] (%s): %w", i, ex.Name, err))
			continue
		}
		c.ref.Source = source
		if expired {
			s.expired = append(s.expired, c.ref)
			continue
		}
		s.active = append(s.active, c)
	}
	errs = append(errs, s.addVulnerabilityRules(f.Vulnerabilities, source, now)...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

func compile(ex Exception, now time.Time) (compiled, bool, error) {
	c := compiled{
		ref:        result.ExceptionRef{Name: ex.Name, Reason: ex.Reason, Expires: ex.Expires},
		controls:   map[string]bool{},
		frameworks: map[string]bool{},
	}
	if strings.TrimSpace(ex.Name) == "" {
		return c, false, errors.New("name is required")
	}
	if strings.TrimSpace(ex.Reason) == "" {
		return c, false, errors.New("reason is required: say why the failures are accepted")
	}
	if len(ex.Resources) == 0 {
		return c, false, errors.New(`resources is required; to cover every resource write resources: [{kind: ".*"}]`)
	}
	expired := false
	if ex.Expires != "" {
		t, err := parseDate(ex.Expires)
		if err != nil {
			return c, false, fmt.Errorf("expires %q: want a date as YYYY-MM-DD or RFC 3339", ex.Expires)
		}
		expired = now.After(t)
	}
	for _, id := range ex.Controls {
		c.controls[strings.ToUpper(id)] = true
	}
	for _, fw := range ex.Frameworks {
		c.frameworks[strings.ToLower(fw)] = true
	}
	for j, m := range ex.Resources {
		cm, err := compileMatch(m)
		if err != nil {
			return c, false, fmt.Errorf("resources[%d].%w", j, err)
		}
		c.matches = append(c.matches, cm)
	}
	return c, expired, nil
}

// parseDate reads a date; a plain date expires at the end of that day (UTC).
func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, err
	}
	return t.Add(24*time.Hour - time.Nanosecond), nil
}

func compileMatch(m Match) (compiledMatch, error) {
	var cm compiledMatch
	var err error
	if cm.kind, err = anchored(m.Kind); err != nil {
		return cm, fmt.Errorf("kind: %w", err)
	}
	if cm.name, err = anchored(m.Name); err != nil {
		return cm, fmt.Errorf("name: %w", err)
	}
	if cm.namespace, err = anchored(m.Namespace); err != nil {
		return cm, fmt.Errorf("namespace: %w", err)
	}
	cm.labels = map[string]*regexp.Regexp{}
	for k, v := range m.Labels {
		re, err := anchored(v)
		if err != nil {
			return cm, fmt.Errorf("labels[%s]: %w", k, err)
		}
		if re == nil {
			re = regexp.MustCompile(`^$`)
		}
		cm.labels[k] = re
	}
	return cm, nil
}

func anchored(expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile("^(?:" + expr + ")$")
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %w", expr, err)
	}
	return re, nil
}

func (m compiledMatch) matches(ref resource.Ref, labels map[string]string) bool {
	if m.kind != nil && !m.kind.MatchString(ref.Kind) {
		return false
	}
	if m.name != nil && !m.name.MatchString(ref.Name) {
		return false
	}
	if m.namespace != nil && !m.namespace.MatchString(ref.Namespace) {
		return false
	}
	for k, re := range m.labels {
		v, ok := labels[k]
		if !ok || !re.MatchString(v) {
			return false
		}
	}
	return true
}

// Match returns the first exception that covers the control on the resource.
// frameworks are those that hold the control.
func (s *Set) Match(ref resource.Ref, labels map[string]string, controlID string, frameworks []string) (*result.ExceptionRef, bool) {
	if s == nil {
		return nil, false
	}
	for i := range s.active {
		c := &s.active[i]
		if len(c.controls) > 0 || len(c.frameworks) > 0 {
			covered := c.controls[controlID] ||
				slices.ContainsFunc(frameworks, func(fw string) bool { return c.frameworks[fw] })
			if !covered {
				continue
			}
		}
		for _, m := range c.matches {
			if m.matches(ref, labels) {
				ref := c.ref
				return &ref, true
			}
		}
	}
	return nil, false
}

// Expired returns the exceptions that no longer apply.
func (s *Set) Expired() []result.ExceptionRef {
	if s == nil {
		return nil
	}
	return s.expired
}

// FromAnnotations returns the exception an object's annotations grant for a control.
func FromAnnotations(annotations map[string]string, controlID string) (*result.ExceptionRef, bool) {
	if reason, ok := annotations[SkipAnnotationPrefix+controlID]; ok {
		if strings.TrimSpace(reason) == "" {
			reason = "no reason given"
		}
		return &result.ExceptionRef{Name: SkipAnnotationPrefix + controlID, Reason: reason, Source: AnnotationSource}, true
	}
	if strings.EqualFold(annotations[IgnoreAnnotation], "true") {
		return &result.ExceptionRef{Name: IgnoreAnnotation, Reason: "the object is annotated " + IgnoreAnnotation + `: "true"`, Source: AnnotationSource}, true
	}
	return nil, false
}
