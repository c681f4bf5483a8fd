package vap

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Variations derived mechanically from a fixture object: every field
// removed, every value set to the values that tend to split a rule from its
// translation (true/false, 0 and negative numbers, empty lists, "ALL",
// lower-case and CAP_-prefixed capability names, the control's own input
// values), and for pod workloads the containers multiplied, moved to init
// and ephemeral containers, and security context fields moved between the
// pod and its containers.

// maxInputValues caps how many of an input's values are tried per field.
const maxInputValues = 8

// protected fields are never removed or changed: what the API server
// requires of every object of the kind (its identity, the pod template and
// at least one container, container names and images, selectors and the
// labels they select, a binding's roleRef and subjects), so that every
// variation is an object the API server could admit. A pattern's "*" is
// any one key or index.
var protectedPatterns = [][]string{
	{"apiVersion"}, {"kind"}, {"metadata"}, {"metadata", "name"}, {"metadata", "namespace"},
	{"spec"}, {"spec", "template"}, {"spec", "template", "spec"},
	{"spec", "jobTemplate"}, {"spec", "jobTemplate", "spec"}, {"spec", "jobTemplate", "spec", "template"},
	{"spec", "jobTemplate", "spec", "template", "spec"},
	{"**", "containers"}, {"**", "containers", "*", "name"}, {"**", "containers", "*", "image"},
	{"**", "initContainers", "*", "name"}, {"**", "initContainers", "*", "image"},
	{"**", "ephemeralContainers", "*", "name"}, {"**", "ephemeralContainers", "*", "image"},
	{"**", "selector", "**"}, {"**", "template", "metadata", "labels", "**"},
	{"roleRef", "**"}, {"subjects", "*", "kind"}, {"subjects", "*", "name"}, {"rules", "*", "verbs"},
}

func protected(path []string) bool {
	if len(path) == 0 {
		return true
	}
	for _, p := range protectedPatterns {
		if matchPath(p, path) {
			return true
		}
	}
	return false
}

// matchPath matches a path against a pattern where "*" is one element and
// "**" any number of them (none included).
func matchPath(pattern, path []string) bool {
	if len(pattern) == 0 {
		return len(path) == 0
	}
	if pattern[0] == "**" {
		for i := 0; i <= len(path); i++ {
			if matchPath(pattern[1:], path[i:]) {
				return true
			}
		}
		return false
	}
	if len(path) == 0 || (pattern[0] != "*" && pattern[0] != path[0]) {
		return false
	}
	return matchPath(pattern[1:], path[1:])
}

// inputValues are the scalar values of the control's inputs (defaults and
// the cases' overrides), by type.
type inputValues struct {
	strs []string
	nums []float64
}

func collectInputs(values ...any) inputValues {
	var iv inputValues
	seenS, seenN := map[string]bool{}, map[float64]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if !seenS[x] && len(iv.strs) < 4*maxInputValues {
				seenS[x] = true
				iv.strs = append(iv.strs, x)
			}
		case float64:
			if !seenN[x] {
				seenN[x] = true
				iv.nums = append(iv.nums, x)
			}
		case int64:
			walk(float64(x))
		case int:
			walk(float64(x))
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, v := range values {
		walk(v)
	}
	return iv
}

// mutation is one change to a copy of an object.
type mutation struct {
	label string
	apply func(obj map[string]any)
}

// variations returns the variations of an object, deduplicated and without the object itself.
func variations(obj map[string]any, iv inputValues) []variant {
	var muts []mutation
	muts = append(muts, fieldMutations(obj, iv)...)
	muts = append(muts, podMutations(obj)...)
	seen := map[string]bool{canonical(obj): true}
	var out []variant
	for _, m := range muts {
		c := deepCopy(obj)
		m.apply(c)
		key := canonical(c)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, variant{source: sourceVariation, label: m.label, content: c})
	}
	return out
}

// pathString renders a path for labels: spec.containers[0].image.
func pathString(path []string) string {
	var b strings.Builder
	for i, p := range path {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if i > 0 {
			b.WriteString(".")
		}
		b.WriteString(p)
	}
	return b.String()
}

// at returns the parent container of the node at path and sets/removes it.
func setAt(obj map[string]any, path []string, value any, remove bool) {
	var cur any = obj
	for _, p := range path[:len(path)-1] {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			i, _ := strconv.Atoi(p)
			if i >= len(c) {
				return
			}
			cur = c[i]
		default:
			return
		}
	}
	last := path[len(path)-1]
	switch c := cur.(type) {
	case map[string]any:
		if remove {
			delete(c, last)
		} else {
			c[last] = value
		}
	case []any:
		i, _ := strconv.Atoi(last)
		if i >= len(c) {
			return
		}
		if remove {
			// Lists are reached through their parent: rebuild it without the element.
			setAt(obj, path[:len(path)-1], slices.Delete(slices.Clone(c), i, i+1), false)
		} else {
			c[i] = value
		}
	}
}

// fieldMutations removes each field and sets each value to interesting ones.
func fieldMutations(obj map[string]any, iv inputValues) []mutation {
	var out []mutation
	// A node that holds a protected field is not removed or emptied either.
	var guarded [][]string
	var collect func(path []string, v any)
	collect = func(path []string, v any) {
		if len(path) > 0 && protected(path) {
			guarded = append(guarded, slices.Clone(path))
		}
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				collect(append(slices.Clone(path), k), e)
			}
		case []any:
			for i, e := range x {
				collect(append(slices.Clone(path), strconv.Itoa(i)), e)
			}
		}
	}
	collect(nil, obj)
	holdsProtected := func(path []string) bool {
		for _, g := range guarded {
			if len(g) > len(path) && slices.Equal(g[:len(path)], path) {
				return true
			}
		}
		return false
	}
	var walk func(path []string, v any)
	add := func(path []string, label string, value any, remove bool) {
		if (remove || label == "set to {}" || label == "set to []") && holdsProtected(path) {
			return
		}
		p := slices.Clone(path)
		out = append(out, mutation{label: pathString(p) + " " + label, apply: func(o map[string]any) { setAt(o, p, value, remove) }})
	}
	walk = func(path []string, v any) {
		if !protected(path) && len(path) > 0 {
			add(path, "removed", nil, true)
		}
		switch x := v.(type) {
		case map[string]any:
			if !protected(path) && len(path) > 1 && len(x) > 0 {
				add(path, "set to {}", map[string]any{}, false)
			}
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(append(slices.Clone(path), k), x[k])
			}
		case []any:
			if !protected(path) && len(x) > 0 {
				add(path, "set to []", []any{}, false)
				add(path, "first element doubled", append([]any{copyValue(x[0])}, copyValue(x).([]any)...), false)
			}
			for i, e := range x {
				walk(append(slices.Clone(path), strconv.Itoa(i)), e)
			}
		case bool:
			if !protected(path) {
				add(path, fmt.Sprintf("set to %v", !x), !x, false)
			}
		case float64, int64:
			if protected(path) {
				return
			}
			n := toFloat(x)
			for _, c := range []float64{0, -1, 1, n + 1, n - 1, 1000, 65535} {
				if c != n {
					add(path, fmt.Sprintf("set to %v", c), c, false)
				}
			}
			for i, c := range iv.nums {
				if i >= maxInputValues {
					break
				}
				if c != n {
					add(path, fmt.Sprintf("set to input value %v", c), c, false)
				}
			}
		case string:
			if protected(path) {
				return
			}
			for _, c := range stringValues(x) {
				add(path, fmt.Sprintf("set to %q", c), c, false)
			}
			for i, c := range iv.strs {
				if i >= 4*maxInputValues {
					break
				}
				if c != x {
					add(path, fmt.Sprintf("set to input value %q", c), c, false)
				}
			}
		}
	}
	walk(nil, obj)
	return out
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return math.NaN()
}

// stringValues are the interesting replacements of a string.
func stringValues(s string) []string {
	var out []string
	add := func(c string) {
		if c != s && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	add(strings.ToLower(s))
	add(strings.ToUpper(s))
	add("")
	if isCapability(s) {
		if strings.HasPrefix(strings.ToUpper(s), "CAP_") {
			add(s[4:])
		} else {
			add("CAP_" + s)
			add("cap_" + strings.ToLower(s))
		}
		add("ALL")
		add("all")
	}
	if strings.HasPrefix(s, "/") && len(s) > 1 {
		add(s + "/")
		add(s[:strings.LastIndex(s, "/")+1])
	}
	return out
}

// isCapability guesses a Linux capability name: upper-case letters and underscores.
func isCapability(s string) bool {
	if len(s) < 3 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return strings.Contains(s, "_") || strings.ToUpper(s) == s
}

// podSecurityFields are the fields a pod-level securityContext shares with
// a container's: set on both, the container's wins.
var podSecurityFields = []string{"runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile", "seLinuxOptions", "appArmorProfile", "windowsOptions"}

var containerLists = []string{"containers", "initContainers", "ephemeralContainers"}

// podMutations are the structural variations of a workload's pod spec.
func podMutations(obj map[string]any) []mutation {
	kind, _ := obj["kind"].(string)
	shape, ok := shapeOf(kind)
	if !ok {
		return nil
	}
	spec := func(o map[string]any) map[string]any {
		m, _ := dig(o, shape.spec).(map[string]any)
		return m
	}
	orig := spec(obj)
	if orig == nil {
		return nil
	}
	var out []mutation
	add := func(label string, f func(spec map[string]any)) {
		out = append(out, mutation{label: label, apply: func(o map[string]any) {
			if s := spec(o); s != nil {
				f(s)
			}
		}})
	}
	for _, list := range containerLists {
		cs, _ := orig[list].([]any)
		if len(cs) == 0 {
			continue
		}
		add(list+" multiplied", func(s map[string]any) {
			l, _ := s[list].([]any)
			for _, c := range slices.Clone(l) {
				cc := copyValue(c).(map[string]any)
				cc["name"] = fmt.Sprint(cc["name"]) + "-copy"
				l = append(l, cc)
			}
			s[list] = l
		})
		add(list+" with a plain container added", func(s map[string]any) {
			l, _ := s[list].([]any)
			s[list] = append(l, map[string]any{"name": "plain-" + list, "image": "registry.example.com/plain:1.0"})
		})
		for _, to := range containerLists {
			if to == list {
				continue
			}
			add(list+" moved to "+to, func(s map[string]any) {
				l, _ := s[list].([]any)
				dst, _ := s[to].([]any)
				s[to] = append(dst, l...)
				delete(s, list)
				if main, _ := s["containers"].([]any); len(main) == 0 {
					s["containers"] = []any{map[string]any{"name": "main", "image": "registry.example.com/main:1.0"}}
				}
			})
		}
		// Security context fields moved between the pod and the containers.
		for i, c := range cs {
			cm, _ := c.(map[string]any)
			sc, _ := cm["securityContext"].(map[string]any)
			for _, f := range podSecurityFields {
				v, ok := sc[f]
				if !ok {
					continue
				}
				label := fmt.Sprintf("%s[%d].securityContext.%s", list, i, f)
				add(label+" moved to the pod", func(s map[string]any) {
					ensureMap(s, "securityContext")[f] = copyValue(v)
					if c := containerAt(s, list, i); c != nil {
						delete(ensureMap(c, "securityContext"), f)
					}
				})
				if b, isBool := v.(bool); isBool {
					add(label+" also set to the opposite on the pod", func(s map[string]any) {
						ensureMap(s, "securityContext")[f] = !b
					})
				}
			}
		}
	}
	podSC, _ := orig["securityContext"].(map[string]any)
	for _, f := range podSecurityFields {
		v, ok := podSC[f]
		if !ok {
			continue
		}
		add("securityContext."+f+" moved to every container", func(s map[string]any) {
			delete(ensureMap(s, "securityContext"), f)
			for _, list := range containerLists {
				l, _ := s[list].([]any)
				for _, c := range l {
					if cm, ok := c.(map[string]any); ok {
						ensureMap(cm, "securityContext")[f] = copyValue(v)
					}
				}
			}
		})
		if b, isBool := v.(bool); isBool {
			add("securityContext."+f+" overridden by the first container", func(s map[string]any) {
				if c := containerAt(s, "containers", 0); c != nil {
					ensureMap(c, "securityContext")[f] = !b
				}
			})
		}
	}
	return out
}

func ensureMap(m map[string]any, key string) map[string]any {
	sub, ok := m[key].(map[string]any)
	if !ok {
		sub = map[string]any{}
		m[key] = sub
	}
	return sub
}

func containerAt(spec map[string]any, list string, i int) map[string]any {
	l, _ := spec[list].([]any)
	if i >= len(l) {
		return nil
	}
	c, _ := l[i].(map[string]any)
	return c
}
