package cmd

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestLimitFor(t *testing.T) {
	for live, want := range map[uint64]int64{0: baseMemoryLimit, 100 << 20: baseMemoryLimit, 165 << 20: baseMemoryLimit, 400 << 20: 800 << 20} {
		if got := limitFor(live); got != want {
			t.Errorf("limitFor(%d MiB) = %d MiB, want %d MiB", live>>20, got>>20, want>>20)
		}
	}
}

// TestWatchLiveHeap checks that the limit follows a live heap above the base
// limit after a collection.
func TestWatchLiveHeap(t *testing.T) {
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
