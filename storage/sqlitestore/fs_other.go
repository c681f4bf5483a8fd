//go:build !unix

package sqlitestore

// dirLock is not enforced on platforms without flock; the storage server is
// deployed on Linux, other platforms only build the package.
type dirLock struct{}

func lockDir(string) (*dirLock, error) { return &dirLock{}, nil }

func (*dirLock) release() error { return nil }

// syncDir is a no-op where directories cannot be opened for syncing; those
// file systems journal their metadata.
func syncDir(string) error { return nil }
