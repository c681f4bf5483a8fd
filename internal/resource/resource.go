// Package resource is a Kubernetes object as the scanner sees it: its content,
// its identity and where it came from, down to the line of each field.
package resource

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
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
	// (map[string]any, []any, string, int64, float64, bool, nil); nil once
	// the object is compacted (see Compact and Decoded).
	Content map[string]any
	Origin  Origin
	// Locator resolves field paths to source positions; nil when positions are unknown.
	Locator Locator
	// ContextOnly marks an object that relational controls read but that is
	// not evaluated or reported itself: outside the namespaces, kinds or
	// labels the user selected, or run by a pod controller that is scanned.
	ContextOnly bool

	// raw is the content as JSON, and meta its identity, once compacted.
	raw  []byte
	meta *Meta
}

// Meta is what a compacted object keeps of its content at hand: what Ref,
// Labels, Annotations, UID and OwnerReferences return.
type Meta struct {
	Ref         Ref
	Labels      map[string]string
	Annotations map[string]string
	UID         string
	Owners      []OwnerRef
}

func (o *Object) newMeta() *Meta {
	return &Meta{Ref: o.Ref(), Labels: o.Labels(), Annotations: o.Annotations(), UID: o.UID(), Owners: o.OwnerReferences()}
}

// OwnerRef is an entry of metadata.ownerReferences.
type OwnerRef struct {
	Kind       string
	Name       string
	UID        string
	Controller bool
}

// UID is the object's metadata.uid, set on objects read from a cluster.
func (o *Object) UID() string {
	if o.meta != nil {
		return o.meta.UID
	}
	md, _ := o.Content["metadata"].(map[string]any)
	uid, _ := md["uid"].(string)
	return uid
}

// OwnerReferences are the object's metadata.ownerReferences.
func (o *Object) OwnerReferences() []OwnerRef {
	if o.meta != nil {
		return o.meta.Owners
	}
	md, _ := o.Content["metadata"].(map[string]any)
	list, _ := md["ownerReferences"].([]any)
	var out []OwnerRef
	for _, e := range list {
		m, _ := e.(map[string]any)
		if m == nil {
			continue
		}
		r := OwnerRef{}
		r.Kind, _ = m["kind"].(string)
		r.Name, _ = m["name"].(string)
		r.UID, _ = m["uid"].(string)
		r.Controller, _ = m["controller"].(bool)
		out = append(out, r)
	}
	return out
}

// Compact replaces the decoded content by its JSON encoding, a fraction of
// its size in memory, keeping the identity, labels and annotations at hand.
// Decoded decodes it again when needed. Large scans compact their objects as
// they read them.
func (o *Object) Compact() error {
	if o.Content == nil {
		return nil
	}
	raw, err := json.Marshal(o.Content)
	if err != nil {
		return fmt.Errorf("compact %s: %w", o.Ref(), err)
	}
	o.meta = o.newMeta()
	o.raw, o.Content = raw, nil
	return nil
}

// SetCompact makes o a compacted object whose content is raw, for a source
// that encodes the content as JSON itself rather than decode it into Content
// and call Compact: raw must be what Compact would make of the content, and
// m what Ref, Labels, Annotations, UID and OwnerReferences return for it.
func (o *Object) SetCompact(raw []byte, m Meta) {
	o.raw, o.meta, o.Content = raw, &m, nil
}

// Release drops the content, keeping the identity, origin and locator (and
// lets a locator that implements Release drop what it holds to answer fast):
// for a scan that has evaluated and located the object and needs only to
// report on it. Decoded returns nil afterwards.
func (o *Object) Release() {
	if o.meta == nil {
		o.meta = o.newMeta()
	}
	o.Content, o.raw = nil, nil
	o.ReleaseLocator()
}

// ReleaseLocator lets a locator that implements Release drop what it holds
// to answer fast, keeping the content: for an object that was located but
// may still be read.
func (o *Object) ReleaseLocator() {
	if r, ok := o.Locator.(interface{ Release() }); ok {
		r.Release()
	}
}

// Raw returns the content as JSON once the object is compacted (see
// Compact), nil otherwise. The caller must not change it.
func (o *Object) Raw() []byte { return o.raw }

// Decoded returns the content: Content itself, or a fresh decoding of a
// compacted object (numbers as int64 when integral, float64 otherwise).
func (o *Object) Decoded() (map[string]any, error) {
	if o.Content != nil || o.raw == nil {
		return o.Content, nil
	}
	dec := json.NewDecoder(bytes.NewReader(o.raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", o.meta.Ref, err)
	}
	normalizeNumbers(m)
	return m, nil
}

// normalizeNumbers turns json.Number values into int64 or float64, as the
// sources decode them.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			x[k] = normalizeNumbers(c)
		}
	case []any:
		for i, c := range x {
			x[i] = normalizeNumbers(c)
		}
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// Ref returns the identity of the object.
func (o *Object) Ref() Ref {
	if o.meta != nil {
		return o.meta.Ref
	}
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
	if o.meta != nil {
		return o.meta.Annotations
	}
	return stringMap(o.Content, "annotations")
}

// Labels returns the metadata.labels of the object.
func (o *Object) Labels() map[string]string {
	if o.meta != nil {
		return o.meta.Labels
	}
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

// podTemplates is where each workload kind keeps the template of its pods; a
// Pod is its own.
var podTemplates = map[string][]string{
	"Pod":                   {},
	"Deployment":            {"spec", "template"},
	"ReplicaSet":            {"spec", "template"},
	"StatefulSet":           {"spec", "template"},
	"DaemonSet":             {"spec", "template"},
	"Job":                   {"spec", "template"},
	"ReplicationController": {"spec", "template"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template"},
}

// PodTemplatePath returns the path of the pod template of a workload kind
// (empty for a Pod, which is its own template), followed by the field asked
// for ("spec" or "metadata"), and whether the kind runs pods at all.
func PodTemplatePath(kind, field string) ([]string, bool) {
	path, ok := podTemplates[kind]
	if !ok {
		return nil, false
	}
	return append(slices.Clip(path), field), true
}
