package testcluster

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
)

// shared is the cluster the tests of a package share (see Main and Shared).
var shared struct {
	sync.Mutex
	inMain  bool
	opts    []Option
	cluster *Cluster
	err     error
}

// Main runs the tests of a package that share one cluster, stops the
// cluster and exits. Call it from TestMain:
//
//	func TestMain(m *testing.M) { testcluster.Main(m) }
//
// The cluster starts when a test first calls Shared, so a run that selects
// no such test (go test -run, -short) starts none.
func Main(m *testing.M, opts ...Option) {
	shared.Lock()
	shared.inMain, shared.opts = true, opts
	shared.Unlock()

	code := m.Run()

	shared.Lock()
	if c := shared.cluster; c != nil {
		c.stop(code != 0, func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, format+"\n", args...)
		})
	}
	shared.Unlock()
	os.Exit(code)
}

// Shared returns the package's shared cluster, started with the options
// given to Main on first use. Tests that share it must leave it usable for
// the others: create their own namespaces rather than change global state.
// It skips the test in -short mode.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	skipShort(t)
	shared.Lock()
	defer shared.Unlock()
	if !shared.inMain {
		t.Fatal("testcluster.Shared needs a TestMain that calls testcluster.Main(m); use testcluster.Start for a cluster of the test's own")
	}
	if shared.cluster == nil && shared.err == nil {
		// The shared cluster outlives the test that starts it, so it must
		// not use that test's context or log.
		shared.cluster, shared.err = start(context.Background(), newOptions(shared.opts), func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, format+"\n", args...)
		})
	}
	if shared.err != nil {
		t.Fatalf("start shared test cluster: %v", shared.err)
	}
	return shared.cluster
}
