package testcluster

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// BinEnv names the directory holding prebuilt kube-apiserver, etcd and kubectl.
const BinEnv = "KUBESCAPE_TESTCLUSTER_BIN"

// buildScript is where the build script sits, relative to the module root.
const buildScript = "hack/testcluster/build.sh"

var binaries = []string{"etcd", "kube-apiserver", "kubectl"}

// binDirOnce resolves the binaries once per test binary: the build script
// is quick on a warm cache, but not free, and a cold build must run once.
var binDirOnce = sync.OnceValues(findBinDir)

func findBinDir() (string, error) {
	dir := os.Getenv(BinEnv)
	if dir == "" {
		script, err := findUp(buildScript)
		if err != nil {
			return "", fmt.Errorf("find the cluster binaries: $%s is unset and %w", BinEnv, err)
		}
		fmt.Fprintf(os.Stderr, "testcluster: $%s is unset, running %s (the first build takes several minutes)\n", BinEnv, script)
		var stdout bytes.Buffer
		cmd := exec.Command(script)
		cmd.Stdout = &stdout
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("build the cluster binaries with %s: %w", script, err)
		}
		dir = strings.TrimSpace(stdout.String())
	}
	for _, b := range binaries {
		p := filepath.Join(dir, b)
		st, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("cluster binary %s: %w (run %s and set $%s to the directory it prints)", b, err, buildScript, BinEnv)
		}
		if st.IsDir() || st.Mode().Perm()&0o111 == 0 {
			return "", fmt.Errorf("cluster binary %s is not an executable file (rebuild with %s)", p, buildScript)
		}
	}
	return dir, nil
}

// findUp looks for rel in the working directory (a test runs in its
// package's directory) and in each of its parents, and returns its path.
func findUp(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New(rel + " is not in the working directory or any parent: run the tests inside the kubescape module")
		}
		dir = parent
	}
}
