package testcluster

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// dirPrefix names cluster directories in the system's temporary directory.
const dirPrefix = "testcluster-"

// ownerFile holds the pid of the test binary that made a cluster directory.
const ownerFile = "owner.pid"

// writeOwner records that this process owns dir.
func writeOwner(dir string) error {
	return os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
}

// reapStale removes the cluster directories (about 120 MB each, mostly etcd's
// preallocated WAL) whose test binary died without cleaning up: a test
// timeout, ^C, a panic that escaped TestMain. Their processes died with it
// (see sysProcAttr). A directory without an owner file is left alone.
func reapStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 0 || pid == os.Getpid() || alive(pid) {
			continue
		}
		// Best effort: a directory that cannot be removed now is tried again next time.
		_ = os.RemoveAll(dir)
	}
}
