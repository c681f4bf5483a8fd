package v1beta1

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
)

// The field selectors each kind supports: metadata.name and
// metadata.namespace, plus the fields below. SelectableFields gives their
// values for an object (the server's GetAttrs); the field label conversion
// functions registered in the scheme accept exactly these labels, so
// "kubectl get --field-selector" works and an unknown field is refused with
// the list of supported ones.

// The selectable fields beyond metadata.
const (
	FieldWorkloadKind      = "spec.workload.kind"
	FieldWorkloadName      = "spec.workload.name"
	FieldWorkloadNamespace = "spec.workload.namespace"
	FieldResourceKind      = "spec.resource.kind"
	FieldResourceName      = "spec.resource.name"
	FieldResourceNamespace = "spec.resource.namespace"
	FieldContainer         = "spec.container"
	FieldImageDigest       = "spec.imageDigest"
	FieldFormat            = "spec.format"
	FieldWithRelevancy     = "spec.withRelevancy"
	FieldAuthor            = "spec.author"
	FieldStatusPhase       = "status.phase"
	FieldRuleID            = "spec.ruleID"
	FieldSeverity          = "spec.severity"
	FieldNodeName          = "spec.nodeName"
	FieldPodName           = "spec.podName"
	FieldContainerName     = "spec.containerName"
	FieldAcknowledged      = "status.acknowledged"
)

// selectableFields is, per kind, the fields beyond metadata.name and
// metadata.namespace, and how to read them.
var selectableFields = map[string]func(runtime.Object) fields.Set{
	"ApplicationProfile": func(o runtime.Object) fields.Set {
		obj := o.(*ApplicationProfile)
		return workloadFields(&obj.Spec.Workload, fields.Set{FieldStatusPhase: string(obj.Status.Phase)})
	},
	"NetworkNeighborhood": func(o runtime.Object) fields.Set {
		obj := o.(*NetworkNeighborhood)
		return workloadFields(&obj.Spec.Workload, fields.Set{FieldStatusPhase: string(obj.Status.Phase)})
	},
	"SBOM": func(o runtime.Object) fields.Set {
		obj := o.(*SBOM)
		return fields.Set{FieldImageDigest: obj.Spec.ImageDigest, FieldFormat: string(obj.Spec.Format)}
	},
	"FilteredSBOM": func(o runtime.Object) fields.Set {
		obj := o.(*FilteredSBOM)
		return workloadFields(&obj.Spec.Workload, fields.Set{
			FieldImageDigest: obj.Spec.ImageDigest,
			FieldContainer:   obj.Spec.Container,
		})
	},
	"VulnerabilityManifest": func(o runtime.Object) fields.Set {
		obj := o.(*VulnerabilityManifest)
		return workloadFields(obj.Spec.Workload, fields.Set{
			FieldImageDigest:   obj.Spec.ImageDigest,
			FieldWithRelevancy: strconv.FormatBool(obj.Spec.WithRelevancy),
			FieldContainer:     obj.Spec.Container,
		})
	},
	"VulnerabilityManifestSummary": func(o runtime.Object) fields.Set {
		obj := o.(*VulnerabilityManifestSummary)
		return workloadFields(&obj.Spec.Workload, fields.Set{
			FieldImageDigest: obj.Spec.ImageDigest,
			FieldContainer:   obj.Spec.Container,
		})
	},
	"OpenVulnerabilityExchangeContainer": func(o runtime.Object) fields.Set {
		obj := o.(*OpenVulnerabilityExchangeContainer)
		return fields.Set{FieldAuthor: obj.Spec.Author}
	},
	"WorkloadConfigurationScan": func(o runtime.Object) fields.Set {
		obj := o.(*WorkloadConfigurationScan)
		return resourceFields(&obj.Spec.Resource)
	},
	"WorkloadConfigurationScanSummary": func(o runtime.Object) fields.Set {
		obj := o.(*WorkloadConfigurationScanSummary)
		return resourceFields(&obj.Spec.Resource)
	},
	"ConfigurationScanSummary": func(runtime.Object) fields.Set { return fields.Set{} },
	"GeneratedNetworkPolicy": func(o runtime.Object) fields.Set {
		obj := o.(*GeneratedNetworkPolicy)
		return workloadFields(&obj.Spec.Workload, fields.Set{})
	},
	"KnownServer": func(runtime.Object) fields.Set { return fields.Set{} },
	"SeccompProfile": func(o runtime.Object) fields.Set {
		obj := o.(*SeccompProfile)
		return workloadFields(&obj.Spec.Workload, fields.Set{})
	},
	"RuntimeAlert": func(o runtime.Object) fields.Set {
		obj := o.(*RuntimeAlert)
		return workloadFields(obj.Spec.Workload, fields.Set{
			FieldRuleID:        obj.Spec.RuleID,
			FieldSeverity:      string(obj.Spec.Severity),
			FieldNodeName:      obj.Spec.NodeName,
			FieldPodName:       obj.Spec.PodName,
			FieldContainerName: obj.Spec.ContainerName,
			FieldAcknowledged:  strconv.FormatBool(obj.Status.Acknowledged),
		})
	},
}

// selectableFieldLabels is, per kind, the field labels selectableFields
// gives, computed once from an empty object of the kind.
var selectableFieldLabels = func() map[string]map[string]bool {
	labels := make(map[string]map[string]bool, len(selectableFields))
	for _, obj := range KnownTypes() {
		kind := kindOf(obj)
		fn, ok := selectableFields[kind]
		if !ok {
			continue
		}
		set := map[string]bool{"metadata.name": true, "metadata.namespace": true}
		for label := range fn(obj) {
			set[label] = true
		}
		labels[kind] = set
	}
	return labels
}()

// workloadFields adds the fields of a workload reference (empty values
// for a nil reference) to set.
func workloadFields(w *WorkloadReference, set fields.Set) fields.Set {
	if w == nil {
		w = &WorkloadReference{}
	}
	set[FieldWorkloadKind] = w.Kind
	set[FieldWorkloadName] = w.Name
	set[FieldWorkloadNamespace] = w.Namespace
	return set
}

func resourceFields(r *WorkloadReference) fields.Set {
	return fields.Set{
		FieldResourceKind:      r.Kind,
		FieldResourceName:      r.Name,
		FieldResourceNamespace: r.Namespace,
	}
}

// kindOf is the kind of one of this package's objects: its Go type name.
func kindOf(obj runtime.Object) string {
	t := reflect.TypeOf(obj)
	if t == nil {
		return ""
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// SelectableFields returns the field selector values of an object of this
// API group (metadata.name, metadata.namespace and the kind's fields), and
// false for any other object, including lists.
func SelectableFields(obj runtime.Object) (fields.Set, bool) {
	fn, ok := selectableFields[kindOf(obj)]
	if !ok {
		return nil, false
	}
	accessor, ok := obj.(interface {
		GetName() string
		GetNamespace() string
	})
	if !ok {
		return nil, false
	}
	set := fn(obj)
	set["metadata.name"] = accessor.GetName()
	set["metadata.namespace"] = accessor.GetNamespace()
	return set, true
}

// SelectableFieldLabels returns the field labels an object of the kind can
// be selected by, and false for a kind of another API group.
func SelectableFieldLabels(kind string) ([]string, bool) {
	set, ok := selectableFieldLabels[kind]
	if !ok {
		return nil, false
	}
	return sortedKeys(set), true
}

// FieldLabelConversionFunc returns the scheme's field label conversion
// function of a kind: it accepts the kind's selectable fields unchanged
// and refuses any other with the list of those it supports.
func FieldLabelConversionFunc(kind string) runtime.FieldLabelConversionFunc {
	supported := selectableFieldLabels[kind]
	return func(label, value string) (string, string, error) {
		if supported[label] {
			return label, value, nil
		}
		return "", "", fmt.Errorf("field label %q is not supported for %s; supported: %v", label, kind, sortedKeys(supported))
	}
}

// AddFieldLabelConversionFuncs registers the field label conversion
// functions of every kind of this version in the scheme.
func AddFieldLabelConversionFuncs(scheme *runtime.Scheme) error {
	return AddFieldLabelConversionFuncsFor(scheme, SchemeGroupVersion.Group, SchemeGroupVersion.Version)
}

// AddFieldLabelConversionFuncsFor registers the field label conversion
// functions of every kind under the given group and version (the install
// package uses it for the internal version too).
func AddFieldLabelConversionFuncsFor(scheme *runtime.Scheme, group, version string) error {
	for kind := range selectableFieldLabels {
		gvk := SchemeGroupVersion.WithKind(kind)
		gvk.Group, gvk.Version = group, version
		if err := scheme.AddFieldLabelConversionFunc(gvk, FieldLabelConversionFunc(kind)); err != nil {
			return fmt.Errorf("register field labels of %s: %w", kind, err)
		}
	}
	return nil
}

func sortedKeys(set map[string]bool) []string {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
