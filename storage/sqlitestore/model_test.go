package sqlitestore

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestRandomHistoryMatchesModel applies a random sequence of creates,
// updates and deletes, keeping a model of every state, and checks that
// every past state is listed exactly (with any page size), that paginated
// lists stay on their snapshot while writes go on, and that a watch replays
// the whole history in order.
func TestRandomHistoryMatchesModel(t *testing.T) {
	ctx, s, db := testStore(t, withOptions(Options{InlineLimit: 600, CompactionInterval: -1}))
	rng := rand.New(rand.NewPCG(1, 2))
	model := map[string]example.Pod{}
	type snapshot struct {
		rv   string
		pods []example.Pod
	}
	snapshotOf := func() snapshot {
		snap := snapshot{rv: fmt.Sprint(db.CurrentResourceVersion())}
		for _, p := range model {
			snap.pods = append(snap.pods, p)
		}
		sort.Slice(snap.pods, func(i, j int) bool {
			return podKey(snap.pods[i].Namespace, snap.pods[i].Name) < podKey(snap.pods[j].Namespace, snap.pods[j].Name)
		})
		return snap
	}
	start := snapshotOf()
	var snaps []snapshot
	var events []watch.Event
	for step := range 400 {
		ns, name := fmt.Sprintf("ns%d", rng.IntN(3)), fmt.Sprintf("p%02d", rng.IntN(15))
		key := podKey(ns, name)
		existing, exists := model[key]
		switch {
		case !exists:
			pod := makePod(ns, name)
			if rng.IntN(4) == 0 {
				pod = bigPod(ns, name, 1000) // stored in a file
			}
			out := mustCreate(ctx, t, s, pod)
			model[key] = *out
			events = append(events, watch.Event{Type: watch.Added, Object: out})
		case rng.IntN(3) == 0:
			out := mustDelete(ctx, t, s, ns, name)
			delete(model, key)
			events = append(events, watch.Event{Type: watch.Deleted, Object: out})
		default:
			out := mustUpdate(ctx, t, s, ns, name, func(p *example.Pod) { p.Generation = existing.Generation + 1 })
			model[key] = *out
			events = append(events, watch.Event{Type: watch.Modified, Object: out})
		}
		if step%40 == 39 {
			snaps = append(snaps, snapshotOf())
		}
	}

	list := func(t *testing.T, rv string, limit int64) []example.Pod {
		t.Helper()
		var got []example.Pod
		opts := storage.ListOptions{
			ResourceVersion: rv, ResourceVersionMatch: metav1.ResourceVersionMatchExact, Recursive: true,
			Predicate: storage.SelectionPredicate{Label: labels.Everything(), Field: fields.Everything(), Limit: limit},
		}
		for {
			page := &example.PodList{}
			if err := s.GetList(ctx, "/pods/", opts, page); err != nil {
				t.Fatal(err)
			}
			if page.ResourceVersion != rv {
				t.Fatalf("page at resource version %s, want %s", page.ResourceVersion, rv)
			}
			if limit > 0 && int64(len(page.Items)) > limit {
				t.Fatalf("page of %d items for limit %d", len(page.Items), limit)
			}
			got = append(got, page.Items...)
			if page.Continue == "" {
				return got
			}
			opts.ResourceVersion, opts.ResourceVersionMatch, opts.Predicate.Continue = "", "", page.Continue
		}
	}
	for _, snap := range snaps {
		for _, limit := range []int64{0, 1, 4, 13} {
			t.Run(fmt.Sprintf("rv=%s/limit=%d", snap.rv, limit), func(t *testing.T) {
				got := list(t, snap.rv, limit)
				if len(got) == 0 && len(snap.pods) == 0 {
					return
				}
				if !reflect.DeepEqual(got, snap.pods) {
					t.Fatalf("listed %d objects, want %d: %s", len(got), len(snap.pods), diffNames(got, snap.pods))
				}
			})
		}
	}

	t.Run("pagination during writes", func(t *testing.T) {
		want := snapshotOf()
		opts := storage.ListOptions{Recursive: true, Predicate: storage.SelectionPredicate{Label: labels.Everything(), Field: fields.Everything(), Limit: 3}}
		var got []example.Pod
		for i := 0; ; i++ {
			page := &example.PodList{}
			if err := s.GetList(ctx, "/pods/", opts, page); err != nil {
				t.Fatal(err)
			}
			got = append(got, page.Items...)
			if page.Continue == "" {
				break
			}
			opts.Predicate.Continue = page.Continue
			// Writes between pages must not show up in the list.
			mustCreate(ctx, t, s, makePod("ns1", fmt.Sprintf("late-%d", i)))
			for key := range model {
				if strings.HasPrefix(key, "/pods/ns2/") {
					ns, name, _ := strings.Cut(strings.TrimPrefix(key, "/pods/"), "/")
					mustDelete(ctx, t, s, ns, name)
					delete(model, key)
					break
				}
			}
		}
		if !reflect.DeepEqual(got, want.pods) {
			t.Fatalf("the paginated list is not the snapshot of its first page: %s", diffNames(got, want.pods))
		}
	})

	t.Run("watch replays the history", func(t *testing.T) {
		w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: start.rv, Recursive: true, Predicate: storage.Everything})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		for i, want := range events {
			got := nextEvent(t, w)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("event %d: got %v %+v, want %v %+v", i, got.Type, got.Object, want.Type, want.Object)
			}
		}
	})

	t.Run("compacted snapshots expire", func(t *testing.T) {
		if err := db.Compact(ctx, mustRVInt(t, snaps[len(snaps)-1].rv)); err != nil {
			t.Fatal(err)
		}
		err := s.GetList(ctx, "/pods/", storage.ListOptions{ResourceVersion: snaps[0].rv, ResourceVersionMatch: metav1.ResourceVersionMatchExact,
			Recursive: true, Predicate: storage.Everything}, &example.PodList{})
		if !apierrors.IsResourceExpired(err) {
			t.Fatalf("got %v, want 410 Expired", err)
		}
		last := snaps[len(snaps)-1]
		if got := list(t, last.rv, 5); !reflect.DeepEqual(got, last.pods) {
			t.Fatalf("the compaction point is no longer served exactly: %s", diffNames(got, last.pods))
		}
	})
}

func diffNames(got, want []example.Pod) string {
	names := func(pods []example.Pod) []string {
		var out []string
		for _, p := range pods {
			out = append(out, p.Namespace+"/"+p.Name+"@"+p.ResourceVersion)
		}
		return out
	}
	return fmt.Sprintf("got %v, want %v", names(got), names(want))
}

// FuzzListContinue lists with arbitrary continue tokens and limits: the
// store must answer with a valid page or a client error, never panic, and
// never return objects outside the prefix or before the token's key.
func FuzzListContinue(f *testing.F) {
	ctx, s, db := testStore(f)
	for i := range 12 {
		mustCreate(ctx, f, s, makePod(fmt.Sprintf("ns%d", i%3), fmt.Sprintf("p%02d", i)))
	}
	rv := db.CurrentResourceVersion()
	for _, seed := range []struct {
		key string
		rv  int64
	}{
		{"/pods/ns1/p04\x00", rv}, {"/pods/ns2/", rv}, {"/pods/a", -1}, {"/pods/ns0/p00", 1},
		{"/pods/zz", rv}, {"/pods/ns1/../../x", rv}, {"/pods/ns1\x00/p", rv},
	} {
		token, err := storage.EncodeContinue(seed.key, "/pods/", seed.rv)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(token, int64(2))
	}
	f.Add("", int64(0))
	f.Add("not base64 !", int64(3))
	f.Add("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6OTk5OTk5LCJzdGFydCI6ImEifQ", int64(1))

	f.Fuzz(func(t *testing.T, token string, limit int64) {
		opts := storage.ListOptions{Recursive: true, Predicate: storage.SelectionPredicate{
			Label: labels.Everything(), Field: fields.Everything(), Continue: token, Limit: limit,
		}}
		out := &example.PodList{}
		err := s.GetList(ctx, "/pods/", opts, out)
		if err != nil {
			if !apierrors.IsBadRequest(err) && !storage.IsTooLargeResourceVersion(err) {
				t.Fatalf("token %q: unexpected error %v", token, err)
			}
			return
		}
		start := "/pods/"
		if token != "" {
			start, _, _ = storage.DecodeContinue(token, "/pods/")
		}
		prev := ""
		for _, p := range out.Items {
			key := podKey(p.Namespace, p.Name)
			if key < start || key <= prev {
				t.Fatalf("token %q: key %s out of order (start %q, previous %q)", token, key, start, prev)
			}
			prev = key
		}
		if limit > 0 && int64(len(out.Items)) > limit {
			t.Fatalf("%d items for limit %d", len(out.Items), limit)
		}
		if out.Continue != "" {
			next, _, err := storage.DecodeContinue(out.Continue, "/pods/")
			if err != nil || next <= prev {
				t.Fatalf("returned continue token %q (start %q, error %v) does not follow the last key %q", out.Continue, next, err, prev)
			}
		}
	})
}
