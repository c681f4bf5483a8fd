package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"kubescape.io/kubescape/internal/image/imagetest"
	"kubescape.io/kubescape/internal/image/vulndbtest"
	"kubescape.io/kubescape/internal/image/vulnreport"
	"kubescape.io/kubescape/internal/testcluster"
)

// TestClusterScanIncludeImages scans a real API server's workloads and the
// images they run, from a registry on loopback that asks for the
// credentials of a pull secret named by a service account.
func TestClusterScanIncludeImages(t *testing.T) {
	c := testcluster.Start(t)
	plugin := scanPlugin(t)
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no credentials but the pull secret's

	dbDir := filepath.Join(t.TempDir(), "vulndb")
	if err := vulndbtest.Build(dbDir, time.Now().Add(-time.Hour), []vulndbtest.Vuln{
		{ID: "CVE-2024-0001", Severity: "high", Ecosystem: "apk", OS: vulndbtest.OS{Name: "alpine", Major: "3", Minor: "20"}, Package: "busybox", Constraint: "< 1.36.1-r1", FixedIn: "1.36.1-r1"},
	}); err != nil {
		t.Fatal(err)
	}
	const user, password = "robot", "canary-e2e-pull-password-5d1"
	reg := imagetest.NewRegistry(user, password)
	t.Cleanup(reg.Close)
	img, err := imagetest.Image("", imagetest.AlpineFiles("3.20.3", []imagetest.Package{{Name: "busybox", Version: "1.36.1-r0"}}))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := reg.Push("team/app:1", img, remote.WithAuth(&authn.Basic{Username: user, Password: password}))
	if err != nil {
		t.Fatal(err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`{"auths":{"http://%s":{"username":%q,"password":%q}}}`, reg.Host, user, password)
	c.Apply(t, `
apiVersion: v1
kind: Namespace
metadata: {name: images}
---
apiVersion: v1
kind: Secret
metadata: {name: regcred, namespace: images}
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: `+base64.StdEncoding.EncodeToString([]byte(cfg))+`
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: builder, namespace: images}
imagePullSecrets: [{name: regcred}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: images}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: builder
      containers: [{name: app, image: `+ref+`}]
---
apiVersion: v1
kind: Pod
metadata: {name: worker, namespace: images}
spec:
  serviceAccountName: builder
  containers: [{name: app, image: `+ref+`}]
`)
	// The kubelet would report the digest the tag resolved to; there is no
	// kubelet here, so the test writes the status.
	status := fmt.Sprintf(`{"status":{"phase":"Running","containerStatuses":[{"name":"app","image":%q,"imageID":"%s@%s","ready":true,"restartCount":0,"started":true,"state":{"running":{}}}]}}`,
		ref, strings.Split(ref, ":1")[0], digest)
	c.Kubectl(t, "patch", "pod", "worker", "-n", "images", "--subresource=status", "--type=merge", "-p", status)

	cache := t.TempDir()
	run := func(kubeconfig string, extra ...string) (stdout, stderr string, code int) {
		stdout, stderr, code = runPlugin(t, c, plugin, append([]string{"scan", "--kubeconfig", kubeconfig, "--include-namespaces", "images",
			"--include-images", "--db-dir", dbDir, "--sbom-cache-dir", cache, "--format", "json"}, extra...)...)
		if strings.Contains(stdout+stderr, password) {
			t.Fatal("the pull secret's password is in the output")
		}
		return stdout, stderr, code
	}
	decode := func(out string) *vulnreport.Report {
		t.Helper()
		var rep struct {
			Images *vulnreport.Report `json:"images"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Images == nil {
			t.Fatalf("no images in the report (%v):\n%.2000s", err, out)
		}
		return rep.Images
	}

	out, stderr, code := run(c.AdminKubeconfig, "--severity-threshold", "critical")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	images := decode(out)
	if len(images.Images) != 1 || len(images.Failed) != 0 {
		t.Fatalf("want the one image once (the tag and the Pod's digest are the same image), got %+v", images)
	}
	got := images.Images[0]
	var workloads []string
	for _, w := range got.Workloads {
		workloads = append(workloads, w.String())
	}
	if strings.Join(workloads, " ") != "Deployment/images/web:app Pod/images/worker:app" {
		t.Errorf("workloads %v", workloads)
	}
	if got.Digest != digest.String() {
		t.Errorf("digest %s, want %s", got.Digest, digest)
	}
	if len(got.Findings) != 1 || got.Findings[0].ID != "CVE-2024-0001" || strings.Join(got.Findings[0].FixedIn, ",") != "1.36.1-r1" {
		t.Errorf("findings %+v", got.Findings)
	}
	if _, _, code := run(c.AdminKubeconfig, "--severity-threshold", "high"); code != 1 {
		t.Errorf("--severity-threshold high: exit %d, want 1 (CVE-2024-0001 is high)", code)
	}

	// A user who may not read Secrets: the pull secret is named in a
	// warning, the image cannot be read, and the scan still reports.
	viewer, err := c.KubeconfigFor("image-viewer")
	if err != nil {
		t.Fatal(err)
	}
	c.Apply(t, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: image-viewer}
rules:
  - apiGroups: ["", apps, batch]
    resources: [pods, deployments, replicasets, statefulsets, daemonsets, jobs, cronjobs, replicationcontrollers, serviceaccounts]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: image-viewer}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: image-viewer}
subjects: [{kind: User, name: image-viewer, apiGroup: rbac.authorization.k8s.io}]
`)
	out, stderr, code = run(viewer, "--sbom-cache-dir", t.TempDir())
	if code != 3 || !strings.Contains(stderr, "image pull secret images/regcred not read (forbidden)") {
		t.Errorf("viewer: exit %d, stderr %s", code, stderr)
	}
	images = decode(out)
	if len(images.Failed) != 1 || !strings.Contains(images.Failed[0].Error, "401") && !strings.Contains(strings.ToLower(images.Failed[0].Error), "auth") {
		t.Errorf("viewer: want the image unreadable for lack of credentials, got %+v", images.Failed)
	}
}
