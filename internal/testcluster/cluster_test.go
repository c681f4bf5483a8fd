package testcluster_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"kubescape.io/kubescape/internal/testcluster"
)

func TestMain(m *testing.M) { testcluster.Main(m) }

const workload = `apiVersion: v1
kind: Namespace
metadata:
  name: harness
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: harness
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
---
apiVersion: v1
kind: Pod
metadata:
  name: privileged
  namespace: harness
spec:
  containers:
  - name: c
    image: busybox:1.36
    securityContext:
      privileged: true
`

func TestAdminApplies(t *testing.T) {
	c := testcluster.Shared(t)
	c.Apply(t, workload)

	got := c.Kubectl(t, "get", "deployment", "web", "-n", "harness", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
	if got != "nginx:1.27" {
		t.Errorf("deployment image = %q, want nginx:1.27", got)
	}
	// The ServiceAccount admission plugin is on: it names the Pod's account.
	got = c.Kubectl(t, "get", "pod", "privileged", "-n", "harness", "-o", "jsonpath={.spec.serviceAccountName}/{.spec.containers[0].securityContext.privileged}")
	if got != "default/true" {
		t.Errorf("pod serviceAccountName/privileged = %q, want default/true", got)
	}

	client, err := kubernetes.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ns, err := client.CoreV1().Namespaces().Get(t.Context(), "harness", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get namespace harness through RESTConfig: %v", err)
	}
	if ns.Status.Phase != "Active" {
		t.Errorf("namespace harness phase = %q, want Active", ns.Status.Phase)
	}
}

func TestLeastPrivilegedUser(t *testing.T) {
	c := testcluster.Shared(t)
	c.Apply(t, workload)
	ns := c.UserNamespace
	c.Apply(t, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: visible
  namespace: `+ns+`
spec:
  selector:
    matchLabels: {app: visible}
  template:
    metadata:
      labels: {app: visible}
    spec:
      containers:
      - name: c
        image: nginx:1.27
`)
	stranger, err := c.KubeconfigFor("stranger", "some-group")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		kubeconfig string
		args       []string
		allowed    bool
		want       string // in stdout when allowed
	}{
		{"deployments in own namespace", c.UserKubeconfig, []string{"get", "deployments", "-n", ns, "-o", "name"}, true, "deployment.apps/visible"},
		{"pods in own namespace", c.UserKubeconfig, []string{"get", "pods", "-n", ns}, true, ""},
		{"secrets cluster-wide", c.UserKubeconfig, []string{"get", "secrets", "--all-namespaces"}, false, ""},
		{"pods cluster-wide", c.UserKubeconfig, []string{"get", "pods", "--all-namespaces"}, false, ""},
		{"secrets in own namespace", c.UserKubeconfig, []string{"get", "secrets", "-n", ns}, false, ""},
		{"pods in another namespace", c.UserKubeconfig, []string{"get", "pods", "-n", "harness"}, false, ""},
		{"namespaces", c.UserKubeconfig, []string{"get", "namespaces"}, false, ""},
		{"create in own namespace", c.UserKubeconfig, []string{"create", "configmap", "x", "-n", ns}, false, ""},
		{"identity without bindings", stranger, []string{"get", "pods", "-n", ns}, false, ""},
		{"admin", c.AdminKubeconfig, []string{"get", "secrets", "--all-namespaces"}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			cmd := c.Command(t.Context(), tt.kubeconfig, tt.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			switch {
			case tt.allowed && err != nil:
				t.Fatalf("kubectl %s: %v\n%s", strings.Join(tt.args, " "), err, stderr.String())
			case tt.allowed && !strings.Contains(stdout.String(), tt.want):
				t.Errorf("kubectl %s printed %q, want it to contain %q", strings.Join(tt.args, " "), stdout.String(), tt.want)
			case !tt.allowed && err == nil:
				t.Fatalf("kubectl %s succeeded, want it forbidden:\n%s", strings.Join(tt.args, " "), stdout.String())
			case !tt.allowed:
				var exit *exec.ExitError
				if !errors.As(err, &exit) || !strings.Contains(strings.ToLower(stderr.String()), "forbidden") {
					t.Errorf("kubectl %s: %v, want a forbidden error; stderr:\n%s", strings.Join(tt.args, " "), err, stderr.String())
				}
			}
		})
	}
}
