// Package install registers the results.kubescape.io API group in a
// scheme: version v1beta1, and the same Go types as the group's internal
// version, which k8s.io/apiserver's generic registry works with. The group
// has no separate internal types, so no conversion functions are needed:
// converting between the two versions only sets apiVersion.
package install

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

// InternalGroupVersion is the internal version of the API group.
var InternalGroupVersion = schema.GroupVersion{Group: v1beta1.GroupName, Version: runtime.APIVersionInternal}

// Install registers the API group in the scheme: the v1beta1 types with
// their defaulting functions and field label conversions (and the meta/v1
// types every version needs), the same types under the internal version,
// and v1beta1 as the preferred version. Registration cannot fail for a
// scheme that does not already hold other types under these names; if it
// does, that is a programming error and Install panics, like the
// Kubernetes install packages.
func Install(scheme *runtime.Scheme) {
	utilruntime.Must(v1beta1.AddToScheme(scheme))
	utilruntime.Must(addInternalTypes(scheme))
	utilruntime.Must(scheme.SetVersionPriority(v1beta1.SchemeGroupVersion))
}

func addInternalTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(InternalGroupVersion, v1beta1.KnownTypes()...)
	return v1beta1.AddFieldLabelConversionFuncsFor(scheme, InternalGroupVersion.Group, InternalGroupVersion.Version)
}
