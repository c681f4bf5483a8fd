package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/apitesting"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	clocktesting "k8s.io/utils/clock/testing"
)

func podKey(ns, name string) string { return "/pods/" + ns + "/" + name }

func makePod(ns, name string) *example.Pod {
	return &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}

// bigPod returns a pod whose serialized form is larger than size bytes.
func bigPod(ns, name string, size int) *example.Pod {
	p := makePod(ns, name)
	p.Annotations = map[string]string{"blob": strings.Repeat("x", size)}
	return p
}

func mustCreate(ctx context.Context, t testing.TB, s *Store, pod *example.Pod) *example.Pod {
	t.Helper()
	out := &example.Pod{}
	if err := s.Create(ctx, podKey(pod.Namespace, pod.Name), pod, out, 0); err != nil {
		t.Fatalf("create %s/%s: %v", pod.Namespace, pod.Name, err)
	}
	return out
}

func mustUpdate(ctx context.Context, t testing.TB, s *Store, ns, name string, mutate func(*example.Pod)) *example.Pod {
	t.Helper()
	out := &example.Pod{}
	err := s.GuaranteedUpdate(ctx, podKey(ns, name), out, false, nil, storage.SimpleUpdate(func(obj kruntime.Object) (kruntime.Object, error) {
		pod := obj.(*example.Pod)
		mutate(pod)
		return pod, nil
	}), nil)
	if err != nil {
		t.Fatalf("update %s/%s: %v", ns, name, err)
	}
	return out
}

func mustDelete(ctx context.Context, t testing.TB, s *Store, ns, name string) *example.Pod {
	t.Helper()
	out := &example.Pod{}
	if err := s.Delete(ctx, podKey(ns, name), out, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
		t.Fatalf("delete %s/%s: %v", ns, name, err)
	}
	return out
}

func listAll(ctx context.Context, t testing.TB, s *Store, opts storage.ListOptions) *example.PodList {
	t.Helper()
	opts.Recursive = true
	if opts.Predicate.Label == nil {
		opts.Predicate.Label = storage.Everything.Label
		opts.Predicate.Field = storage.Everything.Field
	}
	out := &example.PodList{}
	if err := s.GetList(ctx, "/pods/", opts, out); err != nil {
		t.Fatalf("list: %v", err)
	}
	return out
}

func payloadFiles(t testing.TB, db *DB) []string {
	t.Helper()
	entries, err := os.ReadDir(db.payloadDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func closeDB(t testing.TB, db *DB) {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Error(err)
	}
}

// execSQL runs a statement on the write connection, for corrupting data.
func execSQL(t testing.TB, db *DB, query string, args ...any) {
	t.Helper()
	err := db.runJob(t.Context(), func(ctx context.Context, conn *sql.Conn) error {
		_, err := conn.ExecContext(ctx, query, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func nextEvent(t testing.TB, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("watch closed")
		}
		return ev
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatal("no watch event")
	}
	return watch.Event{}
}

func TestLargePayloadInFile(t *testing.T) {
	fakeClock := clocktesting.NewFakeClock(time.Now())
	ctx, s, db := testStore(t, withOptions(Options{InlineLimit: 1024, Clock: fakeClock, CompactionInterval: -1}))

	mustCreate(ctx, t, s, makePod("ns", "small"))
	if files := payloadFiles(t, db); len(files) != 0 {
		t.Fatalf("a small payload went to files %v", files)
	}
	created := mustCreate(ctx, t, s, bigPod("ns", "big", 4096))
	files := payloadFiles(t, db)
	if len(files) != 1 || isTempPayload(files[0]) {
		t.Fatalf("payload files = %v, want one final file", files)
	}
	got := &example.Pod{}
	if err := s.Get(ctx, podKey("ns", "big"), storage.GetOptions{}, got); err != nil {
		t.Fatal(err)
	}
	if got.Annotations["blob"] != created.Annotations["blob"] || got.ResourceVersion != created.ResourceVersion {
		t.Fatalf("read back a different object")
	}

	updated := mustUpdate(ctx, t, s, "ns", "big", func(p *example.Pod) { p.Labels = map[string]string{"v": "2"} })
	if n := len(payloadFiles(t, db)); n != 2 {
		t.Fatalf("%d payload files after an update, want 2 (history keeps the first version)", n)
	}
	// The old version stays readable at its resource version.
	old := &example.PodList{}
	if err := s.GetList(ctx, podKey("ns", "big"), storage.ListOptions{
		ResourceVersion: created.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchExact, Predicate: storage.Everything,
	}, old); err != nil {
		t.Fatal(err)
	}
	if len(old.Items) != 1 || old.Items[0].Labels["v"] != "" {
		t.Fatalf("exact read at %s returned %+v", created.ResourceVersion, old.Items)
	}

	mustDelete(ctx, t, s, "ns", "big")
	if err := db.Compact(ctx, db.CurrentResourceVersion()); err != nil {
		t.Fatal(err)
	}
	if n := len(payloadFiles(t, db)); n != 2 {
		t.Fatalf("%d payload files right after compaction, want 2 until the grace period ends", n)
	}
	fakeClock.Step(payloadGrace)
	if err := db.Compact(ctx, db.CurrentResourceVersion()); err != nil {
		t.Fatal(err)
	}
	if files := payloadFiles(t, db); len(files) != 0 {
		t.Fatalf("payload files %v remain after the grace period", files)
	}
	_ = updated
}

func TestPayloadFileIsDurableBeforeCommit(t *testing.T) {
	ctx, s, db := testStore(t, withOptions(Options{InlineLimit: -1}))
	var checked int
	db.testHookBeforeCommit = func(batch []*writeReq) {
		for _, req := range batch {
			if req.payload.file == "" {
				continue
			}
			checked++
			data, err := os.ReadFile(filepath.Join(db.payloadDir, req.payload.file))
			if err != nil {
				t.Errorf("payload file of %s is not in place before the commit: %v", req.key, err)
				continue
			}
			if int64(len(data)) != req.payload.size || checksum(data) != req.payload.crc {
				t.Errorf("payload file of %s does not hold the payload", req.key)
			}
		}
		for _, name := range payloadFiles(t, db) {
			if isTempPayload(name) {
				t.Errorf("temporary file %s exists at commit time", name)
			}
		}
	}
	mustCreate(ctx, t, s, makePod("ns", "a"))
	mustUpdate(ctx, t, s, "ns", "a", func(p *example.Pod) { p.Labels = map[string]string{"x": "y"} })
	if checked != 2 {
		t.Fatalf("the hook checked %d payload files, want 2", checked)
	}
	info, err := os.Stat(filepath.Join(db.payloadDir, payloadFiles(t, db)[0]))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("payload file mode %v, want 0600", info.Mode().Perm())
	}
}

func TestOpenRemovesOrphanPayloads(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{InlineLimit: 64})
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.NewStore(StoreConfig{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion), ResourcePrefix: "/pods/"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	mustCreate(ctx, t, s, bigPod("ns", "kept", 1000))
	referenced := payloadFiles(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// A crash can leave a temporary file (before its rename) and a renamed
	// file whose transaction never committed.
	for _, name := range []string{tempPrefix + "0123abcd", "00000000000000000000000000000000"} {
		if err := os.WriteFile(filepath.Join(dir, "payloads", name), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	db, err = Open(dir, Options{InlineLimit: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(t, db)
	if got := payloadFiles(t, db); len(got) != 1 || got[0] != referenced[0] {
		t.Fatalf("payload files after Open = %v, want only %v", got, referenced)
	}
	s, err = db.NewStore(StoreConfig{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion), ResourcePrefix: "/pods/"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Get(ctx, podKey("ns", "kept"), storage.GetOptions{}, &example.Pod{}); err != nil {
		t.Fatalf("the referenced payload is gone: %v", err)
	}
}

func TestCorruptPayload(t *testing.T) {
	setUnsafeDeletion(t, true)
	flipByte := func(t *testing.T, db *DB, file string) {
		path := filepath.Join(db.payloadDir, file)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 0xff
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		big     bool
		corrupt func(t *testing.T, db *DB, key, file string)
		wantMsg string
	}{{
		name:    "flipped byte in a file",
		big:     true,
		corrupt: func(t *testing.T, db *DB, _, file string) { flipByte(t, db, file) },
		wantMsg: "CRC-32C",
	}, {
		name: "truncated file",
		big:  true,
		corrupt: func(t *testing.T, db *DB, _, file string) {
			if err := os.Truncate(filepath.Join(db.payloadDir, file), 10); err != nil {
				t.Fatal(err)
			}
		},
		wantMsg: "holds 10 bytes",
	}, {
		name: "missing file",
		big:  true,
		corrupt: func(t *testing.T, db *DB, _, file string) {
			if err := os.Remove(filepath.Join(db.payloadDir, file)); err != nil {
				t.Fatal(err)
			}
		},
		wantMsg: "is missing",
	}, {
		name: "flipped byte inline",
		corrupt: func(t *testing.T, db *DB, key, _ string) {
			execSQL(t, db, "UPDATE revisions SET data = CAST(upper(CAST(data AS TEXT)) AS BLOB) WHERE key = ?1", key)
		},
		wantMsg: "CRC-32C",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, s, db := testStore(t, withOptions(Options{InlineLimit: 2048}))
			mustCreate(ctx, t, s, makePod("ns", "a-good"))
			pod := makePod("ns", "b-bad")
			if tt.big {
				pod = bigPod("ns", "b-bad", 4096)
			}
			mustCreate(ctx, t, s, pod)
			key := podKey("ns", "b-bad")
			var file string
			if files := payloadFiles(t, db); len(files) > 0 {
				file = files[0]
			}
			tt.corrupt(t, db, key, file)

			checkErr := func(op string, err error) {
				t.Helper()
				if !storage.IsCorruptObject(err) || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Errorf("%s: got %v, want a corrupt-object error naming %s and saying %q", op, err, key, tt.wantMsg)
				}
			}
			checkErr("Get", s.Get(ctx, key, storage.GetOptions{}, &example.Pod{}))
			checkErr("GetList", s.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, &example.PodList{}))
			checkErr("GuaranteedUpdate", s.GuaranteedUpdate(ctx, key, &example.Pod{}, false, nil,
				storage.SimpleUpdate(func(o kruntime.Object) (kruntime.Object, error) { return o, nil }), nil))
			checkErr("Delete", s.Delete(ctx, key, &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}))

			w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: "0", Recursive: true, Predicate: storage.Everything})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			if ev := nextEvent(t, w); ev.Type != watch.Added {
				t.Fatalf("first event %v, want ADDED of the good object", ev.Type)
			}
			if ev := nextEvent(t, w); ev.Type != watch.Error || !strings.Contains(ev.Object.(*metav1.Status).Message, key) {
				t.Fatalf("second event %v %+v, want an error naming %s", ev.Type, ev.Object, key)
			}

			// The corrupt object can be deleted unsafely, and only it.
			if err := s.Delete(ctx, podKey("ns", "a-good"), &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil,
				storage.DeleteOptions{ExpectTransformOrDecodeError: true}); !storage.IsInvalidObj(err) {
				t.Errorf("unsafe deletion of a readable object: got %v, want an invalid-object error", err)
			}
			if err := s.Delete(ctx, key, &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil,
				storage.DeleteOptions{ExpectTransformOrDecodeError: true}); err != nil {
				t.Fatalf("unsafe deletion of the corrupt object: %v", err)
			}
			if got := listAll(ctx, t, s, storage.ListOptions{}); len(got.Items) != 1 {
				t.Errorf("%d objects left, want 1", len(got.Items))
			}
		})
	}
}

func TestReopenKeepsDataAndResourceVersion(t *testing.T) {
	dir := t.TempDir()
	codec := apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)
	open := func() (*DB, *Store) {
		db, err := Open(dir, Options{InlineLimit: 512, CompactionInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		s, err := db.NewStore(StoreConfig{Codec: codec, NewFunc: newPod, ResourcePrefix: "/pods/"})
		if err != nil {
			t.Fatal(err)
		}
		return db, s
	}
	ctx := t.Context()
	db, s := open()
	first := mustCreate(ctx, t, s, makePod("ns", "a"))
	mustCreate(ctx, t, s, bigPod("ns", "b", 2000))
	mustCreate(ctx, t, s, makePod("ns", "c"))
	mustUpdate(ctx, t, s, "ns", "a", func(p *example.Pod) { p.Labels = map[string]string{"v": "2"} })
	mustDelete(ctx, t, s, "ns", "c")
	if err := db.Compact(ctx, mustRVInt(t, first.ResourceVersion)); err != nil {
		t.Fatal(err)
	}
	rv, compacted := db.CurrentResourceVersion(), db.CompactedResourceVersion()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCurrentResourceVersion(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("closed store: got %v, want ErrClosed", err)
	}

	db, s = open()
	defer closeDB(t, db)
	if db.CurrentResourceVersion() != rv || db.CompactedResourceVersion() != compacted {
		t.Fatalf("after reopen rv=%d compacted=%d, want %d and %d", db.CurrentResourceVersion(), db.CompactedResourceVersion(), rv, compacted)
	}
	list := listAll(ctx, t, s, storage.ListOptions{})
	if len(list.Items) != 2 || list.Items[0].Labels["v"] != "2" || list.ResourceVersion != fmt.Sprint(rv) {
		t.Fatalf("after reopen: %d items, list RV %s", len(list.Items), list.ResourceVersion)
	}
	next := mustCreate(ctx, t, s, makePod("ns", "d"))
	if got := mustRVInt(t, next.ResourceVersion); got != rv+1 {
		t.Fatalf("first write after reopen got resource version %d, want %d", got, rv+1)
	}
}

func mustRVInt(t testing.TB, rv string) int64 { return int64(mustRV(t, rv)) }

func TestCompactionExpiresOldResourceVersions(t *testing.T) {
	ctx, s, db := testStore(t, withOptions(Options{CompactionInterval: -1}))
	for i := range 5 {
		mustCreate(ctx, t, s, makePod("ns", fmt.Sprintf("p%d", i)))
	}
	page := listAll(ctx, t, s, storage.ListOptions{Predicate: storage.SelectionPredicate{
		Label: storage.Everything.Label, Field: storage.Everything.Field, Limit: 2,
	}})
	oldRV := page.ResourceVersion
	mustUpdate(ctx, t, s, "ns", "p0", func(p *example.Pod) { p.Labels = map[string]string{"v": "2"} })
	mustDelete(ctx, t, s, "ns", "p4")

	// Before compaction the old snapshot is still served.
	rest := listAll(ctx, t, s, storage.ListOptions{Predicate: storage.SelectionPredicate{
		Label: storage.Everything.Label, Field: storage.Everything.Field, Continue: page.Continue,
	}})
	if len(rest.Items) != 3 || rest.ResourceVersion != oldRV {
		t.Fatalf("continuation returned %d items at %s, want 3 at %s", len(rest.Items), rest.ResourceVersion, oldRV)
	}

	if err := db.Compact(ctx, db.CurrentResourceVersion()); err != nil {
		t.Fatal(err)
	}
	if s.CompactRevision() != db.CurrentResourceVersion() {
		t.Fatalf("CompactRevision() = %d, want %d", s.CompactRevision(), db.CurrentResourceVersion())
	}
	err := s.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.Everything,
		ResourceVersion: oldRV, ResourceVersionMatch: metav1.ResourceVersionMatchExact}, &example.PodList{})
	if !apierrors.IsResourceExpired(err) {
		t.Errorf("exact list at a compacted resource version: got %v, want 410 Expired", err)
	}
	err = s.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.SelectionPredicate{
		Label: storage.Everything.Label, Field: storage.Everything.Field, Continue: page.Continue, Limit: 2,
	}}, &example.PodList{})
	var status apierrors.APIStatus
	if !apierrors.IsResourceExpired(err) || !errors.As(err, &status) || status.Status().Continue == "" {
		t.Errorf("continue token of a compacted list: got %v, want 410 with a fresh continue token", err)
	}

	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: oldRV, Recursive: true, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ev := nextEvent(t, w)
	if st, ok := ev.Object.(*metav1.Status); ev.Type != watch.Error || !ok || st.Code != 410 || st.Reason != metav1.StatusReasonExpired {
		t.Fatalf("watch from a compacted resource version: got %v %+v, want a 410 Expired error event", ev.Type, ev.Object)
	}
	if _, open := <-w.ResultChan(); open {
		t.Fatal("the watch stays open after its error event")
	}
}

func TestCompactionTarget(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }
	samples := []rvSample{{at(0), 100}, {at(1), 200}, {at(2), 300}, {at(3), 400}}
	tests := []struct {
		name        string
		opts        Options
		now         time.Time
		current     int64
		want        int64
		wantSamples int
	}{
		{"count only", Options{RetainRevisions: 50, RetainDuration: -1}, at(4), 500, 450, 5},
		{"keep none", Options{RetainRevisions: -1, RetainDuration: -1}, at(4), 500, 500, 5},
		{"age only", Options{RetainRevisions: -1, RetainDuration: 2 * time.Minute}, at(4), 500, 300, 3},
		{"age at the boundary", Options{RetainRevisions: -1, RetainDuration: 90 * time.Second}, at(4), 500, 300, 3},
		{"nothing old enough", Options{RetainRevisions: -1, RetainDuration: time.Hour}, at(4), 500, 0, 5},
		{"count is stricter", Options{RetainRevisions: 350, RetainDuration: 2 * time.Minute}, at(4), 500, 150, 3},
		{"age is stricter", Options{RetainRevisions: 10, RetainDuration: 2 * time.Minute}, at(4), 500, 300, 3},
		{"fewer revisions than kept", Options{RetainRevisions: 1000, RetainDuration: -1}, at(4), 500, 0, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, kept := tt.opts.compactionTarget(tt.now, tt.current, append([]rvSample(nil), samples...))
			if got != tt.want || len(kept) != tt.wantSamples {
				t.Errorf("target %d with %d samples kept, want %d with %d", got, len(kept), tt.want, tt.wantSamples)
			}
		})
	}
}

func TestAutomaticCompaction(t *testing.T) {
	fakeClock := clocktesting.NewFakeClock(time.Now())
	ctx, s, db := testStore(t, withOptions(Options{
		Clock: fakeClock, CompactionInterval: time.Minute, RetainRevisions: 5, RetainDuration: -1,
	}))
	for i := range 20 {
		mustCreate(ctx, t, s, makePod("ns", fmt.Sprintf("p%d", i)))
		mustUpdate(ctx, t, s, "ns", fmt.Sprintf("p%d", i), func(p *example.Pod) { p.Generation = 2 })
	}
	want := db.CurrentResourceVersion() - 5
	fakeClock.Step(time.Minute)
	err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		return db.CompactedResourceVersion() == want, nil
	})
	if err != nil {
		t.Fatalf("compacted resource version %d, want %d", db.CompactedResourceVersion(), want)
	}
	if got := listAll(ctx, t, s, storage.ListOptions{}); len(got.Items) != 20 {
		t.Fatalf("%d objects after compaction, want 20", len(got.Items))
	}
}

func TestSlowWatcher(t *testing.T) {
	ctx, s, db := testStore(t, withOptions(Options{CompactionInterval: -1}))
	start := db.CurrentResourceVersion()
	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: fmt.Sprint(start), Recursive: true, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	// The watcher reads nothing; writers must not wait for it.
	const writes = 3 * (watchResultBuffer + watchBatch)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range writes {
			mustCreate(ctx, t, s, makePod("ns", fmt.Sprintf("p%04d", i)))
		}
	}()
	select {
	case <-done:
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatal("writes blocked behind a watcher that does not read")
	}

	// Once compaction passes its position the watcher ends with 410 Gone,
	// after the events it had already read.
	if err := db.Compact(ctx, db.CurrentResourceVersion()); err != nil {
		t.Fatal(err)
	}
	var added int
	for {
		ev := nextEvent(t, w)
		if ev.Type == watch.Added {
			added++
			continue
		}
		st, ok := ev.Object.(*metav1.Status)
		if ev.Type != watch.Error || !ok || st.Code != 410 {
			t.Fatalf("got %v %+v, want ADDED events then a 410 error event", ev.Type, ev.Object)
		}
		break
	}
	if added == 0 || added >= writes {
		t.Fatalf("the slow watcher got %d events before 410, want some but not all %d", added, writes)
	}
	if _, open := <-w.ResultChan(); open {
		t.Fatal("the watch stays open after its error event")
	}
}

func TestConcurrentWriters(t *testing.T) {
	ctx, s, _ := testStore(t)
	mustCreate(ctx, t, s, makePod("ns", "counter"))
	const writers, creates, increments = 8, 40, 15
	var wg sync.WaitGroup
	rvs := make(chan string, writers*(creates+increments))
	for w := range writers {
		wg.Go(func() {
			for i := range creates {
				out := mustCreate(ctx, t, s, makePod(fmt.Sprintf("w%d", w), fmt.Sprintf("p%d", i)))
				rvs <- out.ResourceVersion
			}
			for range increments {
				out := mustUpdate(ctx, t, s, "ns", "counter", func(p *example.Pod) { p.Generation++ })
				rvs <- out.ResourceVersion
			}
		})
	}
	wg.Wait()
	close(rvs)
	seen := map[string]bool{}
	for rv := range rvs {
		if seen[rv] {
			t.Fatalf("resource version %s was given to two writes", rv)
		}
		seen[rv] = true
	}
	counter := &example.Pod{}
	if err := s.Get(ctx, podKey("ns", "counter"), storage.GetOptions{}, counter); err != nil {
		t.Fatal(err)
	}
	if counter.Generation != writers*increments {
		t.Fatalf("counter = %d after %d concurrent increments", counter.Generation, writers*increments)
	}
	if got := listAll(ctx, t, s, storage.ListOptions{}); len(got.Items) != writers*creates+1 {
		t.Fatalf("%d objects, want %d", len(got.Items), writers*creates+1)
	}
}

func TestTTL(t *testing.T) {
	fakeClock := clocktesting.NewFakeClock(time.Now())
	ctx, s, _ := testStore(t, withOptions(Options{Clock: fakeClock, TTLInterval: time.Second}))
	created := &example.Pod{}
	if err := s.Create(ctx, podKey("ns", "short"), makePod("ns", "short"), created, 30); err != nil {
		t.Fatal(err)
	}
	mustCreate(ctx, t, s, makePod("ns", "forever"))

	// An update without a new TTL keeps the deadline and reports it.
	var seenTTL int64
	err := s.GuaranteedUpdate(ctx, podKey("ns", "short"), &example.Pod{}, false, nil,
		func(obj kruntime.Object, meta storage.ResponseMeta) (kruntime.Object, *uint64, error) {
			seenTTL = meta.TTL
			obj.(*example.Pod).Labels = map[string]string{"v": "2"}
			return obj, nil, nil
		}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if seenTTL != 30 {
		t.Fatalf("ResponseMeta.TTL = %d, want 30", seenTTL)
	}
	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: created.ResourceVersion, Recursive: true, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if ev := nextEvent(t, w); ev.Type != watch.Added {
		t.Fatalf("got %v, want ADDED", ev.Type)
	}
	if ev := nextEvent(t, w); ev.Type != watch.Modified {
		t.Fatalf("got %v, want MODIFIED", ev.Type)
	}
	fakeClock.Step(29 * time.Second)
	fakeClock.Step(time.Second) // the deadline passes on this tick
	ev := nextEvent(t, w)
	if ev.Type != watch.Deleted || ev.Object.(*example.Pod).Name != "short" {
		t.Fatalf("got %v %s, want DELETED short", ev.Type, ev.Object.(*example.Pod).Name)
	}
	if got := listAll(ctx, t, s, storage.ListOptions{}); len(got.Items) != 1 || got.Items[0].Name != "forever" {
		t.Fatalf("objects after expiry: %+v", got.Items)
	}
}

func TestMaxObjectSize(t *testing.T) {
	ctx, s, db := testStore(t, withOptions(Options{
		MaxObjectSize:  2000,
		MaxObjectSizes: map[schema.GroupResource]int64{{Group: "example.apiserver.k8s.io", Resource: "bigpods"}: 10000},
	}))
	err := s.Create(ctx, podKey("ns", "huge"), bigPod("ns", "huge", 5000), &example.Pod{}, 0)
	if !apierrors.IsRequestEntityTooLargeError(err) || !strings.Contains(err.Error(), "ns/huge") || !strings.Contains(err.Error(), "2000 bytes") {
		t.Fatalf("got %v, want 413 naming the object and the limit", err)
	}
	mustCreate(ctx, t, s, makePod("ns", "small"))
	err = s.GuaranteedUpdate(ctx, podKey("ns", "small"), &example.Pod{}, false, nil,
		storage.SimpleUpdate(func(kruntime.Object) (kruntime.Object, error) { return bigPod("ns", "small", 5000), nil }), nil)
	if !apierrors.IsRequestEntityTooLargeError(err) {
		t.Fatalf("update: got %v, want 413", err)
	}

	// A resource with its own, larger limit.
	config := &storagebackend.ConfigForResource{
		Config:        storagebackend.Config{Codec: s.codec},
		GroupResource: schema.GroupResource{Group: "example.apiserver.k8s.io", Resource: "bigpods"},
	}
	big, _, err := db.Decorator()(config, "/bigpods", nil, newPod, newPodList, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Create(ctx, "/bigpods/ns/huge", bigPod("ns", "huge", 5000), &example.Pod{}, 0); err != nil {
		t.Fatalf("a 5000-byte object under a 10000-byte limit: %v", err)
	}
	err = big.Create(ctx, "/bigpods/ns/huger", bigPod("ns", "huger", 12000), &example.Pod{}, 0)
	if !apierrors.IsRequestEntityTooLargeError(err) || !strings.Contains(err.Error(), "bigpods.example.apiserver.k8s.io ns/huger") {
		t.Fatalf("got %v, want 413 naming bigpods ns/huger", err)
	}
}

func TestOpenChecksTheDatabase(t *testing.T) {
	t.Run("newer schema", func(t *testing.T) {
		dir := t.TempDir()
		db, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		execSQL(t, db, fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1))
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "schema version") {
			t.Fatalf("got %v, want a schema version error", err)
		}
	})
	t.Run("foreign database", func(t *testing.T) {
		dir := t.TempDir()
		other, err := sql.Open("sqlite", filepath.Join(dir, "store.db"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Exec("CREATE TABLE notes(x)"); err != nil {
			t.Fatal(err)
		}
		if err := other.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "not a kubescape storage database") {
			t.Fatalf("got %v, want a foreign database error", err)
		}
	})
	t.Run("durability settings", func(t *testing.T) {
		db, err := Open(t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer closeDB(t, db)
		var mode string
		var sync int
		err = db.runJob(t.Context(), func(ctx context.Context, conn *sql.Conn) error {
			if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
				return err
			}
			return conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync)
		})
		if err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || sync != 2 {
			t.Fatalf("journal_mode=%s synchronous=%d, want wal and 2 (FULL)", mode, sync)
		}
	})
	t.Run("locked directory", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("the directory lock is only enforced on unix")
		}
		dir := t.TempDir()
		db, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer closeDB(t, db)
		if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "locked by another process") {
			t.Fatalf("got %v, want a lock error", err)
		}
	})
}

func TestDecorator(t *testing.T) {
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(t, db)
	config := &storagebackend.ConfigForResource{
		Config:        storagebackend.Config{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)},
		GroupResource: schema.GroupResource{Group: "example.apiserver.k8s.io", Resource: "pods"},
	}
	st, destroy, err := db.Decorator()(config, "/example.apiserver.k8s.io/pods", nil, newPod, newPodList, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	key := "/example.apiserver.k8s.io/pods/ns/a"
	if err := st.Create(ctx, key, makePod("ns", "a"), &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	w, err := st.Watch(ctx, "/example.apiserver.k8s.io/pods", storage.ListOptions{ResourceVersion: "0", Recursive: true, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, w); ev.Type != watch.Added {
		t.Fatalf("got %v, want ADDED", ev.Type)
	}
	destroy()
	select {
	case _, open := <-w.ResultChan():
		if open {
			t.Fatal("an event after destroy")
		}
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatal("destroy did not stop the watch")
	}
	// The database outlives the store.
	if err := st.Get(ctx, key, storage.GetOptions{}, &example.Pod{}); err != nil {
		t.Fatal(err)
	}
	if err := st.ReadinessCheck(); err != nil {
		t.Fatal(err)
	}
}

func TestListBoundsInlineBytesPerQuery(t *testing.T) {
	ctx, s, _ := testStore(t)
	const n, size = 650, 14 << 10 // about 9 MiB inline, more than one query holds
	for i := range n {
		mustCreate(ctx, t, s, bigPod("ns", fmt.Sprintf("p%04d", i), size))
	}
	if got := listAll(ctx, t, s, storage.ListOptions{}); len(got.Items) != n {
		t.Fatalf("unpaged list: %d objects, want %d", len(got.Items), n)
	}
	pred := storage.SelectionPredicate{Label: storage.Everything.Label, Field: storage.Everything.Field, Limit: 600}
	page := listAll(ctx, t, s, storage.ListOptions{Predicate: pred})
	if len(page.Items) != 600 || page.RemainingItemCount == nil || *page.RemainingItemCount != n-600 {
		t.Fatalf("first page: %d objects, remainingItemCount %v, want 600 and %d", len(page.Items), page.RemainingItemCount, n-600)
	}
	pred.Continue = page.Continue
	rest := listAll(ctx, t, s, storage.ListOptions{Predicate: pred})
	if len(rest.Items) != n-600 || rest.Continue != "" || rest.Items[0].Name != "p0600" {
		t.Fatalf("second page: %d objects from %s, continue %q", len(rest.Items), rest.Items[0].Name, rest.Continue)
	}
}

func TestWritePreconditions(t *testing.T) {
	ctx, _, db := testStore(t)
	put := func(key string, expectRV int64) error {
		p, err := db.newPayload([]byte("{}"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.write(ctx, &writeReq{key: key, expectRV: expectRV, payload: p})
		return err
	}
	del := func(key string, expectRV int64) error {
		_, err := db.write(ctx, &writeReq{key: key, deleteOp: true, expectRV: expectRV})
		return err
	}
	if err := put("/k", 0); err != nil {
		t.Fatal(err)
	}
	rv := db.CurrentResourceVersion()
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"create an existing key", put("/k", 0), errExists},
		{"update at a stale version", put("/k", rv-1), errConflict},
		{"update a missing key", put("/missing", 5), errNotFound},
		{"delete without a version", del("/k", 0), errConflict},
		{"delete at a stale version", del("/k", rv+1), errConflict},
		{"delete a missing key", del("/missing", 0), errNotFound},
		{"delete at the current version", del("/k", rv), nil},
		{"create after the deletion", put("/k", 0), nil},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.err, tt.want)
		}
	}
}

func TestReadinessRecoversAfterFailedCommit(t *testing.T) {
	_, s, db := testStore(t)
	if err := s.ReadinessCheck(); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("disk full")
	db.commitErr.Store(&failed)
	// The probe write succeeds, so the store is ready again.
	if err := s.ReadinessCheck(); err != nil {
		t.Fatalf("after a successful probe write: %v", err)
	}
	if db.commitErr.Load() != nil {
		t.Fatal("the commit error was not cleared")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.ReadinessCheck(); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed: got %v, want ErrClosed", err)
	}
}

func TestPayloadWriteFailureWritesNothing(t *testing.T) {
	ctx, s, db := testStore(t, withOptions(Options{InlineLimit: -1}))
	before := db.CurrentResourceVersion()
	if err := os.RemoveAll(db.payloadDir); err != nil {
		t.Fatal(err)
	}
	err := s.Create(ctx, podKey("ns", "a"), makePod("ns", "a"), &example.Pod{}, 0)
	if !storage.IsInternalError(err) || !strings.Contains(err.Error(), "/pods/ns/a") || !strings.Contains(err.Error(), "payload file") {
		t.Fatalf("got %v, want an internal error naming the key and the payload file", err)
	}
	if db.CurrentResourceVersion() != before {
		t.Fatal("a failed payload write still committed a row")
	}
	if err := os.Mkdir(db.payloadDir, 0o700); err != nil {
		t.Fatal(err)
	}
	mustCreate(ctx, t, s, makePod("ns", "a"))
}
