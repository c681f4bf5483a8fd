package cmd

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// withBase runs the test with a base limit, restored afterwards (cluster
// scans of other tests lower it).
func withBase(t *testing.T, base int64) {
	old := baseLimit.Swap(base)
	t.Cleanup(func() { baseLimit.Store(old) })
}

func TestLimitFor(t *testing.T) {
	withBase(t, baseMemoryLimit)
	for live, want := range map[uint64]int64{0: baseMemoryLimit, 100 << 20: baseMemoryLimit, 200 << 20: 300 << 20, 400 << 20: 600 << 20} {
		if got := limitFor(live); got != want {
			t.Errorf("limitFor(%d MiB) = %d MiB, want %d MiB", live>>20, got>>20, want>>20)
		}
	}
}

// TestWatchRunsEveryCollection checks that the watcher runs once per
// collection, also while other tiny objects stay alive: a tiny sentinel,
// packed with them into one block, was rarely collected, and the limit
// stayed behind the live heap.
func TestWatchRunsEveryCollection(t *testing.T) {
	watchLiveHeap()
	var keep []*byte
	for gc := range 20 {
		for range 64 {
			keep = append(keep, new(byte)) // tiny objects that stay alive
		}
		before := rearms.Load()
		runtime.GC()
		deadline := time.Now().Add(5 * time.Second)
		for rearms.Load() == before {
			if time.Now().After(deadline) {
				t.Fatalf("collection %d: the watcher did not run", gc)
			}
			time.Sleep(time.Millisecond)
		}
	}
	runtime.KeepAlive(keep)
}

// TestWatchLiveHeap checks that the limit follows a live heap above the base
// limit after a collection.
func TestWatchLiveHeap(t *testing.T) {
	withBase(t, baseMemoryLimit)
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	debug.SetMemoryLimit(baseMemoryLimit)
	watchLiveHeap()
	big := make([]byte, 200<<20) // live heap above half the base limit
	for i := range big {
		big[i] = 1
	}
	deadline := time.Now().Add(10 * time.Second)
	for debug.SetMemoryLimit(-1) <= baseMemoryLimit {
		if time.Now().After(deadline) {
			t.Fatal("the memory limit did not follow the live heap")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(big)
}

func TestClusterScanMemory(t *testing.T) {
	withBase(t, baseMemoryLimit)
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	t.Setenv("GOMEMLIMIT", "")
	clusterScanMemory()
	if got := debug.SetMemoryLimit(-1); got != clusterMemoryLimit {
		t.Errorf("memory limit %d MiB, want %d MiB", got>>20, clusterMemoryLimit>>20)
	}
	if got := limitFor(50 << 20); got != clusterMemoryLimit {
		t.Errorf("limitFor(50 MiB) = %d MiB after clusterScanMemory, want %d MiB", got>>20, clusterMemoryLimit>>20)
	}
	if got := limitFor(400 << 20); got != 600<<20 {
		t.Errorf("limitFor(400 MiB) = %d MiB, want 600 MiB", got>>20)
	}
	// GOMEMLIMIT in the environment wins.
	baseLimit.Store(baseMemoryLimit)
	t.Setenv("GOMEMLIMIT", "1GiB")
	clusterScanMemory()
	if baseLimit.Load() != baseMemoryLimit {
		t.Error("clusterScanMemory changed the limit although GOMEMLIMIT is set")
	}
}
