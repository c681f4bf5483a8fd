package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/apitesting"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
	"k8s.io/apiserver/pkg/storage/value"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"
)

// This file runs the storage conformance suite of k8s.io/apiserver
// (pkg/storage/testing) against the store, wired like the etcd3 store's own
// tests (pkg/storage/etcd3/store_test.go and watcher_test.go).

var (
	scheme = runtime.NewScheme()
	codecs = serializer.NewCodecFactory(scheme)
)

func init() {
	metav1.AddToGroupVersion(scheme, metav1.SchemeGroupVersion)
	utilruntime.Must(example.AddToScheme(scheme))
	utilruntime.Must(examplev1.AddToScheme(scheme))
}

// testPrefix is added to every payload by the test transformer, as in the
// etcd3 tests.
const testPrefix = "test!"

func newPod() runtime.Object     { return &example.Pod{} }
func newPodList() runtime.Object { return &example.PodList{} }

type setup struct {
	opts  Options
	codec runtime.Codec
}

type setupOption func(*setup)

func withOptions(opts Options) setupOption  { return func(s *setup) { s.opts = opts } }
func withCodec(c runtime.Codec) setupOption { return func(s *setup) { s.codec = c } }

// testStore opens a DB in a temporary directory with a store of example
// pods under "/pods/" (the prefix the suite uses).
func testStore(t testing.TB, opts ...setupOption) (context.Context, *Store, *DB) {
	t.Helper()
	su := setup{codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)}
	for _, o := range opts {
		o(&su)
	}
	db, err := Open(t.TempDir(), su.opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	s, err := db.NewStore(StoreConfig{
		Codec:          su.codec,
		NewFunc:        newPod,
		ResourcePrefix: "/pods/",
		GroupResource:  schema.GroupResource{Resource: "pods"},
		Transformer:    storagetesting.NewPrefixTransformer([]byte(testPrefix), false),
	})
	if err != nil {
		t.Fatal(err)
	}
	return t.Context(), s, db
}

var increaseCounter atomic.Int64

// increaseRV writes to another resource of the same DB, which moves the
// shared resource version forward.
func increaseRV(db *DB) storagetesting.IncreaseRVFunc {
	other, err := db.NewStore(StoreConfig{
		Codec:          apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion),
		NewFunc:        newPod,
		ResourcePrefix: "/increase/",
	})
	if err != nil {
		panic(err)
	}
	return func(ctx context.Context, t *testing.T) int64 {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("rv-%d", increaseCounter.Add(1))}}
		out := &example.Pod{}
		if err := other.Create(ctx, "/increase/"+pod.Name, pod, out, 0); err != nil {
			t.Fatalf("increase resource version: %v", err)
		}
		return int64(mustRV(t, out.ResourceVersion))
	}
}

// compaction compacts to the given resource version and, like a compaction
// of etcd, moves the resource version forward by one.
func compaction(db *DB) storagetesting.Compaction {
	bump := increaseRV(db)
	return func(ctx context.Context, t *testing.T, resourceVersion string) {
		if err := db.Compact(ctx, int64(mustRV(t, resourceVersion))); err != nil {
			t.Fatal(err)
		}
		bump(ctx, t)
	}
}

func mustRV(t testing.TB, rv string) uint64 {
	t.Helper()
	v, err := storage.APIObjectVersioner{}.ParseResourceVersion(rv)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkStorageInvariants checks that the stored payload of key carries the
// transformer's prefix and no resource version.
func checkStorageInvariants(s *Store) storagetesting.KeyValidation {
	return func(ctx context.Context, t *testing.T, key string) {
		rec, _, err := s.db.get(ctx, key, 0)
		if err != nil || rec == nil {
			t.Fatalf("read %s: record %v, error %v", key, rec, err)
		}
		data, err := s.db.readPayload(rec)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) < len(testPrefix) || string(data[:len(testPrefix)]) != testPrefix {
			t.Fatalf("stored payload of %s lacks the transformer prefix: %q", key, data)
		}
		obj, err := runtime.Decode(s.codec, data[len(testPrefix):])
		if err != nil {
			t.Fatalf("decode stored %s: %v", key, err)
		}
		pod := obj.(*example.Pod)
		if pod.ResourceVersion != "" {
			t.Errorf("stored %s has resourceVersion %q, want none", key, pod.ResourceVersion)
		}
	}
}

// prefixTransformerStore lets the suite swap the store's PrefixTransformer.
type prefixTransformerStore struct{ *Store }

func (s prefixTransformerStore) UpdatePrefixTransformer(modifier storagetesting.PrefixTransformerModifier) func() {
	orig := s.valueTransformer()
	copied := *orig.(*storagetesting.PrefixTransformer)
	s.setTransformer(modifier(&copied))
	return func() { s.setTransformer(orig) }
}

// transformerOverrideStore lets the suite wrap the store's transformer.
type transformerOverrideStore struct{ *Store }

func (s transformerOverrideStore) UpdateTransformer(modifier storagetesting.TransformerModifier) func() {
	orig := s.valueTransformer()
	s.setTransformer(modifier(orig))
	return func() { s.setTransformer(orig) }
}

// failingCodec fails to decode while failing is set.
type failingCodec struct {
	runtime.Codec
	failing atomic.Bool
}

func (c *failingCodec) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	if c.failing.Load() {
		return nil, nil, errors.New("synthetic decode error")
	}
	return c.Codec.Decode(data, defaults, into)
}

// failingTransformer fails to read while failing is set.
type failingTransformer struct {
	value.Transformer
	failing atomic.Bool
}

func (t *failingTransformer) TransformFromStorage(ctx context.Context, data []byte, dataCtx value.Context) ([]byte, bool, error) {
	if t.failing.Load() {
		return nil, false, errors.New("synthetic transform error")
	}
	return t.Transformer.TransformFromStorage(ctx, data, dataCtx)
}

// readsValidation checks that a list read (transformed) exactly the objects
// the suite expects it to process; the number of queries is not checked.
func readsValidation(s *Store) storagetesting.CallsValidation {
	return func(t *testing.T, _, estimatedProcessedObjects uint64) {
		if reads := s.valueTransformer().(*storagetesting.PrefixTransformer).GetReadsAndReset(); reads != estimatedProcessedObjects {
			t.Errorf("the list read %d objects, want %d", reads, estimatedProcessedObjects)
		}
	}
}

func setUnsafeDeletion(t *testing.T, enabled bool) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, enabled)
}

func TestConformanceCreate(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestCreate(ctx, t, s, checkStorageInvariants(s))
}

func TestConformanceCreateWithTTL(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestCreateWithTTL(ctx, t, s)
}

func TestConformanceCreateWithKeyExist(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestCreateWithKeyExist(ctx, t, s)
}

func TestConformanceGet(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestGet(ctx, t, s)
}

func TestConformanceDelete(t *testing.T) {
	for name, run := range map[string]func(context.Context, *testing.T, storage.Interface){
		"Unconditional":                           storagetesting.RunTestUnconditionalDelete,
		"Conditional":                             storagetesting.RunTestConditionalDelete,
		"WithSuggestion":                          storagetesting.RunTestDeleteWithSuggestion,
		"WithSuggestionAndConflict":               storagetesting.RunTestDeleteWithSuggestionAndConflict,
		"WithSuggestionOfDeletedObject":           storagetesting.RunTestDeleteWithSuggestionOfDeletedObject,
		"ValidateDeletionWithSuggestion":          storagetesting.RunTestValidateDeletionWithSuggestion,
		"ValidateDeletionWithOnlySuggestionValid": storagetesting.RunTestValidateDeletionWithOnlySuggestionValid,
		"WithConflict":                            storagetesting.RunTestDeleteWithConflict,
		"PreconditionalWithSuggestion":            storagetesting.RunTestPreconditionalDeleteWithSuggestion,
		"PreconditionalWithOnlySuggestionPass":    storagetesting.RunTestPreconditionalDeleteWithOnlySuggestionPass,
	} {
		t.Run(name, func(t *testing.T) {
			ctx, s, _ := testStore(t)
			run(ctx, t, s)
		})
	}
}

func TestConformanceUnsafeDelete(t *testing.T) {
	setUnsafeDeletion(t, true)
	t.Run("ConflictAndMissingExpectedTransformOrDecodeError", func(t *testing.T) {
		codec := &failingCodec{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)}
		ctx, s, _ := testStore(t, withCodec(codec))
		storagetesting.RunTestDeleteWithConflictAndMissingExpectedTransformOrDecodeError(ctx, t, s, codec.failing.Store)
	})
	t.Run("ExpectedTransformError", func(t *testing.T) {
		ctx, s, _ := testStore(t)
		ft := &failingTransformer{Transformer: s.valueTransformer()}
		s.setTransformer(ft)
		storagetesting.RunTestDeleteExpectedTransformOrDecodeError(ctx, t, s, ft.failing.Store)
	})
	t.Run("ExpectedDecodeError", func(t *testing.T) {
		codec := &failingCodec{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)}
		ctx, s, _ := testStore(t, withCodec(codec))
		storagetesting.RunTestDeleteExpectedTransformOrDecodeError(ctx, t, s, codec.failing.Store)
	})
	t.Run("SuggestionAndMissingExpectedTransformOrDecodeError", func(t *testing.T) {
		ctx, s, _ := testStore(t)
		storagetesting.RunTestDeleteWithSuggestionAndMissingExpectedTransformOrDecodeError(ctx, t, s)
	})
}

func TestConformanceList(t *testing.T) {
	ctx, s, db := testStore(t)
	storagetesting.RunTestList(ctx, t, s, compaction(db), false, nil)
}

func TestConformanceListPaging(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestListPaging(ctx, t, s)
}

func TestConformanceGetListNonRecursive(t *testing.T) {
	ctx, s, db := testStore(t)
	storagetesting.RunTestGetListNonRecursive(ctx, t, increaseRV(db), s)
}

func TestConformanceGetListRecursivePrefix(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestGetListRecursivePrefix(ctx, t, s)
}

func TestConformanceKeySchema(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestKeySchema(ctx, t, s)
}

func TestConformanceGetListWithoutErrorAggregation(t *testing.T) {
	setUnsafeDeletion(t, false)
	ctx, s, _ := testStore(t)
	storagetesting.RunTestGetListWithoutErrorAggregation(ctx, t, transformerOverrideStore{s}, errors.New("bits flipped"))
}

func TestConformanceGuaranteedUpdate(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestGuaranteedUpdate(ctx, t, prefixTransformerStore{s}, checkStorageInvariants(s))
}

func TestConformanceGuaranteedUpdateWithTTL(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestGuaranteedUpdateWithTTL(ctx, t, s)
}

func TestConformanceGuaranteedUpdateChecksStoredData(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestGuaranteedUpdateChecksStoredData(ctx, t, prefixTransformerStore{s})
}

func TestConformanceGuaranteedUpdateWithConflict(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestGuaranteedUpdateWithConflict(ctx, t, s)
}

func TestConformanceGuaranteedUpdateWithSuggestionAndConflict(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestGuaranteedUpdateWithSuggestionAndConflict(ctx, t, s)
}

func TestConformanceTransformationFailure(t *testing.T) {
	// Without unsafe deletion, unreadable objects are internal errors (with
	// it they are corrupt objects, which TestCorruptPayload covers).
	setUnsafeDeletion(t, false)
	ctx, s, _ := testStore(t)
	storagetesting.RunTestTransformationFailure(ctx, t, prefixTransformerStore{s})
}

func TestConformanceConsistentList(t *testing.T) {
	ctx, s, db := testStore(t)
	storagetesting.RunTestConsistentList(ctx, t, s, increaseRV(db), false, true, false)
}

func TestConformanceCompactRevision(t *testing.T) {
	ctx, s, db := testStore(t)
	storagetesting.RunTestCompactRevision(ctx, t, s, increaseRV(db), compaction(db))
}

func TestConformanceListContinuation(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestListContinuation(ctx, t, s, readsValidation(s))
}

func TestConformanceListPaginationRareObject(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestListPaginationRareObject(ctx, t, s, readsValidation(s))
}

func TestConformanceListContinuationWithFilter(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestListContinuationWithFilter(ctx, t, s, readsValidation(s))
}

func TestConformanceNamespaceScopedList(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestNamespaceScopedList(ctx, t, s)
}

func TestConformanceListInconsistentContinuation(t *testing.T) {
	ctx, s, db := testStore(t)
	storagetesting.RunTestListInconsistentContinuation(ctx, t, s, compaction(db))
}

func TestConformanceListResourceVersionMatch(t *testing.T) {
	ctx, s, _ := testStore(t)
	storagetesting.RunTestListResourceVersionMatch(ctx, t, prefixTransformerStore{s})
}

func TestConformanceStats(t *testing.T) {
	for _, sizeEnabled := range []bool{true, false} {
		t.Run(fmt.Sprintf("SizeEstimation=%v", sizeEnabled), func(t *testing.T) {
			ctx, s, _ := testStore(t)
			if sizeEnabled {
				if err := s.EnableResourceSizeEstimation(func(context.Context) ([]string, error) { return nil, nil }); err != nil {
					t.Fatal(err)
				}
			}
			storagetesting.RunTestStats(ctx, t, s, s.codec, s.valueTransformer(), sizeEnabled)
		})
	}
}

func TestConformanceWatch(t *testing.T) {
	simple := map[string]func(context.Context, *testing.T, storage.Interface){
		"Watch":                              storagetesting.RunTestWatch,
		"ClusterScopedWatch":                 storagetesting.RunTestClusterScopedWatch,
		"NamespaceScopedWatch":               storagetesting.RunTestNamespaceScopedWatch,
		"DeleteTriggerWatch":                 storagetesting.RunTestDeleteTriggerWatch,
		"WatchFromNonZero":                   storagetesting.RunTestWatchFromNonZero,
		"DelayedWatchDelivery":               storagetesting.RunTestDelayedWatchDelivery,
		"WatchContextCancel":                 storagetesting.RunTestWatchContextCancel,
		"WatcherTimeout":                     storagetesting.RunTestWatcherTimeout,
		"WatchDeleteEventObjectHaveLatestRV": storagetesting.RunTestWatchDeleteEventObjectHaveLatestRV,
		"WatchInitializationSignal":          storagetesting.RunTestWatchInitializationSignal,
		"SendInitialEventsBackwardCompat":    storagetesting.RunSendInitialEventsBackwardCompatibility,
		"WatchSemantics":                     storagetesting.RunWatchSemantics,
		"WatchSemanticInitialEventsExtended": storagetesting.RunWatchSemanticInitialEventsExtended,
		"WatchListMatchSingle":               storagetesting.RunWatchListMatchSingle,
	}
	for name, run := range simple {
		t.Run(name, func(t *testing.T) {
			ctx, s, _ := testStore(t)
			run(ctx, t, s)
		})
	}
	t.Run("WatchFromZero", func(t *testing.T) {
		ctx, s, db := testStore(t)
		storagetesting.RunTestWatchFromZero(ctx, t, s, compaction(db))
	})
	t.Run("WatchError", func(t *testing.T) {
		ctx, s, _ := testStore(t)
		storagetesting.RunTestWatchError(ctx, t, prefixTransformerStore{s})
	})
	t.Run("WatchErrorIsBlockingFurtherEvents", func(t *testing.T) {
		ctx, s, _ := testStore(t)
		storagetesting.RunWatchErrorIsBlockingFurtherEvents(ctx, t, prefixTransformerStore{s})
	})
	t.Run("WatchWithUnsafeDelete", func(t *testing.T) {
		setUnsafeDeletion(t, true)
		ctx, s, _ := testStore(t)
		storagetesting.RunTestWatchWithUnsafeDelete(ctx, t, transformerOverrideStore{s}, errors.New("bits flipped"))
	})
	fastBookmarks := withOptions(Options{BookmarkInterval: time.Second})
	t.Run("ProgressNotify", func(t *testing.T) {
		ctx, s, db := testStore(t, fastBookmarks)
		storagetesting.RunOptionalTestProgressNotify(ctx, t, s, increaseRV(db))
	})
	t.Run("WatchDispatchBookmarkEvents", func(t *testing.T) {
		ctx, s, _ := testStore(t, fastBookmarks)
		storagetesting.RunTestWatchDispatchBookmarkEvents(ctx, t, s, true)
	})
	t.Run("WatchBookmarksWithCorrectResourceVersion", func(t *testing.T) {
		ctx, s, _ := testStore(t, fastBookmarks)
		storagetesting.RunTestOptionalWatchBookmarksWithCorrectResourceVersion(ctx, t, s)
	})
}
