package sqlitestore

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"
)

// Decorator returns a generic.StorageDecorator that stores a resource in db,
// for generic.RESTOptions.Decorator. Like generic.UndecoratedStorage it adds
// no watch cache: reads are served from disk. The codec, transformer and
// group resource come from the storagebackend config; its etcd settings
// (Prefix, Transport, compaction) do not apply.
func (db *DB) Decorator() generic.StorageDecorator {
	return func(config *storagebackend.ConfigForResource, resourcePrefix string, _ func(runtime.Object) (string, error),
		newFunc, _ func() runtime.Object, _ storage.AttrFunc, _ storage.IndexerFuncs, _ *cache.Indexers,
	) (storage.Interface, factory.DestroyFunc, error) {
		s, err := db.NewStore(StoreConfig{
			Codec:          config.Codec,
			NewFunc:        newFunc,
			ResourcePrefix: resourcePrefix,
			GroupResource:  config.GroupResource,
			Transformer:    config.Transformer,
		})
		if err != nil {
			return nil, nil, err
		}
		return s, s.Destroy, nil
	}
}
