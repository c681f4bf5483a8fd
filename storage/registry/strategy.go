package registry

import (
	"context"
	"fmt"
	"reflect"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

// strategy is the create/update/delete behaviour shared by every stored
// resource; what differs between kinds (scope, validation, status) comes
// from its resource entry.
type strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
	res *resource
}

func (s strategy) NamespaceScoped() bool { return s.res.namespaced }

// PrepareForCreate starts the generation at 1 and, for kinds with a status
// subresource, drops a status sent with the object: status is written
// through /status only.
func (s strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetGeneration(1)
	}
	if s.res.hasStatus {
		setField(obj, "Status", reflect.Value{})
	}
}

// PrepareForUpdate keeps the stored status (for kinds with a status
// subresource) and bumps the generation when the spec changed.
func (s strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	if s.res.hasStatus {
		setField(obj, "Status", getField(old, "Status"))
	}
	bumpGeneration(obj, old)
}

func (s strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return s.res.validate(obj)
}

func (s strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return s.res.validateUpdate(obj, old)
}

func (strategy) WarningsOnCreate(context.Context, runtime.Object) []string { return nil }

func (strategy) WarningsOnUpdate(context.Context, runtime.Object, runtime.Object) []string {
	return nil
}

// AllowCreateOnUpdate is false: PUT of a missing object is 404, as for most
// built-in kinds (server-side apply still creates).
func (strategy) AllowCreateOnUpdate(context.Context) bool { return false }

// AllowUnconditionalUpdate lets an update without resourceVersion through
// (kubectl replace); with one, a stale version is a 409 conflict.
func (strategy) AllowUnconditionalUpdate(context.Context) bool { return true }

func (strategy) Canonicalize(runtime.Object) {}

// GetResetFields tells server-side apply that status belongs to /status.
func (s strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	if !s.res.hasStatus {
		return nil
	}
	return map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(v1beta1.SchemeGroupVersion.String()): fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// statusStrategy is the /status subresource: only status changes.
type statusStrategy struct{ strategy }

func (s statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	setField(obj, "Spec", getField(old, "Spec"))
	// Labels, annotations and the rest of metadata change through the main
	// resource, as for the built-in kinds.
	om, err1 := meta.Accessor(obj)
	oo, err2 := meta.Accessor(old)
	if err1 == nil && err2 == nil {
		om.SetLabels(oo.GetLabels())
		om.SetAnnotations(oo.GetAnnotations())
		om.SetFinalizers(oo.GetFinalizers())
		om.SetOwnerReferences(oo.GetOwnerReferences())
	}
}

func (s statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return s.res.validateStatusUpdate(obj, old)
}

func (s statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(v1beta1.SchemeGroupVersion.String()): fieldpath.NewSet(
			fieldpath.MakePathOrDie("spec"),
			fieldpath.MakePathOrDie("metadata", "labels"),
			fieldpath.MakePathOrDie("metadata", "annotations"),
		),
	}
}

// bumpGeneration increments metadata.generation when anything but metadata
// and status changed.
func bumpGeneration(obj, old runtime.Object) {
	om, err1 := meta.Accessor(obj)
	oo, err2 := meta.Accessor(old)
	if err1 != nil || err2 != nil {
		return
	}
	om.SetGeneration(oo.GetGeneration())
	if !apiequality.Semantic.DeepEqual(content(obj), content(old)) {
		om.SetGeneration(oo.GetGeneration() + 1)
	}
}

// content is every field of the object but TypeMeta, ObjectMeta and Status.
func content(obj runtime.Object) []any {
	v := reflect.ValueOf(obj).Elem()
	var out []any
	for i := range v.NumField() {
		switch v.Type().Field(i).Name {
		case "TypeMeta", "ObjectMeta", "Status":
			continue
		}
		out = append(out, v.Field(i).Interface())
	}
	return out
}

func getField(obj runtime.Object, name string) reflect.Value {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}
	}
	return v.Elem().FieldByName(name)
}

// setField sets a struct field by name; an invalid value zeroes it.
func setField(obj runtime.Object, name string, val reflect.Value) {
	f := getField(obj, name)
	if !f.IsValid() || !f.CanSet() {
		return
	}
	if !val.IsValid() {
		f.Set(reflect.Zero(f.Type()))
		return
	}
	f.Set(val)
}

// getAttrs gives the labels and selectable fields of an object, for label
// and field selectors in lists and watches.
func getAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil, err
	}
	fs, ok := v1beta1.SelectableFields(obj)
	if !ok {
		return nil, nil, fmt.Errorf("%T is not a results.kubescape.io object", obj)
	}
	return labels.Set(m.GetLabels()), fs, nil
}

func predicate(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: getAttrs}
}
