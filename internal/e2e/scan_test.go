// Package e2e holds the end-to-end tests: the plugin built from this tree,
// run through a real kubectl against a real API server.
package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kubescape.io/kubescape/internal/testcluster"
)

// scanPlugin builds kubectl-kubescape from this tree into a directory of
// its own and returns the directory.
func scanPlugin(t testing.TB) string {
	t.Helper()
	return filepath.Dir(goBuild(t, "kubectl-kubescape"))
}

// goBuild builds ./cmd/NAME of the module into a temporary directory and
// returns the binary's path.
func goBuild(t testing.TB, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/"+name)
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, out)
	}
	return bin
}

// repoRoot is the root of the module.
func repoRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// report is the part of the JSON report the tests read.
type report struct {
	Targets   []string `json:"targets"`
	Resources []struct {
		Resource struct {
			Kind      string `json:"kind"`
			Namespace string `json:"namespace"`
			Name      string `json:"name"`
		} `json:"resource"`
		Origin struct {
			Kind string `json:"kind"`
			Path string `json:"path"`
		} `json:"origin"`
		Passed  []string `json:"passed"`
		Results []struct {
			ControlID string `json:"controlID"`
			Status    string `json:"status"`
			Findings  []struct {
				Message string `json:"message"`
				Related []struct {
					Kind string `json:"kind"`
					Name string `json:"name"`
				} `json:"related"`
			} `json:"findings"`
		} `json:"results"`
	} `json:"resources"`
	Unreadable []struct {
		Source string `json:"source"`
		Reason string `json:"reason"`
	} `json:"unreadable"`
}

// status returns the status of a control on a resource (Kind/ns/name), or
// "" when the report does not list the resource.
func (r *report) status(res, control string) string {
	for _, x := range r.Resources {
		id := x.Resource.Kind + "/" + x.Resource.Name
		if x.Resource.Namespace != "" {
			id = x.Resource.Kind + "/" + x.Resource.Namespace + "/" + x.Resource.Name
		}
		if id != res {
			continue
		}
		for _, cr := range x.Results {
			if cr.ControlID == control {
				return cr.Status
			}
		}
		if slices.Contains(x.Passed, control) {
			return "passed"
		}
		return "not evaluated"
	}
	return ""
}

func (r *report) has(res string) bool { return r.status(res, "") != "" }

// kubescape runs `kubectl kubescape ARGS --format json` through the real
// kubectl, with the plugin on PATH, and returns the report and exit code.
func kubescape(t *testing.T, c *testcluster.Cluster, pluginDir string, args ...string) (*report, int, string) {
	t.Helper()
	stdout, stderr, code := runPlugin(t, c, pluginDir, args...)
	var r report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("kubectl kubescape %v (exit %d): report is not JSON: %v\nstdout: %.2000s\nstderr: %s", args, code, err, stdout, stderr)
	}
	return &r, code, stderr
}

// runPlugin runs `kubectl kubescape ARGS` through the real kubectl, with the
// plugin on PATH, and returns its output and exit code.
func runPlugin(t *testing.T, c *testcluster.Cluster, pluginDir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(c.KubectlPath(), append([]string{"kubescape"}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+pluginDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("kubectl kubescape %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

const workloads = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        securityContext: {privileged: true}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: api
        image: registry.example.com/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        securityContext:
          privileged: false
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 500m, memory: 256Mi}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec:
  hostPID: true
  containers: [{name: sh, image: busybox:1.37, command: [sleep, "3600"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: shop}]
`

func TestClusterScanThroughKubectl(t *testing.T) {
	c := testcluster.Start(t)
	plugin := scanPlugin(t)
	c.Apply(t, workloads)
	// A ReplicaSet run by the Deployment, as the controller-manager would
	// make it: reported through the Deployment, not again on its own.
	uid := strings.Trim(c.Kubectl(t, "get", "deployment", "web", "-n", "shop", "-o", "jsonpath={.metadata.uid}"), "'\n")
	c.Apply(t, `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-5d8f
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: `+uid+`, controller: true}]
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.27, securityContext: {privileged: true}}]
`)

	t.Run("admin scans the whole cluster", func(t *testing.T) {
		r, code, stderr := kubescape(t, c, plugin, "scan", "--kubeconfig", c.AdminKubeconfig, "--format", "json")
		if code != 0 {
			t.Errorf("exit %d, want 0; stderr: %s", code, stderr)
		}
		for _, tc := range []struct{ res, control, want string }{
			{"Deployment/shop/web", "C-0057", "failed"},
			{"Deployment/shop/api", "C-0057", "passed"},
			{"Pod/shop/debug", "C-0038", "failed"},
			{"ClusterRoleBinding/ci-admin", "C-0035", "failed"},
		} {
			if got := r.status(tc.res, tc.control); got != tc.want {
				t.Errorf("%s on %s: %q, want %q", tc.control, tc.res, got, tc.want)
			}
		}
		if r.has("ReplicaSet/shop/web-5d8f") {
			t.Error("the Deployment's ReplicaSet is reported on its own")
		}
		for _, x := range r.Resources {
			if x.Resource.Name == "web" && x.Resource.Kind == "Deployment" {
				if x.Origin.Kind != "cluster" || x.Origin.Path != "/apis/apps/v1/namespaces/shop/deployments/web" {
					t.Errorf("origin of Deployment/shop/web: %+v", x.Origin)
				}
			}
		}
		if len(r.Targets) != 1 || !strings.Contains(r.Targets[0], c.Server) {
			t.Errorf("targets %v, want the cluster %s", r.Targets, c.Server)
		}
		if len(r.Unreadable) != 0 {
			t.Errorf("unreadable: %+v", r.Unreadable)
		}
	})

	t.Run("one framework, one namespace, one kind", func(t *testing.T) {
		r, _, stderr := kubescape(t, c, plugin, "scan", "framework", "nsa", "--kubeconfig", c.AdminKubeconfig, "--format", "json",
			"--include-namespaces", "shop", "--include-kinds", "deployments")
		if got := r.status("Deployment/shop/web", "C-0057"); got != "failed" {
			t.Errorf("C-0057 on the privileged Deployment: %q; stderr %s", got, stderr)
		}
		if r.has("Pod/shop/debug") || r.has("ClusterRoleBinding/ci-admin") {
			t.Error("objects outside --include-kinds or --include-namespaces were evaluated")
		}
	})

	t.Run("least privileged user gets a partial scan", func(t *testing.T) {
		c.Apply(t, strings.ReplaceAll(`apiVersion: apps/v1
kind: Deployment
metadata: {name: mine, namespace: NS}
spec:
  selector: {matchLabels: {app: mine}}
  template:
    metadata: {labels: {app: mine}}
    spec:
      containers: [{name: c, image: busybox:1.37, securityContext: {privileged: true}}]
`, "NS", c.UserNamespace))
		r, code, stderr := kubescape(t, c, plugin, "scan", "--kubeconfig", c.UserKubeconfig, "--format", "json", "--include-namespaces", c.UserNamespace)
		if code != 3 {
			t.Errorf("exit %d, want 3 (partial scan); stderr: %s", code, stderr)
		}
		if got := r.status("Deployment/"+c.UserNamespace+"/mine", "C-0057"); got != "failed" {
			t.Errorf("C-0057 on the user's privileged Deployment: %q", got)
		}
		forbidden := 0
		for _, u := range r.Unreadable {
			if strings.Contains(u.Reason, "not scanned: forbidden") {
				forbidden++
			}
		}
		if forbidden == 0 {
			t.Errorf("no kind reported as forbidden: %+v", r.Unreadable)
		}
		if r.has("Deployment/shop/web") {
			t.Error("the user saw a namespace it may not read")
		}
	})

	t.Run("kubectl completes the plugin's commands and flags", func(t *testing.T) {
		// The helper the README tells users to install.
		helper := filepath.Join(plugin, "kubectl_complete-kubescape")
		if err := os.WriteFile(helper, []byte("#!/bin/sh\nexec kubectl kubescape __complete \"$@\"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		path := plugin + string(os.PathListSeparator) + filepath.Dir(c.KubectlPath()) + string(os.PathListSeparator) + os.Getenv("PATH")
		for args, want := range map[string]string{"sc": "scan\t", "scan --format=sa": "sarif", "vuln db st": "status"} {
			cmd := exec.Command(c.KubectlPath(), append([]string{"__complete", "kubescape"}, strings.Fields(args)...)...)
			cmd.Env = append(os.Environ(), "PATH="+path)
			out, err := cmd.Output()
			if err != nil || !strings.Contains(string(out), want) {
				t.Errorf("kubectl __complete kubescape %s: %v\n%s", args, err, out)
			}
		}
	})
}
