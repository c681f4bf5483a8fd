package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	utilflowcontrol "k8s.io/apiserver/pkg/util/flowcontrol"
)

const (
	// watchResultBuffer is the capacity of a watcher's result channel.
	watchResultBuffer = 100
	// watchBatch bounds the writes a watcher reads per query, and so its memory.
	watchBatch = 100
	// syncPage is the page size of the initial list of a watch.
	syncPage = 1000
)

const msgWatchExpired = "The resourceVersion for the provided watch is too old."

// watcher is one watch: a cursor over the revisions table that replays the
// writes after its resource version and then follows new commits.
type watcher struct {
	s              *Store
	key            string // prepared key; a prefix when recursive
	recursive      bool
	pred           storage.SelectionPredicate
	progressNotify bool
	allowBookmarks bool

	ctx      context.Context
	cancel   context.CancelFunc
	result   chan watch.Event
	progress chan struct{}

	cursor int64 // every matching write up to cursor was sent
}

// Watch implements storage.Interface with the semantics of the etcd3 store:
// resource version "" or "0" starts with ADDED events for the current state
// (unless SendInitialEvents says otherwise), any other resource version
// replays the writes after it; ResourceVersion older than the compacted one
// ends the watch with a 410 error event.
func (s *Store) Watch(ctx context.Context, key string, opts storage.ListOptions) (watch.Interface, error) {
	key, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return nil, err
	}
	rev, err := s.versioner.ParseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	if opts.ProgressNotify && s.newFunc == nil {
		return nil, apierrors.NewInternalError(errors.New("progressNotify for watch is unsupported by the storage because no newFunc was provided"))
	}
	startRV := s.startWatchResourceVersion(int64(rev), opts)
	w := &watcher{
		s:              s,
		key:            key,
		recursive:      opts.Recursive,
		pred:           opts.Predicate,
		progressNotify: opts.ProgressNotify,
		allowBookmarks: opts.Predicate.AllowWatchBookmarks,
		result:         make(chan watch.Event, watchResultBuffer),
		progress:       make(chan struct{}, 1),
	}
	if w.pred.Empty() {
		w.pred = storage.Everything
	}
	w.ctx, w.cancel = context.WithCancel(ctx)
	stop := context.AfterFunc(s.ctx, w.cancel)
	s.watchersMu.Lock()
	s.watchers[w] = struct{}{}
	s.watchersMu.Unlock()
	go w.run(startRV, initialEventsRequired(int64(rev), opts), initialEventsEndBookmarkRequired(opts), stop)
	// The watch serves from the database, there is no cache to wait for.
	utilflowcontrol.WatchInitialized(ctx)
	return w, nil
}

// startWatchResourceVersion returns the resource version a watch starts at,
// 0 for "after the initial list".
func (s *Store) startWatchResourceVersion(rev int64, opts storage.ListOptions) int64 {
	if rev > 0 || !utilfeature.DefaultFeatureGate.Enabled(features.WatchList) {
		return rev
	}
	if opts.SendInitialEvents == nil || *opts.SendInitialEvents {
		return 0
	}
	// Only a stream of events from now was asked for.
	return s.db.currentRV.Load()
}

// initialEventsRequired reports whether the watch starts with the current
// state as ADDED events.
func initialEventsRequired(rev int64, opts storage.ListOptions) bool {
	if opts.SendInitialEvents == nil && rev == 0 {
		return true
	}
	return utilfeature.DefaultFeatureGate.Enabled(features.WatchList) && opts.SendInitialEvents != nil && *opts.SendInitialEvents
}

// initialEventsEndBookmarkRequired reports whether the initial events end
// with an annotated bookmark.
func initialEventsEndBookmarkRequired(opts storage.ListOptions) bool {
	return utilfeature.DefaultFeatureGate.Enabled(features.WatchList) &&
		opts.SendInitialEvents != nil && *opts.SendInitialEvents && opts.Predicate.AllowWatchBookmarks
}

// Stop implements watch.Interface.
func (w *watcher) Stop() { w.cancel() }

// ResultChan implements watch.Interface.
func (w *watcher) ResultChan() <-chan watch.Event { return w.result }

// RequestWatchProgress implements storage.Interface: every watcher of the
// store opened with ProgressNotify sends a bookmark as soon as it has caught
// up.
func (s *Store) RequestWatchProgress(context.Context) error {
	s.watchersMu.Lock()
	defer s.watchersMu.Unlock()
	for w := range s.watchers {
		if w.progressNotify {
			select {
			case w.progress <- struct{}{}:
			default:
			}
		}
	}
	return nil
}

func (w *watcher) run(startRV int64, initialEvents, endBookmark bool, stop func() bool) {
	defer func() {
		stop()
		w.s.watchersMu.Lock()
		delete(w.s.watchers, w)
		w.s.watchersMu.Unlock()
		w.cancel()
		close(w.result)
	}()
	db := w.s.db
	w.cursor = startRV
	if startRV > 0 && initialEvents {
		if current := db.currentRV.Load(); startRV > current {
			w.sendError(storage.NewTooLargeResourceVersionError(uint64(startRV), uint64(current), int(wait.Jitter(time.Second, 3).Seconds())))
			return
		}
	}
	if initialEvents {
		if err := w.sync(); err != nil {
			w.sendError(err)
			return
		}
	} else if w.cursor == 0 {
		w.cursor = db.currentRV.Load()
	}
	if endBookmark && !w.sendBookmark(w.cursor, true) {
		return
	}
	if err := w.follow(); err != nil {
		w.sendError(err)
	}
}

// sync sends the current state as ADDED events and moves the cursor to its
// resource version. The state is read page by page at one resource version.
func (w *watcher) sync() error {
	db := w.s.db
	if !w.recursive {
		rec, rv, err := db.get(w.ctx, w.key, 0)
		if err != nil {
			return err
		}
		w.cursor = rv
		if rec == nil {
			return nil
		}
		return w.sendInitial(rec)
	}
	kr := prefixRange(w.key)
	var atRV int64
	for {
		recs, rv, more, err := db.scan(w.ctx, kr, atRV, syncPage)
		if errors.Is(err, errCompacted) {
			return apierrors.NewResourceExpired(msgExpired)
		}
		if err != nil {
			return err
		}
		if atRV == 0 {
			atRV, w.cursor = rv, rv
		}
		for i := range recs {
			if err := w.sendInitial(&recs[i]); err != nil {
				return err
			}
		}
		if !more || len(recs) == 0 {
			return nil
		}
		kr.from, kr.afterFrom = recs[len(recs)-1].key, true
	}
}

func (w *watcher) sendInitial(rec *record) error {
	obj, err := w.decode(rec, rec.rv)
	if err != nil {
		return err
	}
	if !w.filter(obj) {
		return nil
	}
	if !w.send(watch.Event{Type: watch.Added, Object: obj}) {
		return w.ctx.Err()
	}
	return nil
}

// follow sends the writes after the cursor, then waits for commits,
// bookmark ticks and progress requests until the watch ends.
func (w *watcher) follow() error {
	db := w.s.db
	var tick <-chan time.Time
	if w.allowBookmarks || w.progressNotify {
		ticker := db.opts.Clock.NewTicker(db.opts.BookmarkInterval)
		defer ticker.Stop()
		tick = ticker.C()
	}
	var bookmarkDue, progressDue bool
	for {
		changed := db.changed()
		caughtUp, err := w.poll()
		switch {
		case w.ctx.Err() != nil:
			return nil
		case err != nil:
			return err
		case !caughtUp:
			continue
		}
		if bookmarkDue || progressDue {
			if !w.sendBookmark(w.cursor, false) {
				return nil
			}
		}
		bookmarkDue, progressDue = false, false
		select {
		case <-w.ctx.Done():
			return nil
		case <-changed:
		case <-tick:
			bookmarkDue = true
		case <-w.progress:
			progressDue = true
		}
	}
}

// poll sends the next batch of writes after the cursor. It reports whether
// the watcher has caught up with the last commit.
func (w *watcher) poll() (bool, error) {
	db := w.s.db
	from := w.cursor
	evs, rv, err := db.events(w.ctx, prefixRange(w.key), !w.recursive, from, watchBatch)
	if err != nil {
		if errors.Is(err, errCompacted) {
			return false, apierrors.NewResourceExpired(msgWatchExpired)
		}
		return false, err
	}
	for i := range evs {
		ev, err := w.transform(&evs[i])
		if err != nil {
			if storage.IsCorruptObject(err) && from < db.compactedRV.Load() {
				// Compaction removed the payload after it was read.
				return false, apierrors.NewResourceExpired(msgWatchExpired)
			}
			return false, err
		}
		if ev != nil && !w.send(*ev) {
			return false, nil
		}
		w.cursor = evs[i].rec.rv
	}
	if len(evs) == watchBatch {
		return false, nil
	}
	w.cursor = max(w.cursor, rv)
	return true, nil
}

// corruptObjectDeletedError reports a deletion whose last state cannot be
// read, so the DELETED event cannot be built.
type corruptObjectDeletedError struct{ err error }

func (e *corruptObjectDeletedError) Error() string {
	return fmt.Sprintf("saw a DELETED event, but object data is corrupt - %v", e.err)
}

func (e *corruptObjectDeletedError) Unwrap() error { return e.err }

// transform turns a write into the event this watcher sees, nil for none.
// An object that starts matching the predicate is ADDED, one that stops
// matching is DELETED.
func (w *watcher) transform(e *event) (*watch.Event, error) {
	rec := &e.rec
	if rec.deleted {
		if e.prev.rv == 0 {
			return nil, &corruptObjectDeletedError{err: fmt.Errorf("the last version of %s is missing", rec.key)}
		}
		// The DELETED event carries the last state at the deletion's
		// resource version.
		old, err := w.decode(&e.prev, rec.rv)
		if err != nil {
			return nil, &corruptObjectDeletedError{err: err}
		}
		if !w.filter(old) {
			return nil, nil
		}
		return &watch.Event{Type: watch.Deleted, Object: old}, nil
	}
	cur, err := w.decode(rec, rec.rv)
	if err != nil {
		return nil, err
	}
	if rec.prevRV == 0 {
		if !w.filter(cur) {
			return nil, nil
		}
		return &watch.Event{Type: watch.Added, Object: cur}, nil
	}
	if w.acceptAll() {
		return &watch.Event{Type: watch.Modified, Object: cur}, nil
	}
	if e.prev.rv == 0 {
		return nil, fmt.Errorf("the version of %s replaced at resource version %d is missing", rec.key, rec.rv)
	}
	old, err := w.decode(&e.prev, rec.rv)
	if err != nil {
		return nil, err
	}
	curPasses, oldPasses := w.filter(cur), w.filter(old)
	switch {
	case curPasses && oldPasses:
		return &watch.Event{Type: watch.Modified, Object: cur}, nil
	case curPasses:
		return &watch.Event{Type: watch.Added, Object: cur}, nil
	case oldPasses:
		return &watch.Event{Type: watch.Deleted, Object: old}, nil
	}
	return nil, nil
}

// decode reads rec and returns its object at resource version rv.
func (w *watcher) decode(rec *record, rv int64) (runtime.Object, error) {
	data, _, err := w.s.readValue(w.ctx, rec)
	if err != nil {
		return nil, err
	}
	obj, err := runtime.Decode(w.s.codec, data)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", rec.key, err)
	}
	if err := w.s.versioner.UpdateObject(obj, uint64(rv)); err != nil {
		return nil, fmt.Errorf("set resource version of %s: %w", rec.key, err)
	}
	return obj, nil
}

func (w *watcher) acceptAll() bool { return w.pred.Empty() }

func (w *watcher) filter(obj runtime.Object) bool {
	if w.pred.Empty() {
		return true
	}
	matched, err := w.pred.Matches(obj)
	return err == nil && matched
}

// send delivers ev, blocking until the client takes it or the watch ends.
func (w *watcher) send(ev watch.Event) bool {
	select {
	case w.result <- ev:
		return true
	case <-w.ctx.Done():
		return false
	}
}

// sendBookmark sends a bookmark at resource version rv; without NewFunc
// there is no object to carry it and nothing is sent.
func (w *watcher) sendBookmark(rv int64, initialEventsEnd bool) bool {
	if w.s.newFunc == nil {
		return true
	}
	obj := w.s.newFunc()
	if err := w.s.versioner.UpdateObject(obj, uint64(rv)); err != nil {
		w.sendError(fmt.Errorf("set resource version of a bookmark: %w", err))
		return false
	}
	if initialEventsEnd {
		if err := storage.AnnotateInitialEventsEndBookmark(obj); err != nil {
			w.sendError(fmt.Errorf("annotate the bookmark ending the initial events: %w", err))
			return false
		}
	}
	return w.send(watch.Event{Type: watch.Bookmark, Object: obj})
}

// sendError ends the watch with an error event, unless the watch is already
// over.
func (w *watcher) sendError(err error) {
	if w.ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return
	}
	status := errorStatus(err)
	select {
	case w.result <- watch.Event{Type: watch.Error, Object: status}:
	case <-w.ctx.Done():
	}
}

// errorStatus converts a watch error to the status of its error event, like
// the etcd3 store.
func errorStatus(err error) *metav1.Status {
	if cde, ok := errors.AsType[*corruptObjectDeletedError](err); ok {
		return &metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    http.StatusInternalServerError,
			Reason:  metav1.StatusReasonStoreReadError,
			Message: cde.Error(),
		}
	}
	if errors.Is(err, errCompacted) {
		err = apierrors.NewResourceExpired(msgWatchExpired)
	}
	var apiStatus apierrors.APIStatus
	if !errors.As(err, &apiStatus) {
		apiStatus = apierrors.NewInternalError(err)
	}
	status := apiStatus.Status()
	return &status
}
