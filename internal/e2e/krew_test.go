package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"kubescape.io/kubescape/internal/testcluster"
)

// distEnv names a directory that already holds a release (the output of
// make dist: kubescape.yaml and the archives) for the krew test to install
// instead of building one.
const distEnv = "KUBESCAPE_E2E_DIST"

// e2eVersion is the version the krew test stamps on the release it builds.
const e2eVersion = "v0.1.0-e2e"

// TestKrewInstall installs the plugin the way users get it: hack/dist
// builds the release archive and renders the krew manifest, krew-index's
// validator checks the manifest, the real krew installs from it, and the
// real kubectl finds the installed plugin on PATH and runs it, offline and
// against a real API server.
func TestKrewInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a release and starts an API server: skipped in -short mode")
	}
	root := moduleRoot(t)
	work := t.TempDir()
	manifest, archive := release(t, root, work)
	tools := runOut(t, exec.Command(filepath.Join(root, "hack/testcluster/build.sh"), "krew"))

	// The same structural checks krew-index runs on a submitted manifest.
	runOut(t, exec.Command(filepath.Join(tools, "validate-krew-manifest"), "-manifest", manifest, "-skip-install"))

	krewRoot := filepath.Join(work, "krew")
	install := exec.Command(filepath.Join(tools, "krew"), "install", "--manifest="+manifest, "--archive="+archive)
	install.Env = append(os.Environ(), "KREW_ROOT="+krewRoot, "KREW_NO_UPGRADE_CHECK=1", "HOME="+work)
	runOut(t, install)

	version := manifestVersion(t, manifest)
	installed, err := os.ReadDir(filepath.Join(krewRoot, "store", "kubescape", version))
	if err != nil {
		t.Fatalf("krew did not install kubescape %s: %v", version, err)
	}
	var files []string
	for _, e := range installed {
		files = append(files, e.Name())
	}
	want := []string{"README.md", "kubectl-kubescape"}
	if _, err := os.Stat(filepath.Join(root, "LICENSE")); err == nil {
		want = append(want, "LICENSE")
	}
	for _, f := range want {
		if !slices.Contains(files, f) {
			t.Errorf("installed files %v lack %s", files, f)
		}
	}

	c := testcluster.Start(t)
	pluginPath := filepath.Join(krewRoot, "bin") + string(os.PathListSeparator) +
		c.BinDir + string(os.PathListSeparator) + os.Getenv("PATH")

	// kubectl (found on PATH) runs the plugin krew linked into KREW_ROOT/bin.
	ver := exec.Command("kubectl", "kubescape", "version", "-o", "json")
	ver.Env = append(os.Environ(), "PATH="+pluginPath, "HOME="+work)
	var info struct {
		Version  string `json:"version"`
		Platform string `json:"platform"`
		Controls int    `json:"controls"`
	}
	out := runOut(t, ver)
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("kubectl kubescape version -o json: %v\n%s", err, out)
	}
	if info.Version != version || info.Platform != runtime.GOOS+"/"+runtime.GOARCH || info.Controls == 0 {
		t.Errorf("kubectl kubescape version = %+v, want version %s on %s/%s with controls", info, version, runtime.GOOS, runtime.GOARCH)
	}

	c.Apply(t, `apiVersion: v1
kind: Namespace
metadata: {name: krew-e2e}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: privileged, namespace: krew-e2e}
spec:
  selector: {matchLabels: {app: privileged}}
  template:
    metadata: {labels: {app: privileged}}
    spec:
      containers: [{name: c, image: busybox:1.37, securityContext: {privileged: true}}]
`)
	r, code, stderr := kubescape(t, c, filepath.Join(krewRoot, "bin"), "scan", "--format", "json", "--kubeconfig", c.AdminKubeconfig)
	if code != 0 {
		t.Errorf("kubectl kubescape scan: exit %d, want 0; stderr: %s", code, stderr)
	}
	if got := r.status("Deployment/krew-e2e/privileged", "C-0057"); got != "failed" {
		t.Errorf("C-0057 on the privileged Deployment: %q, want failed; stderr: %s", got, stderr)
	}
}

// release returns the krew manifest and this platform's archive: from
// $KUBESCAPE_E2E_DIST when set, else built by hack/dist into work.
func release(t *testing.T, root, work string) (manifest, archive string) {
	t.Helper()
	dir := os.Getenv(distEnv)
	if dir == "" {
		dir = filepath.Join(work, "dist")
		cmd := exec.Command("go", "run", "./hack/dist",
			"-version", e2eVersion, "-platforms", runtime.GOOS+"/"+runtime.GOARCH, "-out", dir)
		cmd.Dir = root
		runOut(t, cmd)
	}
	manifest = filepath.Join(dir, "kubescape.yaml")
	if _, err := os.Stat(manifest); err != nil {
		t.Fatalf("no krew manifest: %v (set $%s to the output of make dist, or unset it)", err, distEnv)
	}
	matches, err := filepath.Glob(filepath.Join(dir, "kubectl-kubescape_*_"+runtime.GOOS+"_"+runtime.GOARCH+".*"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("want one archive for %s/%s in %s, found %v (%v)", runtime.GOOS, runtime.GOARCH, dir, matches, err)
	}
	return manifest, matches[0]
}

// manifestVersion reads spec.version from the manifest.
func manifestVersion(t *testing.T, manifest string) string {
	t.Helper()
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var plugin struct {
		Spec struct {
			Version string `json:"version"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(data, &plugin); err != nil || plugin.Spec.Version == "" {
		t.Fatalf("%s: no spec.version (%v)", manifest, err)
	}
	return plugin.Spec.Version
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(gomod)))
}

// runOut runs cmd and returns its standard output, trimmed; it fails the
// test with both outputs when cmd fails.
func runOut(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout: %s\nstderr: %s", strings.Join(cmd.Args, " "), err, stdout.String(), stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}
