package cmd

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Memory the collector may use before it must run, whatever the heap.
const baseMemoryLimit = 330 << 20

// tuneGC trades memory the scan has for time it does not: a scan keeps its
// objects compact, so its live heap is small, and the default GOGC=100
// collects far more often than memory requires. Collect when the heap grows
// fivefold, but within a soft limit of 330 MiB; when the live heap itself
// nears that limit (a very large scan), raise the limit to twice the live
// heap after each collection, so that the collector never runs back to back
// for a heap it cannot shrink. GOGC and GOMEMLIMIT in the environment take
// precedence.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(baseMemoryLimit)
		watchOnce.Do(watchLiveHeap)
	}
}

// watchOnce starts one watcher per process (tests run Main many times).
var watchOnce sync.Once

// watchLiveHeap re-arms itself after every collection (a finalizer runs once
// per cycle that finds its sentinel unreachable) and sets the memory limit
// from the live heap.
func watchLiveHeap() {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var rearm func(*byte)
	rearm = func(*byte) {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(limitFor(sample[0].Value.Uint64()))
		}
		runtime.SetFinalizer(new(byte), rearm)
	}
	runtime.SetFinalizer(new(byte), rearm)
}

// limitFor is the memory limit for a live heap: the base limit, or twice the
// live heap once that is larger.
func limitFor(live uint64) int64 {
	return max(int64(baseMemoryLimit), 2*int64(live))
}
