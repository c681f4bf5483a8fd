package sqlitestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/value"
	"k8s.io/apiserver/pkg/storage/value/encrypt/identity"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
)

// StoreConfig describes one resource kept in a DB.
type StoreConfig struct {
	// Codec encodes objects for storage and decodes them. Required.
	Codec runtime.Codec
	// NewFunc returns an empty object of the resource; watch bookmarks are
	// built from it.
	NewFunc func() runtime.Object
	// ResourcePrefix is the key prefix of the resource, for example
	// "/results.kubescape.io/sboms"; every key passed to the store starts
	// with it, followed by "/<namespace>/<name>" or "/<name>". Required.
	ResourcePrefix string
	// GroupResource names the resource in error messages.
	GroupResource schema.GroupResource
	// Transformer transforms payloads on their way to and from disk (for
	// example encryption at rest). Nil stores them as encoded, rejecting
	// data that was encrypted.
	Transformer value.Transformer
	// MaxObjectSize is the largest serialized object, in bytes, the store
	// accepts; 0 uses Options.MaxObjectSizes[GroupResource], or else
	// Options.MaxObjectSize.
	MaxObjectSize int64
}

// Store implements storage.Interface for one resource of a DB.
type Store struct {
	db             *DB
	codec          runtime.Codec
	newFunc        func() runtime.Object
	resourcePrefix string
	groupResource  schema.GroupResource
	versioner      storage.Versioner
	maxObjectSize  int64
	transformer    atomic.Pointer[transformerBox]
	sizeEstimation atomic.Bool

	ctx    context.Context // ends when the store is destroyed or the DB closed
	cancel context.CancelFunc

	watchersMu sync.Mutex
	watchers   map[*watcher]struct{}
}

type transformerBox struct{ value.Transformer }

var _ storage.Interface = (*Store)(nil)

// NewStore returns the store of one resource. Stores of different resources
// share the database, its resource-version counter and its writer.
func (db *DB) NewStore(cfg StoreConfig) (*Store, error) {
	if cfg.Codec == nil {
		return nil, fmt.Errorf("store %q: a codec is required", cfg.ResourcePrefix)
	}
	if cfg.ResourcePrefix == "" || cfg.ResourcePrefix == "/" || !strings.HasPrefix(cfg.ResourcePrefix, "/") {
		return nil, fmt.Errorf("store %q: the resource prefix must start with \"/\" and name a resource, like \"/group/resource\"", cfg.ResourcePrefix)
	}
	if strings.ContainsRune(cfg.ResourcePrefix, 0) {
		return nil, fmt.Errorf("store %q: the resource prefix contains a NUL byte", cfg.ResourcePrefix)
	}
	if db.ctx.Err() != nil {
		return nil, ErrClosed
	}
	s := &Store{
		db:             db,
		codec:          cfg.Codec,
		newFunc:        cfg.NewFunc,
		resourcePrefix: cfg.ResourcePrefix,
		groupResource:  cfg.GroupResource,
		versioner:      storage.APIObjectVersioner{},
		maxObjectSize:  cfg.MaxObjectSize,
		watchers:       map[*watcher]struct{}{},
	}
	if s.maxObjectSize <= 0 {
		s.maxObjectSize = db.opts.MaxObjectSizes[cfg.GroupResource]
	}
	if s.maxObjectSize <= 0 {
		s.maxObjectSize = db.opts.MaxObjectSize
	}
	transformer := cfg.Transformer
	if transformer == nil {
		transformer = identity.NewEncryptCheckTransformer()
	}
	s.setTransformer(transformer)
	s.ctx, s.cancel = context.WithCancel(db.ctx)
	return s, nil
}

// Destroy stops the watchers of the store. The DB stays open.
func (s *Store) Destroy() { s.cancel() }

func (s *Store) valueTransformer() value.Transformer { return s.transformer.Load().Transformer }

func (s *Store) setTransformer(t value.Transformer) { s.transformer.Store(&transformerBox{t}) }

// Versioner implements storage.Interface.
func (s *Store) Versioner() storage.Versioner { return s.versioner }

func (s *Store) prepareKey(key string, recursive bool) (string, error) {
	key, err := storage.PrepareKey(s.resourcePrefix, key, recursive)
	if err != nil {
		return "", err
	}
	if strings.ContainsRune(key, 0) {
		return "", fmt.Errorf("invalid key: %q contains a NUL byte", key)
	}
	return key, nil
}

// unsafeDeletionEnabled mirrors the etcd3 store: with the
// AllowUnsafeMalformedObjectDeletion feature, objects that cannot be read are
// reported as corrupt so that they can be deleted unsafely.
func unsafeDeletionEnabled() bool {
	return utilfeature.DefaultFeatureGate.Enabled(features.AllowUnsafeMalformedObjectDeletion)
}

// storedBytes returns the verified payload of rec.
func (s *Store) storedBytes(rec *record) ([]byte, error) {
	stored, err := s.db.readPayload(rec)
	if err != nil {
		if _, ok := errors.AsType[*corruptPayloadError](err); ok {
			return nil, storage.NewCorruptObjError(rec.key, err)
		}
		return nil, storage.NewInternalError(err)
	}
	return stored, nil
}

// readValue returns the decodable bytes of rec: its verified payload passed
// through the transformer.
func (s *Store) readValue(ctx context.Context, rec *record) (data []byte, stale bool, err error) {
	stored, err := s.storedBytes(rec)
	if err != nil {
		return nil, false, err
	}
	data, stale, err = s.valueTransformer().TransformFromStorage(ctx, stored, value.DefaultContext(rec.key))
	if err != nil {
		if unsafeDeletionEnabled() {
			return nil, false, storage.NewCorruptObjError(rec.key, err)
		}
		return nil, false, storage.NewInternalError(err)
	}
	return data, stale, nil
}

// decode decodes data into out and sets its resource version.
func (s *Store) decode(key string, data []byte, out runtime.Object, rv int64) error {
	if _, err := conversion.EnforcePtr(out); err != nil {
		return fmt.Errorf("unable to convert output object to pointer: %w", err)
	}
	if _, _, err := s.codec.Decode(data, nil, out); err != nil {
		if unsafeDeletionEnabled() {
			return storage.NewCorruptObjError(key, err)
		}
		return err
	}
	if err := s.versioner.UpdateObject(out, uint64(rv)); err != nil {
		return fmt.Errorf("set resource version of %s: %w", key, err)
	}
	return nil
}

// encode serializes obj for key and checks it against the size limit.
func (s *Store) encode(key string, obj runtime.Object) ([]byte, error) {
	data, err := runtime.Encode(s.codec, obj)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > s.maxObjectSize {
		advice := "make the object smaller"
		if flag := s.db.opts.SizeLimitFlag; flag != "" {
			advice += fmt.Sprintf(", or raise the limit for %s with the server flag %s %s=SIZE", s.groupResource.Resource, flag, s.groupResource.Resource)
		}
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf(
			"%s %s is %d bytes once serialized, more than the %d bytes the storage accepts for this resource; %s",
			s.groupResource.String(), strings.TrimPrefix(key, s.resourcePrefix+"/"), len(data), s.maxObjectSize, advice))
	}
	return data, nil
}

// newPayload transforms the serialized object for storage and prepares its
// payload (writing its file when it is large).
func (s *Store) newPayload(ctx context.Context, key string, data []byte) (payload, error) {
	stored, err := s.valueTransformer().TransformToStorage(ctx, data, value.DefaultContext(key))
	if err != nil {
		return payload{}, storage.NewInternalError(err)
	}
	p, err := s.db.newPayload(stored)
	if err != nil {
		return payload{}, storage.NewInternalError(fmt.Errorf("store %s: %w", key, err))
	}
	return p, nil
}

// expiresAt converts a TTL in seconds to a deadline in Unix milliseconds.
func (s *Store) expiresAt(ttl uint64) int64 {
	if ttl == 0 {
		return 0
	}
	return s.db.opts.Clock.Now().UnixMilli() + int64(ttl)*1000
}

// ttlOf returns the seconds left before rec expires, 0 without TTL.
func (s *Store) ttlOf(rec *record) int64 {
	if rec.expiresAt == 0 {
		return 0
	}
	left := rec.expiresAt - s.db.opts.Clock.Now().UnixMilli()
	return (left + 999) / 1000
}

// writeError converts an error of DB.write to the storage error the etcd3
// store returns in the same situation.
func writeError(key string, err error) error {
	switch {
	case errors.Is(err, errExists):
		return storage.NewKeyExistsError(key, 0)
	case errors.Is(err, errNotFound):
		return storage.NewKeyNotFoundError(key, 0)
	case errors.Is(err, errConflict):
		return storage.NewResourceVersionConflictsError(key, 0)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return storage.NewTimeoutError(key, err.Error())
	}
	return err
}

// Create implements storage.Interface.
func (s *Store) Create(ctx context.Context, key string, obj, out runtime.Object, ttl uint64) error {
	key, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	if version, err := s.versioner.ObjectResourceVersion(obj); err == nil && version != 0 {
		return storage.ErrResourceVersionSetOnCreate
	}
	if err := s.versioner.PrepareObjectForStorage(obj); err != nil {
		return fmt.Errorf("PrepareObjectForStorage failed: %w", err)
	}
	data, err := s.encode(key, obj)
	if err != nil {
		return err
	}
	p, err := s.newPayload(ctx, key, data)
	if err != nil {
		return err
	}
	rv, err := s.db.write(ctx, &writeReq{key: key, payload: p, expiresAt: s.expiresAt(ttl)})
	if err != nil {
		return writeError(key, err)
	}
	if out != nil {
		return s.decode(key, data, out, rv)
	}
	return nil
}

// Get implements storage.Interface.
func (s *Store) Get(ctx context.Context, key string, opts storage.GetOptions, out runtime.Object) error {
	key, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	rec, rv, err := s.db.get(ctx, key, 0)
	if err != nil {
		return err
	}
	if err := s.validateMinimumResourceVersion(opts.ResourceVersion, uint64(rv)); err != nil {
		return err
	}
	if rec == nil {
		if opts.IgnoreNotFound {
			return runtime.SetZeroValue(out)
		}
		return storage.NewKeyNotFoundError(key, 0)
	}
	data, _, err := s.readValue(ctx, rec)
	if err != nil {
		return err
	}
	return s.decode(key, data, out, rec.rv)
}

// validateMinimumResourceVersion returns a "too large resource version" error
// when minimumResourceVersion is newer than actualRevision.
func (s *Store) validateMinimumResourceVersion(minimumResourceVersion string, actualRevision uint64) error {
	if minimumResourceVersion == "" {
		return nil
	}
	minimumRV, err := s.versioner.ParseResourceVersion(minimumResourceVersion)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: %v", err))
	}
	if minimumRV > actualRevision {
		return storage.NewTooLargeResourceVersionError(minimumRV, actualRevision, 0)
	}
	return nil
}

// objState is the state of a key that an update or delete starts from.
type objState struct {
	obj       runtime.Object
	meta      *storage.ResponseMeta
	rev       int64
	data      []byte // serialized object (after TransformFromStorage)
	stale     bool
	fromCache bool
}

// currentState reads the current state of key.
func (s *Store) currentState(ctx context.Context, key string, v reflect.Value, ignoreNotFound, expectTransformOrDecodeError bool) (*objState, error) {
	rec, _, err := s.db.get(ctx, key, 0)
	if err != nil {
		return nil, err
	}
	state := &objState{meta: &storage.ResponseMeta{}}
	if u, ok := v.Addr().Interface().(runtime.Unstructured); ok {
		state.obj = u.NewEmptyInstance()
	} else {
		state.obj = reflect.New(v.Type()).Interface().(runtime.Object)
	}
	if rec == nil {
		if !ignoreNotFound {
			return nil, storage.NewKeyNotFoundError(key, 0)
		}
		if err := runtime.SetZeroValue(state.obj); err != nil {
			return nil, err
		}
		return state, nil
	}
	state.rev = rec.rv
	state.meta.ResourceVersion = uint64(rec.rv)
	state.meta.TTL = s.ttlOf(rec)
	data, stale, err := s.readValue(ctx, rec)
	if err != nil {
		if !expectTransformOrDecodeError {
			return nil, err
		}
		state.obj = nil
		state.stale = true
		return state, nil
	}
	state.data, state.stale = data, stale
	if err := s.decode(key, data, state.obj, rec.rv); err != nil {
		if !expectTransformOrDecodeError {
			return nil, err
		}
		state.obj = nil
		return state, nil
	}
	if expectTransformOrDecodeError {
		return nil, storage.NewInvalidObjError(key, "unsafe deletion is not allowed because the object is decodable from storage")
	}
	return state, nil
}

// stateFromObject builds the starting state of an update or delete from the
// caller's cached copy of the object.
func (s *Store) stateFromObject(obj runtime.Object) (*objState, error) {
	rv, err := s.versioner.ObjectResourceVersion(obj)
	if err != nil {
		return nil, fmt.Errorf("couldn't get resource version: %w", err)
	}
	state := &objState{obj: obj, meta: &storage.ResponseMeta{ResourceVersion: rv}, rev: int64(rv), fromCache: true}
	// The serialized form is computed without the resource version, which is
	// never stored.
	if err := s.versioner.PrepareObjectForStorage(obj); err != nil {
		return nil, fmt.Errorf("PrepareObjectForStorage failed: %w", err)
	}
	state.data, err = runtime.Encode(s.codec, obj)
	if err != nil {
		return nil, err
	}
	if err := s.versioner.UpdateObject(state.obj, rv); err != nil {
		return nil, fmt.Errorf("restore resource version: %w", err)
	}
	return state, nil
}

// Delete implements storage.Interface.
func (s *Store) Delete(ctx context.Context, key string, out runtime.Object, preconditions *storage.Preconditions,
	validateDeletion storage.ValidateObjectFunc, cachedExistingObject runtime.Object, opts storage.DeleteOptions) error {
	key, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(out)
	if err != nil {
		return fmt.Errorf("unable to convert output object to pointer: %w", err)
	}
	if validateDeletion == nil {
		validateDeletion = storage.ValidateAllObjectFunc
	}
	expectTransformOrDecodeError := unsafeDeletionEnabled() && opts.ExpectTransformOrDecodeError
	current := func() (*objState, error) {
		return s.currentState(ctx, key, v, false, expectTransformOrDecodeError)
	}

	var origState *objState
	if cachedExistingObject != nil && !expectTransformOrDecodeError {
		origState, err = s.stateFromObject(cachedExistingObject)
	} else {
		origState, err = current()
	}
	if err != nil {
		return err
	}
	for {
		// A check that fails on a cached state is retried on the current one;
		// it fails for good only if the cached state turns out current.
		check := preconditions.Check(key, origState.obj)
		if check == nil {
			check = validateDeletion(ctx, origState.obj)
		}
		if check != nil {
			if !origState.fromCache {
				return check
			}
			cachedRev := origState.rev
			if origState, err = current(); err != nil {
				return err
			}
			if cachedRev == origState.rev {
				return check
			}
			continue
		}
		rv, err := s.db.write(ctx, &writeReq{key: key, deleteOp: true, expectRV: origState.rev})
		if errors.Is(err, errConflict) || errors.Is(err, errNotFound) {
			if origState, err = current(); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return writeError(key, err)
		}
		if expectTransformOrDecodeError {
			return nil
		}
		return s.decode(key, origState.data, out, rv)
	}
}

// GuaranteedUpdate implements storage.Interface.
func (s *Store) GuaranteedUpdate(ctx context.Context, key string, destination runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, cachedExistingObject runtime.Object) error {
	key, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(destination)
	if err != nil {
		return fmt.Errorf("unable to convert output object to pointer: %w", err)
	}
	if tryUpdate == nil {
		return fmt.Errorf("update %s: no update function", key)
	}
	current := func() (*objState, error) {
		return s.currentState(ctx, key, v, ignoreNotFound, false)
	}

	var origState *objState
	if cachedExistingObject != nil {
		origState, err = s.stateFromObject(cachedExistingObject)
	} else {
		origState, err = current()
	}
	if err != nil {
		return err
	}
	for {
		if err := preconditions.Check(key, origState.obj); err != nil {
			if !origState.fromCache {
				return err
			}
			if origState, err = current(); err != nil {
				return err
			}
			continue
		}

		ret, ttl, err := tryUpdate(origState.obj, *origState.meta)
		if err != nil {
			if !origState.fromCache {
				return err
			}
			// The update may have failed because the cached state is stale.
			cachedRev, updateErr := origState.rev, err
			if origState, err = current(); err != nil {
				return err
			}
			if cachedRev == origState.rev {
				return updateErr
			}
			continue
		}
		if err := s.versioner.PrepareObjectForStorage(ret); err != nil {
			return fmt.Errorf("PrepareObjectForStorage failed: %w", err)
		}

		data, err := s.encode(key, ret)
		if err != nil {
			return err
		}
		if !origState.stale && bytes.Equal(data, origState.data) {
			// No change: a state from the cache must be confirmed current
			// before the write is skipped.
			if origState.fromCache {
				if origState, err = current(); err != nil {
					return err
				}
				if !bytes.Equal(data, origState.data) {
					continue
				}
			}
			if !origState.stale {
				return s.decode(key, origState.data, destination, origState.rev)
			}
		}

		p, err := s.newPayload(ctx, key, data)
		if err != nil {
			return err
		}
		expires := int64(ttlKeep)
		if ttl != nil {
			expires = s.expiresAt(*ttl)
		}
		rv, err := s.db.write(ctx, &writeReq{key: key, expectRV: origState.rev, payload: p, expiresAt: expires})
		if errors.Is(err, errConflict) || errors.Is(err, errNotFound) || errors.Is(err, errExists) {
			if origState, err = current(); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return writeError(key, err)
		}
		return s.decode(key, data, destination, rv)
	}
}
