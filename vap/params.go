package vap

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kubescape.io/kubescape/library"
)

// ParamsGroupVersion is the API group and version of the params of
// configurable controls: a cluster-scoped ControlConfiguration whose spec
// holds every control input by name.
var ParamsGroupVersion = schema.GroupVersion{Group: "policy.kubescape.io", Version: "v1alpha1"}

const (
	// ParamsKind is the kind of the params object.
	ParamsKind = "ControlConfiguration"
	// ParamsResource is its plural resource name.
	ParamsResource = "controlconfigurations"
	// ParamsName is the name of the default instance the bindings refer to.
	ParamsName = "default"
)

// admissionCapable reports whether a control can be decided at admission:
// the controls whose inputs the params hold, whichever are selected, so that
// applying one set of controls after another never drops an input. A
// control with related kinds is one when its cel.yaml declares that it
// reads them only to name them in its findings.
func admissionCapable(lib *library.Library, c *library.Control) bool {
	return c.HasScope(library.ScopeAdmission) && c.Requires == "" &&
		(len(c.Related) == 0 || relatedForContextOnly(lib, c))
}

// ParamsDefaults returns the default of every input of the admission-capable controls.
func ParamsDefaults(lib *library.Library) map[string]any {
	out := map[string]any{}
	for _, c := range lib.Controls() {
		if !admissionCapable(lib, c) {
			continue
		}
		for _, in := range c.Inputs {
			out[in.Name] = in.Default
		}
	}
	return out
}

// NewCRD builds the ControlConfiguration CustomResourceDefinition, with a
// schema typed from the defaults of the admission-capable controls' inputs.
func NewCRD(lib *library.Library) (*apiextensionsv1.CustomResourceDefinition, error) {
	props := map[string]apiextensionsv1.JSONSchemaProps{}
	descriptions := map[string][]string{}
	for _, c := range lib.Controls() {
		if !admissionCapable(lib, c) {
			continue
		}
		for _, in := range c.Inputs {
			if _, ok := props[in.Name]; !ok {
				s, err := schemaOf(in.Default)
				if err != nil {
					return nil, fmt.Errorf("control %s: input %s: %w", c.ID, in.Name, err)
				}
				s.Description = strings.TrimSpace(in.Description)
				props[in.Name] = s
			}
			descriptions[in.Name] = append(descriptions[in.Name], c.ID)
		}
	}
	for name, ids := range descriptions {
		s := props[name]
		s.Description += " (" + strings.Join(ids, ", ") + ")"
		props[name] = s
	}
	plural := ParamsResource
	return &apiextensionsv1.CustomResourceDefinition{
		TypeMeta: metav1.TypeMeta{APIVersion: apiextensionsv1.SchemeGroupVersion.String(), Kind: "CustomResourceDefinition"},
		ObjectMeta: metav1.ObjectMeta{
			Name:   plural + "." + ParamsGroupVersion.Group,
			Labels: map[string]string{ManagedByLabel: ManagedByValue},
		},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: ParamsGroupVersion.Group,
			Names: apiextensionsv1.CustomResourceDefinitionNames{
				Plural:   plural,
				Singular: strings.ToLower(ParamsKind),
				Kind:     ParamsKind,
				ListKind: ParamsKind + "List",
			},
			Scope: apiextensionsv1.ClusterScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name:    ParamsGroupVersion.Version,
				Served:  true,
				Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type:        "object",
					Description: "ControlConfiguration holds the inputs of the kubescape controls that the ValidatingAdmissionPolicies read as params.",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"apiVersion": {Type: "string"},
						"kind":       {Type: "string"},
						"metadata":   {Type: "object"},
						"spec": {
							Type:        "object",
							Description: "The control inputs, by name; each says which controls read it.",
							Properties:  props,
						},
					},
				}},
			}},
		},
	}, nil
}

// schemaOf types an input from its default value.
func schemaOf(v any) (apiextensionsv1.JSONSchemaProps, error) {
	switch x := v.(type) {
	case string:
		return apiextensionsv1.JSONSchemaProps{Type: "string"}, nil
	case bool:
		return apiextensionsv1.JSONSchemaProps{Type: "boolean"}, nil
	case int, int64:
		return apiextensionsv1.JSONSchemaProps{Type: "integer"}, nil
	case float64:
		if x == math.Trunc(x) {
			return apiextensionsv1.JSONSchemaProps{Type: "integer"}, nil
		}
		return apiextensionsv1.JSONSchemaProps{Type: "number"}, nil
	case []any:
		var items *apiextensionsv1.JSONSchemaProps
		for _, e := range x {
			s, err := schemaOf(e)
			if err != nil {
				return s, err
			}
			if items != nil && items.Type != s.Type {
				// Mixed items (numbers and strings): keep whatever is given.
				items = &apiextensionsv1.JSONSchemaProps{XPreserveUnknownFields: ptrTrue()}
				break
			}
			items = &s
		}
		if items == nil {
			items = &apiextensionsv1.JSONSchemaProps{XPreserveUnknownFields: ptrTrue()}
		}
		return apiextensionsv1.JSONSchemaProps{Type: "array", Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: items}}, nil
	case map[string]any:
		return apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptrTrue()}, nil
	}
	return apiextensionsv1.JSONSchemaProps{}, fmt.Errorf("default %v (%T): cannot derive a schema", v, v)
}

func ptrTrue() *bool {
	t := true
	return &t
}

// NewParams builds the default ControlConfiguration from the inputs,
// as the API server would store it (whole numbers as integers).
func NewParams(inputs map[string]any) *unstructured.Unstructured {
	spec := map[string]any{}
	names := make([]string, 0, len(inputs))
	for name := range inputs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		spec[name] = normalize(inputs[name])
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": ParamsGroupVersion.String(),
		"kind":       ParamsKind,
		"metadata": map[string]any{
			"name":   ParamsName,
			"labels": map[string]any{ManagedByLabel: ManagedByValue},
		},
		"spec": spec,
	}}
	return u
}

// normalize turns values decoded from YAML or JSON into the types of an
// unstructured object: whole numbers as int64.
func normalize(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
		return x
	case int:
		return int64(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	}
	return v
}
