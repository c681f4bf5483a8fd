package registry

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/storage/names"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
	"kubescape.io/kubescape/storage/sqlitestore"
)

// Category groups every resource of the API, so that
// `kubectl get kubescape -A` lists them all.
const Category = "kubescape"

// Config is what the registry needs from the server.
type Config struct {
	Scheme      *runtime.Scheme
	Codecs      serializer.CodecFactory
	RESTOptions generic.RESTOptionsGetter
	Alerts      AlertRetention
}

// API is the results.kubescape.io/v1beta1 group, ready to install.
type API struct {
	cfg     Config
	storage map[string]rest.Storage
	alerts  *genericregistry.Store
}

// New builds the storage of every resource of the group.
func New(cfg Config) (*API, error) {
	a := &API{cfg: cfg, storage: map[string]rest.Storage{}}
	stores := map[string]*genericregistry.Store{}
	for _, r := range resources() {
		if r.computed {
			continue
		}
		st, status, err := r.newStore(cfg.Scheme, cfg.RESTOptions)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.plural, err)
		}
		stores[r.plural] = st
		a.storage[r.plural] = &REST{Store: st, shortNames: r.shortNames}
		if status != nil {
			a.storage[r.plural+"/status"] = status
		}
	}
	a.alerts = stores["runtimealerts"]
	a.storage["configurationscansummaries"] = newSummaryREST(stores["workloadconfigurationscansummaries"])
	return a, nil
}

// GroupInfo is the API group for genericapiserver.InstallAPIGroup.
func (a *API) GroupInfo() genericapiserver.APIGroupInfo {
	info := genericapiserver.NewDefaultAPIGroupInfo(v1beta1.GroupName, a.cfg.Scheme, metav1.ParameterCodec, a.cfg.Codecs)
	info.VersionedResourcesStorageMap[v1beta1.SchemeGroupVersion.Version] = a.storage
	return info
}

// Storage returns the storage of a resource ("sboms", "runtimealerts/status").
func (a *API) Storage(name string) rest.Storage { return a.storage[name] }

// newStore builds the generic registry store of a resource on the shared
// SQLite store, and the store of its /status subresource if it has one.
func (r *resource) newStore(scheme *runtime.Scheme, opts generic.RESTOptionsGetter) (*genericregistry.Store, *StatusREST, error) {
	s := strategy{ObjectTyper: scheme, NameGenerator: names.SimpleNameGenerator, res: r}
	st := &genericregistry.Store{
		NewFunc:                   r.newObj,
		NewListFunc:               r.newList,
		PredicateFunc:             predicate,
		DefaultQualifiedResource:  v1beta1.Resource(r.plural),
		SingularQualifiedResource: v1beta1.Resource(r.singular),
		CreateStrategy:            s,
		UpdateStrategy:            s,
		DeleteStrategy:            s,
		ResetFieldsStrategy:       s,
		TableConvertor:            r.table(),
	}
	if err := st.CompleteWithOptions(&generic.StoreOptions{RESTOptions: opts, AttrFunc: getAttrs}); err != nil {
		return nil, nil, err
	}
	if !r.hasStatus {
		return st, nil, nil
	}
	statusStore := *st
	ss := statusStrategy{s}
	statusStore.UpdateStrategy = ss
	statusStore.ResetFieldsStrategy = ss
	return st, &StatusREST{store: &statusStore}, nil
}

// REST is a resource's storage: the generic registry store plus its short
// names and the kubescape category.
type REST struct {
	*genericregistry.Store
	shortNames []string
}

var (
	_ rest.ShortNamesProvider   = &REST{}
	_ rest.CategoriesProvider   = &REST{}
	_ rest.StandardStorage      = &REST{}
	_ rest.SingularNameProvider = &REST{}
)

// ShortNames for kubectl (e.g. `kubectl get vex`).
func (r *REST) ShortNames() []string { return r.shortNames }

// Categories puts every resource in the kubescape category.
func (r *REST) Categories() []string { return []string{Category} }

// StatusREST is the /status subresource of a resource.
type StatusREST struct{ store *genericregistry.Store }

var (
	_ rest.Patcher              = &StatusREST{}
	_ rest.ResetFieldsStrategy  = &StatusREST{}
	_ rest.TableConvertor       = &StatusREST{}
	_ rest.SingularNameProvider = &StatusREST{}
)

// New returns an empty object.
func (r *StatusREST) New() runtime.Object { return r.store.New() }

// Destroy does nothing: the main resource owns the store.
func (r *StatusREST) Destroy() {}

// GetSingularName is the main resource's singular name.
func (r *StatusREST) GetSingularName() string { return r.store.GetSingularName() }

// Get retrieves the object, for patches of the status.
func (r *StatusREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

// Update changes only the status of the object.
func (r *StatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	// Status updates never create the object.
	return r.store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

// GetResetFields is the status strategy's.
func (r *StatusREST) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.store.GetResetFields()
}

// ConvertToTable is the main resource's.
func (r *StatusREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return r.store.ConvertToTable(ctx, object, tableOptions)
}

// resource describes one kind of the group: the table below is all that
// differs between them.
type resource struct {
	plural, singular, kind string
	shortNames             []string
	namespaced, hasStatus  bool
	// computed resources are not stored: the server derives them.
	computed bool
	maxSize  int64
	newObj   func() runtime.Object
	newList  func() runtime.Object
	// validate and validateUpdate are the kind's validation.
	validate       func(runtime.Object) field.ErrorList
	validateUpdate func(obj, old runtime.Object) field.ErrorList
	// validateStatusUpdate checks a write through /status.
	validateStatusUpdate func(obj, old runtime.Object) field.ErrorList
	columns              []column
}

// DefaultMaxObjectSizes are the default size limits per resource (the
// SQLite store enforces them, with 413).
func DefaultMaxObjectSizes() map[string]int64 {
	out := map[string]int64{}
	for _, r := range resources() {
		if !r.computed {
			out[r.plural] = r.maxSize
		}
	}
	return out
}

// kindOf fills the typed parts of a resource entry from the kind's Go types
// and validation functions.
func kindOf[T any, PT interface {
	*T
	runtime.Object
}, L any, PL interface {
	*L
	runtime.Object
}](r resource, validate func(PT) field.ErrorList, validateUpdate func(PT, PT) field.ErrorList, statusUpdate ...func(PT, PT) field.ErrorList) *resource {
	r.newObj = func() runtime.Object { return PT(new(T)) }
	r.newList = func() runtime.Object { return PL(new(L)) }
	r.validate = func(obj runtime.Object) field.ErrorList {
		o, ok := obj.(PT)
		if !ok {
			return field.ErrorList{field.InternalError(nil, fmt.Errorf("expected %T, got %T", PT(nil), obj))}
		}
		return validate(o)
	}
	r.validateUpdate = func(obj, old runtime.Object) field.ErrorList {
		o, ok1 := obj.(PT)
		p, ok2 := old.(PT)
		if !ok1 || !ok2 {
			return field.ErrorList{field.InternalError(nil, fmt.Errorf("expected %T, got %T and %T", PT(nil), obj, old))}
		}
		return validateUpdate(o, p)
	}
	r.validateStatusUpdate = r.validateUpdate
	if len(statusUpdate) == 1 {
		r.validateStatusUpdate = func(obj, old runtime.Object) field.ErrorList {
			o, ok1 := obj.(PT)
			p, ok2 := old.(PT)
			if !ok1 || !ok2 {
				return field.ErrorList{field.InternalError(nil, fmt.Errorf("expected %T, got %T and %T", PT(nil), obj, old))}
			}
			return statusUpdate[0](o, p)
		}
	}
	return &r
}

// RESTOptionsGetter gives every resource the shared SQLite store instead of
// etcd, with no watch cache: lists and watches are served from the store.
// Codec encodes and decodes the stored objects (results.kubescape.io/v1beta1).
type RESTOptionsGetter struct {
	DB    *sqlitestore.DB
	Codec runtime.Codec
}

// GetRESTOptions implements generic.RESTOptionsGetter.
func (g RESTOptionsGetter) GetRESTOptions(res schema.GroupResource, _ runtime.Object) (generic.RESTOptions, error) {
	sc := storagebackend.NewDefaultConfig("", g.Codec)
	sc.EncodeVersioner = v1beta1.SchemeGroupVersion
	return generic.RESTOptions{
		StorageConfig:           sc.ForResource(res),
		Decorator:               g.DB.Decorator(),
		DeleteCollectionWorkers: 1,
		ResourcePrefix:          "/" + res.Group + "/" + res.Resource,
	}, nil
}
