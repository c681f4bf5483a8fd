package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/value"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
)

const (
	// maxDecoders caps the goroutines decoding one list page.
	maxDecoders = 8
	// minItemsPerDecoder keeps small pages on one goroutine.
	minItemsPerDecoder = 16
	// maxChunk caps the rows read per query when a filtered page is filled
	// by doubling the chunk size, as the etcd3 store caps its page growth.
	maxChunk = 10000
	// unpagedChunk is the rows read per query by a list without a limit.
	unpagedChunk = 1000
)

// Error messages of the etcd3 store, which clients match.
const (
	msgExpired         = "The resourceVersion for the provided list is too old."
	msgContinueExpired = "The provided continue parameter is too old " +
		"to display a consistent list result. You can start a new list without " +
		"the continue parameter."
	msgInconsistentContinue = "The provided continue parameter is too old " +
		"to display a consistent list result. You can start a new list without " +
		"the continue parameter, or use the continue token in this response to " +
		"retrieve the remainder of the results. Continuing with the provided " +
		"token results in an inconsistent list - objects that were created, " +
		"modified, or deleted between the time the first chunk was returned " +
		"and now may show up in the list."
)

// listReadError converts an error of a list read at resource version withRev
// to the error the etcd3 store returns.
func (s *Store) listReadError(err error, withRev int64, paging bool, continueKey, keyPrefix string) error {
	if fe, ok := errors.AsType[*futureRVError](err); ok {
		return storage.NewTooLargeResourceVersionError(uint64(withRev), uint64(fe.current), 0)
	}
	if errors.Is(err, errCompacted) {
		if !paging {
			return apierrors.NewResourceExpired(msgExpired)
		}
		// A continue token with resource version -1 continues the list at
		// the latest resource version.
		token, tokenErr := storage.EncodeContinue(continueKey, keyPrefix, -1)
		if tokenErr != nil {
			utilruntime.HandleError(tokenErr)
			return apierrors.NewResourceExpired(msgContinueExpired)
		}
		statusErr := apierrors.NewResourceExpired(msgInconsistentContinue)
		statusErr.ErrStatus.Continue = token
		return statusErr
	}
	return err
}

// GetList implements storage.Interface.
func (s *Store) GetList(ctx context.Context, key string, opts storage.ListOptions, listObj runtime.Object) error {
	keyPrefix, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return err
	}
	listPtr, err := meta.GetItemsPtr(listObj)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(listPtr)
	if err != nil {
		return fmt.Errorf("need ptr to slice: %w", err)
	}
	if v.Kind() != reflect.Slice {
		return fmt.Errorf("need ptr to slice, got a pointer to %s", v.Kind())
	}
	newItem := newItemFunc(listObj, v)
	withRev, continueKey, err := storage.ValidateListOptions(keyPrefix, s.versioner, opts)
	if err != nil {
		return err
	}
	pred := opts.Predicate
	paging := pred.Limit > 0
	continuing := len(pred.Continue) > 0

	if !opts.Recursive {
		rec, rev, err := s.db.get(ctx, keyPrefix, withRev)
		if err != nil {
			return s.listReadError(err, withRev, continuing, continueKey, keyPrefix)
		}
		if withRev == 0 {
			if err := s.validateMinimumResourceVersion(opts.ResourceVersion, uint64(rev)); err != nil {
				return err
			}
		}
		if rec != nil {
			obj, err := s.decodeItem(ctx, rec, newItem, rev)
			if err != nil {
				return err
			}
			if matched, err := pred.Matches(obj); err == nil && matched {
				v.Set(reflect.Append(v, reflect.ValueOf(obj).Elem()))
			}
		}
		return s.finalizeList(listObj, pred, uint64(rev), "", nil, v)
	}

	kr := prefixRange(keyPrefix)
	if continueKey != "" {
		// Continue tokens point just after the last key returned.
		start, after := strings.CutSuffix(continueKey, "\x00")
		if strings.ContainsRune(start, 0) {
			return apierrors.NewBadRequest("invalid continue token: the start key contains a NUL byte")
		}
		kr.from, kr.afterFrom = start, after
	}

	chunk := unpagedChunk
	if paging {
		chunk = int(min(pred.Limit, maxChunk))
	}
	var (
		lastKey string
		hasMore bool
	)
	for {
		recs, rev, moreRows, err := s.db.scan(ctx, kr, withRev, chunk)
		if err != nil {
			return s.listReadError(err, withRev, continuing, continueKey, keyPrefix)
		}
		if withRev == 0 {
			if err := s.validateMinimumResourceVersion(opts.ResourceVersion, uint64(rev)); err != nil {
				return err
			}
			// Every further chunk reads the snapshot of the first one.
			withRev = rev
		}
		limitReached := false
		for i := 0; i < len(recs); {
			if paging && int64(v.Len()) >= pred.Limit {
				limitReached = true
				break
			}
			// Decode no more objects than the page can still take, as the
			// etcd3 store does; with a filter that takes several rounds.
			n := len(recs) - i
			if paging {
				n = int(min(int64(n), pred.Limit-int64(v.Len())))
			}
			items := s.decodeItems(ctx, recs[i:i+n], newItem, withRev)
			for j := range items {
				lastKey = recs[i+j].key
				if items[j].err != nil {
					return items[j].err
				}
				if matched, err := pred.Matches(items[j].obj); err == nil && matched {
					v.Set(reflect.Append(v, reflect.ValueOf(items[j].obj).Elem()))
				}
				recs[i+j] = record{} // release the payload early
			}
			i += n
		}
		hasMore = moreRows || limitReached
		if limitReached || !moreRows || (paging && int64(v.Len()) >= pred.Limit) {
			break
		}
		kr.from, kr.afterFrom = lastKey, true
		if paging {
			// The filter dropped objects: read more per query.
			chunk = min(chunk*2, maxChunk)
		}
	}

	var count int64
	if hasMore && pred.Empty() {
		// remainingItemCount is the number of objects after the page;
		// PrepareContinueToken subtracts the limit from the count it gets.
		after, err := s.db.count(ctx, keyRange{from: lastKey, afterFrom: true, to: kr.to}, withRev)
		if err != nil {
			return s.listReadError(err, withRev, continuing, continueKey, keyPrefix)
		}
		count = after + pred.Limit
	}
	continueValue, remaining, err := storage.PrepareContinueToken(lastKey, keyPrefix, withRev, count, hasMore, opts)
	if err != nil {
		return err
	}
	return s.finalizeList(listObj, pred, uint64(withRev), continueValue, remaining, v)
}

// decodeItem reads and decodes rec. readRV is the resource version the
// list reads at.
func (s *Store) decodeItem(ctx context.Context, rec *record, newItem func() runtime.Object, readRV int64) (runtime.Object, error) {
	stored, err := s.storedBytes(rec)
	if err != nil {
		if storage.IsCorruptObject(err) && readRV < s.db.compactedRV.Load() {
			// The version was compacted, and its file removed, while the
			// list was reading it.
			return nil, apierrors.NewResourceExpired(msgExpired)
		}
		return nil, err
	}
	data, _, err := s.valueTransformer().TransformFromStorage(ctx, stored, value.DefaultContext(rec.key))
	if err != nil {
		if unsafeDeletionEnabled() {
			return nil, storage.NewCorruptObjError(rec.key, err)
		}
		return nil, storage.NewInternalError(fmt.Errorf("unable to transform key %q: %w", rec.key, err))
	}
	if ctx.Err() != nil {
		return nil, storage.NewTimeoutError(rec.key, "request did not complete within requested timeout")
	}
	obj := newItem()
	if _, _, err := s.codec.Decode(data, nil, obj); err != nil {
		if unsafeDeletionEnabled() {
			return nil, storage.NewCorruptObjError(rec.key, err)
		}
		return nil, err
	}
	if err := s.versioner.UpdateObject(obj, uint64(rec.rv)); err != nil {
		return nil, fmt.Errorf("set resource version of %s: %w", rec.key, err)
	}
	return obj, nil
}

// decodedItem is an object of a list, or the error of reading it.
type decodedItem struct {
	obj runtime.Object
	err error
}

// decodeItems decodes recs, spreading large batches over the CPUs; decoding
// dominates the cost of a list. Items after a failed one may be left
// undecoded.
func (s *Store) decodeItems(ctx context.Context, recs []record, newItem func() runtime.Object, readRV int64) []decodedItem {
	items := make([]decodedItem, len(recs))
	workers := min(goruntime.GOMAXPROCS(0), maxDecoders, len(recs)/minItemsPerDecoder)
	if workers <= 1 {
		for i := range recs {
			if items[i].obj, items[i].err = s.decodeItem(ctx, &recs[i], newItem, readRV); items[i].err != nil {
				break
			}
		}
		return items
	}
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1)) - 1
				if i >= len(recs) {
					return
				}
				if items[i].obj, items[i].err = s.decodeItem(ctx, &recs[i], newItem, readRV); items[i].err != nil {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		// Report the first failure in key order; later items may be missing.
		for i := range items {
			if items[i].err != nil {
				return items[:i+1]
			}
			if items[i].obj == nil {
				items[i].obj, items[i].err = s.decodeItem(ctx, &recs[i], newItem, readRV)
				if items[i].err != nil {
					return items[:i+1]
				}
			}
		}
	}
	return items
}

func (s *Store) finalizeList(listObj runtime.Object, pred storage.SelectionPredicate, rv uint64, continueValue string, remaining *int64, v reflect.Value) error {
	if v.IsNil() {
		// Never return a nil Items slice.
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	}
	if err := s.versioner.UpdateList(listObj, rv, continueValue, remaining); err != nil {
		return err
	}
	if utilfeature.DefaultFeatureGate.Enabled(features.ShardedListAndWatch) {
		pred.SetShardInfoOnList(listObj)
	}
	return nil
}

// newItemFunc returns a constructor of list items; unstructured lists keep
// their apiVersion on the items.
func newItemFunc(listObj runtime.Object, v reflect.Value) func() runtime.Object {
	if ul, ok := listObj.(*unstructured.UnstructuredList); ok {
		if apiVersion := ul.GetAPIVersion(); apiVersion != "" {
			return func() runtime.Object {
				return &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion}}
			}
		}
	}
	elem := v.Type().Elem()
	return func() runtime.Object {
		return reflect.New(elem).Interface().(runtime.Object)
	}
}

// Stats implements storage.Interface. The average object size is reported
// once EnableResourceSizeEstimation was called.
func (s *Store) Stats(ctx context.Context) (storage.Stats, error) {
	prefix, err := s.prepareKey(s.resourcePrefix, true)
	if err != nil {
		return storage.Stats{}, err
	}
	count, size, err := s.db.stats(ctx, prefixRange(prefix))
	if err != nil {
		return storage.Stats{}, err
	}
	stats := storage.Stats{ObjectCount: count}
	if s.sizeEstimation.Load() && count > 0 {
		stats.EstimatedAverageObjectSizeBytes = size / count
	}
	return stats, nil
}

// EnableResourceSizeEstimation implements storage.Interface. Sizes are read
// from the index, so getKeys is not used beyond the nil check.
func (s *Store) EnableResourceSizeEstimation(getKeys storage.KeysFunc) error {
	if getKeys == nil {
		return errors.New("KeysFunc cannot be nil")
	}
	if !s.sizeEstimation.CompareAndSwap(false, true) {
		return errors.New("resource size estimation already enabled")
	}
	return nil
}

// GetCurrentResourceVersion implements storage.Interface.
func (s *Store) GetCurrentResourceVersion(context.Context) (uint64, error) {
	if s.db.ctx.Err() != nil {
		return 0, ErrClosed
	}
	return uint64(s.db.currentRV.Load()), nil
}

// CompactRevision implements storage.Interface.
func (s *Store) CompactRevision() int64 { return s.db.compactedRV.Load() }

// ReadinessCheck implements storage.Interface.
func (s *Store) ReadinessCheck() error { return s.db.ready() }
