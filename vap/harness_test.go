package vap

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	sigsjson "sigs.k8s.io/json"

	"kubescape.io/kubescape/internal/engine"
	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/library"
)

// The harness: one control's Rego rule and generated policy, evaluated side
// by side on the same objects.

// harness evaluates one translated control both ways.
type harness struct {
	lib      *library.Library
	t        *Translation
	compiled *Compiled
	// engines are Rego engines by the JSON of their input overrides, and
	// sessions their sessions by that JSON and the label of their inventory.
	engines  map[string]*engine.Engine
	sessions map[string]*engine.Session
}

// inventory is a set of related objects the Rego rule may read, for the
// controls whose cel.yaml says they read them only to name them in findings.
type inventory struct {
	// label names the set, uniquely: it keys the sessions.
	label   string
	objects []map[string]any
}

func newHarness(tb testing.TB, lib *library.Library, t *Translation) *harness {
	tb.Helper()
	p, err := NewPolicy(t)
	if err != nil {
		tb.Fatalf("build policy: %v", err)
	}
	c, err := Compile(p)
	if err != nil {
		tb.Fatalf("compile policy: %v", err)
	}
	return &harness{lib: lib, t: t, compiled: c, engines: map[string]*engine.Engine{}, sessions: map[string]*engine.Session{}}
}

// session returns a Rego session with the inputs overridden and the
// inventory's objects as related objects (none when inv is nil).
func (h *harness) session(inputs map[string]any, inv *inventory) (*engine.Session, error) {
	raw, err := json.Marshal(inputs)
	if err != nil {
		return nil, err
	}
	key := string(raw)
	var objs []*resource.Object
	if inv != nil {
		key += "\x00" + inv.label
		for _, o := range inv.objects {
			objs = append(objs, &resource.Object{Content: o})
		}
	}
	if s, ok := h.sessions[key]; ok {
		return s, nil
	}
	e, ok := h.engines[string(raw)]
	if !ok {
		if e, err = engine.New(h.lib, []*library.Control{h.t.Control}, inputs); err != nil {
			return nil, err
		}
		h.engines[string(raw)] = e
	}
	s := e.NewSession(objs)
	h.sessions[key] = s
	return s, nil
}

// rego evaluates the control's rule on an object, with no related objects.
func (h *harness) rego(ctx context.Context, inputs map[string]any, content map[string]any) (engine.Verdict, error) {
	return h.regoWith(ctx, inputs, content, nil)
}

// regoWith evaluates the control's rule on an object, with the inventory's
// objects as related objects.
func (h *harness) regoWith(ctx context.Context, inputs map[string]any, content map[string]any, inv *inventory) (engine.Verdict, error) {
	s, err := h.session(inputs, inv)
	if err != nil {
		return engine.Verdict{}, err
	}
	vs := s.Evaluate(ctx, &resource.Object{Content: content})
	if len(vs) != 1 {
		return engine.Verdict{}, fmt.Errorf("got %d Rego verdicts, want 1", len(vs))
	}
	if vs[0].Err != nil {
		return engine.Verdict{}, vs[0].Err
	}
	return vs[0], nil
}

// params builds the params object from the library's defaults and the overrides.
func (h *harness) params(inputs map[string]any) runtime.Object {
	if !h.t.Configurable() {
		return nil
	}
	values := ParamsDefaults(h.lib)
	maps.Copy(values, inputs)
	return NewParams(values)
}

// admitted is an object as the API server holds it at admission: decoded
// into its Go type (unknown fields refused, empty optional fields dropped).
type admitted struct {
	obj      runtime.Object
	res      Resource
	content  map[string]any
	ns, name string
}

// admit decodes an object as the API server would.
func admit(content map[string]any) (*admitted, error) {
	kind, _ := content["kind"].(string)
	res, err := ResourceOf(kind)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(content)
	if err != nil {
		return nil, err
	}
	var obj runtime.Object
	typed, err := scheme.Scheme.New(res.GVK())
	if err != nil {
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw); err != nil {
			return nil, err
		}
		obj = u
	} else {
		strict, err := sigsjson.UnmarshalStrict(raw, typed)
		if err != nil {
			return nil, fmt.Errorf("not a valid %s: %w", kind, err)
		}
		if len(strict) > 0 {
			return nil, fmt.Errorf("not a valid %s (the API server refuses it): %v", kind, strict)
		}
		typed.GetObjectKind().SetGroupVersionKind(res.GVK())
		obj = typed
	}
	stored, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	a := &admitted{obj: obj, res: res, content: stored}
	if md, ok := content["metadata"].(map[string]any); ok {
		a.name, _ = md["name"].(string)
		a.ns, _ = md["namespace"].(string)
	}
	if res.Namespaced && a.ns == "" {
		a.ns = "default"
	}
	if !res.Namespaced {
		a.ns = ""
	}
	return a, nil
}

// outcome is one object judged both ways.
type outcome struct {
	regoRaw, regoStored engine.Verdict
	// regoRelated are the Rego verdicts on the stored object with related
	// objects, for a control whose cel.yaml says it reads them only to name
	// them in findings.
	regoRelated []relatedVerdict
	cel         Decision
}

// relatedVerdict is a Rego verdict reached with an inventory of related objects.
type relatedVerdict struct {
	inventory string
	verdict   engine.Verdict
}

// judge evaluates an object: the Rego rule on the object as the API server
// stores it (and, with asWritten, as written), and the policy on the
// admitted object. The Rego rule is also evaluated on the stored object with
// each inventory of related objects.
func (h *harness) judge(ctx context.Context, inputs map[string]any, content map[string]any, asWritten bool, invs ...*inventory) (*outcome, error) {
	a, err := admit(content)
	if err != nil {
		return nil, err
	}
	var o outcome
	if o.regoStored, err = h.rego(ctx, inputs, a.content); err != nil {
		return nil, fmt.Errorf("rego on the stored object: %w", err)
	}
	o.regoRaw = o.regoStored
	if asWritten {
		if o.regoRaw, err = h.rego(ctx, inputs, content); err != nil {
			return nil, fmt.Errorf("rego: %w", err)
		}
	}
	for _, inv := range invs {
		v, err := h.regoWith(ctx, inputs, a.content, inv)
		if err != nil {
			return nil, fmt.Errorf("rego with %s: %w", inv.label, err)
		}
		o.regoRelated = append(o.regoRelated, relatedVerdict{inventory: inv.label, verdict: v})
	}
	o.cel = h.compiled.Validate(ctx, Request{Object: a.obj, Resource: a.res, Namespace: a.ns, Name: a.name, Params: h.params(inputs)})
	return &o, nil
}

// disagreement describes what is wrong with an outcome, or is "".
func (h *harness) disagreement(o *outcome) string {
	id := h.t.Control.ID
	var problems []string
	if len(o.cel.Errors) > 0 {
		problems = append(problems, fmt.Sprintf("CEL evaluation error (failurePolicy Fail denies): %q", o.cel.Errors))
	}
	if o.regoRaw.Failed() != o.regoStored.Failed() {
		problems = append(problems, fmt.Sprintf("Rego differs on the object as written (%s) and as the API server stores it (%s)",
			regoString(o.regoRaw), regoString(o.regoStored)))
	}
	for _, r := range o.regoRelated {
		if r.verdict.Failed() != o.regoStored.Failed() {
			problems = append(problems, fmt.Sprintf("the Rego verdict depends on the related objects, which cel.yaml's relatedForContextOnly denies: with no related objects %s, with %s %s",
				regoString(o.regoStored), r.inventory, regoString(r.verdict)))
		}
	}
	if o.cel.Failed != o.regoStored.Failed() {
		problems = append(problems, fmt.Sprintf("verdicts differ: Rego %s, CEL %s", regoString(o.regoStored), o.cel))
	}
	if o.cel.Failed {
		for _, m := range o.cel.Messages {
			if !strings.Contains(m, id) {
				problems = append(problems, fmt.Sprintf("CEL message %q does not name %s", m, id))
			}
		}
		if len(o.cel.MessageErrors) > 0 {
			problems = append(problems, fmt.Sprintf("messageExpression error: %q", o.cel.MessageErrors))
		}
	}
	return strings.Join(problems, "; ")
}

func regoString(v engine.Verdict) string {
	if !v.Failed() {
		return "passed"
	}
	var msgs []string
	for _, f := range v.Findings {
		msgs = append(msgs, f.Message+" "+strings.Join(append(slices.Clone(f.FailedPaths), f.ReviewPaths...), ","))
	}
	sort.Strings(msgs)
	return fmt.Sprintf("failed %q", msgs)
}

// describe names an object for messages.
func describe(content map[string]any) string {
	kind, _ := content["kind"].(string)
	md, _ := content["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	return kind + "/" + name
}

// Wrapping pod fixtures in every pod controller.

// podParts returns the pod spec and metadata of a workload object.
func podParts(content map[string]any) (spec, meta map[string]any, ok bool) {
	kind, _ := content["kind"].(string)
	s, isWorkload := shapeOf(kind)
	if !isWorkload {
		return nil, nil, false
	}
	spec, _ = dig(content, s.spec).(map[string]any)
	if spec == nil {
		return nil, nil, false
	}
	meta, _ = dig(content, s.meta).(map[string]any)
	return spec, meta, true
}

func dig(content map[string]any, path string) any {
	var cur any = content
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// wrap builds an object of a workload kind around a pod spec and metadata.
func wrap(kind, name string, spec, meta map[string]any) map[string]any {
	spec = deepCopy(spec)
	podMeta := map[string]any{}
	for _, k := range []string{"labels", "annotations"} {
		if v, ok := meta[k]; ok {
			podMeta[k] = deepCopy(v)
		}
	}
	labels, _ := podMeta["labels"].(map[string]any)
	if len(labels) == 0 {
		labels = map[string]any{"app": name}
		podMeta["labels"] = labels
	}
	template := map[string]any{"metadata": podMeta, "spec": spec}
	res := resources[kind]
	obj := map[string]any{
		"apiVersion": res.GroupVersion().String(),
		"kind":       kind,
		"metadata":   map[string]any{"name": name, "namespace": "default"},
	}
	selector := map[string]any{"matchLabels": deepCopy(labels)}
	switch kind {
	case "Pod":
		md := obj["metadata"].(map[string]any)
		maps.Copy(md, podMeta)
		obj["spec"] = spec
	case "Deployment", "ReplicaSet", "DaemonSet":
		obj["spec"] = map[string]any{"selector": selector, "template": template}
	case "StatefulSet":
		obj["spec"] = map[string]any{"selector": selector, "serviceName": name, "template": template}
	case "ReplicationController":
		obj["spec"] = map[string]any{"selector": deepCopy(labels), "template": template}
	case "Job":
		spec["restartPolicy"] = jobRestartPolicy(spec)
		obj["spec"] = map[string]any{"template": template}
	case "CronJob":
		spec["restartPolicy"] = jobRestartPolicy(spec)
		obj["spec"] = map[string]any{"schedule": "0 3 * * *", "jobTemplate": map[string]any{"spec": map[string]any{"template": template}}}
	}
	return obj
}

// jobRestartPolicy keeps a Job's pods valid: Always is not allowed there.
func jobRestartPolicy(spec map[string]any) string {
	if p, _ := spec["restartPolicy"].(string); p == "Never" {
		return p
	}
	return "OnFailure"
}

// deepCopy copies a value decoded from YAML or JSON.
func deepCopy[T any](v T) T {
	return copyValue(v).(T)
}

func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = copyValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}

// canonical is the JSON of an object, to drop duplicate variants.
func canonical(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

// variant is one object to judge.
type variant struct {
	source  string // fixture, wrapped or variation
	label   string
	content map[string]any
}

// Source names of the variants.
const (
	sourceFixture   = "fixture"
	sourceWrapped   = "wrapped"
	sourceVariation = "variation"
)
