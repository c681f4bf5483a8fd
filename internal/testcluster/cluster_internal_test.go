//go:build unix

package testcluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// TestStartStops starts a cluster of its own, with options, in a subtest
// and checks that the options took effect and that the subtest's end
// stopped every process and removed the cluster's files.
func TestStartStops(t *testing.T) {
	skipShort(t)
	var c *Cluster
	t.Run("cluster", func(t *testing.T) {
		c = Start(t,
			WithUserNamespace("team-a"),
			WithUserRules(rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"list"}}),
			WithAPIServerArgs("--service-cluster-ip-range=10.1.0.0/24"))
		if got := c.Kubectl(t, "get", "service", "kubernetes", "-o", "jsonpath={.spec.clusterIP}"); got != "10.1.0.1" {
			t.Errorf("kubernetes service IP = %q, want 10.1.0.1 from the extra API server flag", got)
		}
		// Every namespace gets its default ServiceAccount and root CA, as from a controller-manager.
		for _, obj := range []string{"serviceaccount/default", "configmap/kube-root-ca.crt"} {
			if got := c.Kubectl(t, "get", obj, "-n", "team-a", "-o", "name"); strings.TrimSpace(got) != obj {
				t.Errorf("kubectl get %s -n team-a = %q", obj, got)
			}
		}
		user := func(args ...string) error { return c.Command(t.Context(), c.UserKubeconfig, args...).Run() }
		if err := user("get", "configmaps", "-n", "team-a"); err != nil {
			t.Errorf("user may not list configmaps in team-a: %v", err)
		}
		if err := user("get", "pods", "-n", "team-a"); err == nil {
			t.Error("user may list pods in team-a, beyond the rules given")
		}
	})
	if c == nil {
		t.Fatal("Start returned no cluster")
	}
	for _, p := range []*process{c.etcd, c.api} {
		select {
		case <-p.done:
		default:
			t.Errorf("%s (pid %d) still running after the test ended", p.name, p.cmd.Process.Pid)
		}
		if err := syscall.Kill(-p.cmd.Process.Pid, 0); err == nil {
			t.Errorf("process group of %s still exists", p.name)
		}
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s not removed: %v", c.Dir, err)
	}
}

func TestFindBinDirReportsMissingBinaries(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "etcd"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(BinEnv, dir)
	_, err := findBinDir()
	if err == nil {
		t.Fatal("findBinDir succeeded on a directory without kube-apiserver")
	}
	for _, want := range []string{"kube-apiserver", buildScript, BinEnv} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestReapStale(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	exited := exec.Command("true")
	if err := exited.Run(); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{ // name -> owner.pid content ("" for none)
		dirPrefix + "dead":    strconv.Itoa(exited.Process.Pid),
		dirPrefix + "live":    strconv.Itoa(os.Getppid()),
		dirPrefix + "self":    strconv.Itoa(os.Getpid()),
		dirPrefix + "noowner": "",
		dirPrefix + "garbage": "not a pid",
		"other-dead":          strconv.Itoa(exited.Process.Pid),
	}
	for name, owner := range dirs {
		if err := os.Mkdir(filepath.Join(tmp, name), 0o700); err != nil {
			t.Fatal(err)
		}
		if owner != "" {
			if err := os.WriteFile(filepath.Join(tmp, name, ownerFile), []byte(owner+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	reapStale()
	for name := range dirs {
		_, err := os.Stat(filepath.Join(tmp, name))
		if gone := os.IsNotExist(err); gone != (name == dirPrefix+"dead") {
			t.Errorf("%s: removed = %v, want %v", name, gone, !gone)
		}
	}
}

// TestStartFailure checks that a cluster that cannot start says why and
// leaves nothing behind.
func TestStartFailure(t *testing.T) {
	skipShort(t)
	var logs strings.Builder
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the cluster directory goes here, apart from other tests'
	c, err := start(t.Context(), newOptions([]Option{WithAPIServerArgs("--no-such-flag")}), func(format string, args ...any) {
		fmt.Fprintf(&logs, format+"\n", args...)
	})
	if err == nil {
		c.stop(false, t.Logf)
		t.Fatal("start succeeded with an unknown API server flag")
	}
	if !strings.Contains(err.Error(), "kube-apiserver exited") || !strings.Contains(err.Error(), "unknown flag: --no-such-flag") {
		t.Errorf("error does not say the API server exited on the unknown flag:\n%v", err)
	}
	if !strings.Contains(logs.String(), "last lines of etcd") {
		t.Errorf("the component logs were not printed:\n%s", logs.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("cluster directory %s left behind", filepath.Join(tmp, left[0].Name()))
	}
}
