// Package resource is a Kubernetes object as the scanner sees it: its content,
// its identity and where it came from, down to the line of each field.
package resource

import (
	"fmt"
	"strings"
)

// Ref identifies an object by API version, kind, namespace and name.
type Ref struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// String renders the reference as Kind/namespace/name (Kind/name when cluster scoped).
func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

// Group returns the API group of the reference ("" for the core group).
func (r Ref) Group() string {
	if i := strings.IndexByte(r.APIVersion, '/'); i >= 0 {
		return r.APIVersion[:i]
	}
	return ""
}

// OriginKind says which kind of input an object was read from.
type OriginKind string

// The kinds of input an object can come from.
const (
	OriginFile      OriginKind = "file"
	OriginStdin     OriginKind = "stdin"
	OriginHelm      OriginKind = "helm"
	OriginKustomize OriginKind = "kustomize"
	OriginCluster   OriginKind = "cluster"
)

// Origin says where an object was read from.
type Origin struct {
	Kind OriginKind `json:"kind"`
	// Path is the file the object was read from; for Helm the chart template
	// that rendered it (chart/templates/x.yaml), for Kustomize the
	// kustomization directory, for stdin "-".
	Path string `json:"path,omitempty"`
	// Document is the 0-based index of the YAML document within Path.
	Document int `json:"document"`
	// Line and Column locate the start of the object (1-based; 0 when unknown).
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// String renders the origin as path:line, or the origin kind when there is no path.
func (o Origin) String() string {
	if o.Path == "" {
		return string(o.Kind)
	}
	if o.Line > 0 {
		return fmt.Sprintf("%s:%d", o.Path, o.Line)
	}
	return o.Path
}

// Position is a 1-based line and column in the source of an object.
type Position struct {
	Line   int
	Column int
}

// Locator resolves a field path of an object to its position in the source.
// Paths use the form spec.containers[0].securityContext.privileged; a key that
// is not a plain identifier is written ["key"].
type Locator interface {
	Locate(path string) (Position, bool)
}

// Object is one Kubernetes object read from an input.
type Object struct {
	// Content is the object decoded as JSON-compatible Go values
	// (map[string]any, []any, string, float64/int64, bool, nil).
	Content map[string]any
	Origin  Origin
	// Locator resolves field paths to source positions; nil when positions are unknown.
	Locator Locator
}

// Ref returns the identity of the object.
func (o *Object) Ref() Ref {
	md, _ := o.Content["metadata"].(map[string]any)
	s := func(m map[string]any, k string) string { v, _ := m[k].(string); return v }
	return Ref{
		APIVersion: s(o.Content, "apiVersion"),
		Kind:       s(o.Content, "kind"),
		Namespace:  s(md, "namespace"),
		Name:       s(md, "name"),
	}
}

// Annotations returns the metadata.annotations of the object.
func (o *Object) Annotations() map[string]string {
	return stringMap(o.Content, "annotations")
}

// Labels returns the metadata.labels of the object.
func (o *Object) Labels() map[string]string {
	return stringMap(o.Content, "labels")
}

func stringMap(content map[string]any, field string) map[string]string {
	md, _ := content["metadata"].(map[string]any)
	raw, _ := md[field].(map[string]any)
	if len(raw) == 0 {
		return nil
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// Locate resolves a field path of the object to its source position.
func (o *Object) Locate(path string) (Position, bool) {
	if o.Locator == nil || path == "" {
		return Position{}, false
	}
	return o.Locator.Locate(path)
}
