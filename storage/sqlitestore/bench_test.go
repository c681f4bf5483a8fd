package sqlitestore

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
	"k8s.io/klog/v2"
)

// benchPod is a pod of about size bytes once serialized.
func benchPod(ns, name string, size int) *example.Pod {
	p := bigPod(ns, name, size)
	p.Labels = map[string]string{"app": "bench", "tier": fmt.Sprint(len(name) % 3)}
	return p
}

// fill creates n pods of the given size with 32 concurrent writers.
func fill(b *testing.B, s *Store, n, size int) {
	b.Helper()
	ctx := b.Context()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				pod := benchPod(fmt.Sprintf("ns%02d", i%20), fmt.Sprintf("pod-%06d", i), size)
				if err := s.Create(ctx, podKey(pod.Namespace, pod.Name), pod, nil, 0); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkCreateParallel measures create throughput with many concurrent
// writers, which group commit turns into few transactions, with and
// without watchers that receive every event.
func BenchmarkCreateParallel(b *testing.B) {
	for _, tc := range []struct {
		size     int
		watchers int
	}{{1 << 10, 0}, {64 << 10, 0}, {1 << 10, 10}} {
		b.Run(fmt.Sprintf("size=%dKiB/watchers=%d", tc.size>>10, tc.watchers), func(b *testing.B) {
			ctx, s, _ := testStore(b)
			for range tc.watchers {
				w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: fmt.Sprint(s.db.CurrentResourceVersion()), Recursive: true, Predicate: storage.Everything})
				if err != nil {
					b.Fatal(err)
				}
				go func() {
					for range w.ResultChan() {
					}
				}()
				defer w.Stop()
			}
			var n atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					pod := benchPod("ns", fmt.Sprintf("pod-%d", i), tc.size)
					if err := s.Create(ctx, podKey("ns", pod.Name), pod, nil, 0); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
		})
	}
}

// BenchmarkCreateSerial measures the latency of one create at a time (one
// fsync per write).
func BenchmarkCreateSerial(b *testing.B) {
	ctx, s, _ := testStore(b)
	b.ResetTimer()
	for i := range b.N {
		pod := benchPod("ns", fmt.Sprintf("pod-%d", i), 1<<10)
		if err := s.Create(ctx, podKey("ns", pod.Name), pod, nil, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}

func BenchmarkGet(b *testing.B) {
	ctx, s, _ := testStore(b)
	fill(b, s, 10000, 2<<10)
	b.ResetTimer()
	for i := range b.N {
		n := i % 10000
		out := &example.Pod{}
		if err := s.Get(ctx, podKey(fmt.Sprintf("ns%02d", n%20), fmt.Sprintf("pod-%06d", n)), storage.GetOptions{}, out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListPaginated lists 10k objects of 2 KiB in pages of 500, the
// way kubectl and informers do.
func BenchmarkListPaginated(b *testing.B) {
	for _, tc := range []struct {
		name string
		pred storage.SelectionPredicate
		want int
	}{
		{"all", storage.SelectionPredicate{Label: labels.Everything(), Field: fields.Everything(), Limit: 500}, 10000},
		{"label selector", storage.SelectionPredicate{
			Label: labels.SelectorFromSet(labels.Set{"tier": "1"}), Field: fields.Everything(), Limit: 500,
			GetAttrs: func(obj kruntime.Object) (labels.Set, fields.Set, error) {
				return obj.(*example.Pod).Labels, nil, nil
			},
		}, 10000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx, s, _ := testStore(b)
			fill(b, s, 10000, 2<<10)
			b.ResetTimer()
			for range b.N {
				opts := storage.ListOptions{Recursive: true, Predicate: tc.pred}
				total := 0
				for {
					page := &example.PodList{}
					if err := s.GetList(ctx, "/pods/", opts, page); err != nil {
						b.Fatal(err)
					}
					total += len(page.Items)
					if page.Continue == "" {
						break
					}
					opts.Predicate.Continue = page.Continue
				}
				if tc.name == "all" && total != tc.want {
					b.Fatalf("listed %d objects, want %d", total, tc.want)
				}
			}
		})
	}
}

// BenchmarkWatchLatency measures the time from the start of a create to
// the delivery of its event to a watcher.
func BenchmarkWatchLatency(b *testing.B) {
	ctx, s, _ := testStore(b)
	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: fmt.Sprint(s.db.CurrentResourceVersion()), Recursive: true, Predicate: storage.Everything})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		pod := benchPod("ns", fmt.Sprintf("pod-%d", i), 1<<10)
		start := time.Now()
		if err := s.Create(ctx, podKey("ns", pod.Name), pod, nil, 0); err != nil {
			b.Fatal(err)
		}
		if ev := <-w.ResultChan(); ev.Type != watch.Added {
			b.Fatalf("got %v", ev.Type)
		}
		latencies = append(latencies, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
}

// upstreamBenchmarkData is the data set of the upstream storage benchmarks,
// scaled to the 10k objects of the storage server's target.
func upstreamBenchmarkData() storagetesting.BenchmarkData {
	return storagetesting.PrepareBenchmarkData(10, 1000, 100)
}

// BenchmarkUpstreamStoreList runs k8s.io/apiserver's list benchmark (the
// one the etcd3 store runs) on 10k pods.
func BenchmarkUpstreamStoreList(b *testing.B) {
	klog.SetLogger(logr.Discard())
	ctx, s, _ := testStore(b)
	data := upstreamBenchmarkData()
	if err := storagetesting.PrecreateBenchmarkPods(ctx, s, data); err != nil {
		b.Fatal(err)
	}
	storagetesting.RunBenchmarkStoreList(ctx, b, s, data, false)
}

// BenchmarkUpstreamWriteThroughput runs k8s.io/apiserver's write benchmark
// (delete+create and patch traffic from 25 writers, with background
// watchers or listers) on 10k pods.
func BenchmarkUpstreamWriteThroughput(b *testing.B) {
	klog.SetLogger(logr.Discard())
	ctx, s, _ := testStore(b)
	storagetesting.RunBenchmarkWriteThroughput(ctx, b, s, upstreamBenchmarkData(), false, nil)
}

// BenchmarkUpstreamStoreStats runs k8s.io/apiserver's Stats benchmark on
// 10k pods.
func BenchmarkUpstreamStoreStats(b *testing.B) {
	ctx, s, _ := testStore(b)
	if err := storagetesting.PrecreateBenchmarkPods(ctx, s, upstreamBenchmarkData()); err != nil {
		b.Fatal(err)
	}
	storagetesting.RunBenchmarkStoreStats(ctx, b, s)
}
