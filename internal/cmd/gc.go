package cmd

import (
	"os"
	"runtime/debug"
)

// tuneGC trades memory the scan has for time it does not: a scan keeps its
// objects compact, so its live heap is small, and the default GOGC=100
// collects far more often than memory requires. Collect when the heap grows
// fivefold, but never let it pass a soft limit. GOGC and GOMEMLIMIT in the
// environment take precedence.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(330 << 20)
	}
}
