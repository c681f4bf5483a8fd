package cmd

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// Memory the collector may use before it must run, whatever the heap: 270
// MiB by default; 150 MiB for cluster scans (see clusterScanMemory). With
// the pages of the binary itself (about 90 MB), a file scan of 50,000
// objects peaks at about 380 MB of RSS under 270 MiB. Since files are read
// with the fast YAML parser, reading allocates faster than the collector
// marks, and the heap overshoots its goal by 10–15 MB then: under the 290
// MiB of before, the peak reached 397–400 MB, for the same wall time.
const (
	baseMemoryLimit    = 270 << 20
	clusterMemoryLimit = 150 << 20
)

// baseLimit is the base of the memory limit in force.
var baseLimit atomic.Int64

func init() { baseLimit.Store(baseMemoryLimit) }

// clusterScanMemory lowers the base of the memory limit for a cluster scan.
// Its objects come from the API as plain maps, without the source text and
// line index a file scan keeps, so its live heap is small, and it has time
// to spare (5,000 objects in about 4 s, against a 10 s budget): collecting
// within 170 MiB instead of 330 MiB kept the same wall time and took its
// peak RSS from 435 MB to 273 MB. Since related objects stay compact until
// the scan ends (the inventory reads them), 170 MiB gave 311 MB; 150 MiB
// gives 293–295 MB for 5,050 objects in 1.8 s. A file scan of 10,000 objects, whose heap
// is larger (its objects' compact sources and line indexes), ran 65% slower
// under the lower limit, so files keep a higher limit (270 MiB).
func clusterScanMemory() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	baseLimit.Store(clusterMemoryLimit)
	debug.SetMemoryLimit(clusterMemoryLimit)
}

// tuneGC trades memory the scan has for time it does not: a scan keeps its
// objects compact, so its live heap is small, and the default GOGC=100
// collects far more often than memory requires. Collect when the heap grows
// fivefold, but within a soft limit of 270 MiB; when the live heap itself
// nears that limit (a very large scan), raise the limit after each
// collection to leave room above the live heap (see limitFor), so that the
// collector never runs back to back for a heap it cannot shrink. GOGC and
// GOMEMLIMIT in the environment take precedence.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(baseLimit.Load())
		watchOnce.Do(watchLiveHeap)
	}
}

// watchOnce starts one watcher per process (tests run Main many times).
var watchOnce sync.Once

// rearms counts the watcher's runs, one per collection (for tests).
var rearms atomic.Int64

// watchLiveHeap re-arms itself after every collection (a finalizer runs once
// per cycle that finds its sentinel unreachable) and sets the memory limit
// from the live heap.
func watchLiveHeap() {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var rearm func(*sentinel)
	rearm = func(*sentinel) {
		rearms.Add(1)
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(limitFor(sample[0].Value.Uint64()))
		}
		runtime.SetFinalizer(new(sentinel), rearm)
	}
	runtime.SetFinalizer(new(sentinel), rearm)
}

// limitFor is the memory limit for a live heap: the base limit, or the live
// heap and half as much again once that is larger. Twice the live heap, as
// before, took a scan of 50,000 objects to 1.3 GB of RSS when its live heap
// was 660 MB.
func limitFor(live uint64) int64 {
	return max(baseLimit.Load(), int64(live)+int64(live)/2)
}

// sentinel is the object whose finalizer marks a collection. It holds a
// pointer so that it is never a tiny allocation: the runtime packs those
// with others into one block, and their finalizers may never run (a
// new(byte) sentinel re-armed only now and then, and left the limit behind
// the live heap).
type sentinel struct{ _ *byte }
