package cmd

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"kubescape.io/kubescape/internal/image/imagetest"
	"kubescape.io/kubescape/internal/image/vulnreport"
)

// privateApp is a registry that asks for credentials, holding an Alpine
// image, and a manifest whose Deployment pulls it with a pull secret that the
// manifest also holds.
func privateApp(t *testing.T, fx imageFixture) (manifests, password string) {
	t.Helper()
	const user = "robot"
	password = "canary-pull-password-81c2"
	private := imagetest.NewRegistry(user, password)
	t.Cleanup(private.Close)
	alp, err := imagetest.Image("", imagetest.AlpineFiles("3.20.3", []imagetest.Package{{Name: "busybox", Version: "1.36.1-r0"}}))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := private.Push("team/app:1", alp, remote.WithAuth(&authn.Basic{Username: user, Password: password}))
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`{"auths":{"http://%s":{"username":%q,"password":%q}}}`, private.Host, user, password)
	manifests = writeFiles(t, map[string]string{"app.yaml": `
apiVersion: v1
kind: Secret
metadata: {name: regcred, namespace: shop}
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: ` + base64.StdEncoding.EncodeToString([]byte(cfg)) + `
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      imagePullSecrets: [{name: regcred}]
      containers:
        - name: app
          image: ` + ref + `
        - name: sidecar
          image: ` + fx.debian + `
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: report, image: ` + fx.debian + `}]
`})
	return manifests, password
}

// combinedReport is the part of the json report with images that the tests read.
type combinedReport struct {
	Resources []json.RawMessage  `json:"resources"`
	Images    *vulnreport.Report `json:"images"`
}

func TestScanIncludeImages(t *testing.T) {
	fx := imageFixtures(t)
	dir, password := privateApp(t, fx)
	cache := t.TempDir()
	args := []string{"scan", dir, "--include-images", "--db-dir", fx.dbDir, "--sbom-cache-dir", cache}

	out, errOut, code := run(t, "", append(args, "--format", "json")...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out+errOut, password) {
		t.Fatal("the pull secret's password is in the output")
	}
	var rep combinedReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("decode: %v\n%s", err, out)
	}
	if err := validateJSONSchema(t, filepath.Join("..", "report", "schema", "report.schema.json"), []byte(out)); err != nil {
		t.Errorf("json report with images: %v", err)
	}
	if len(rep.Resources) == 0 || rep.Images == nil {
		t.Fatalf("want configuration results and images, got %d resources, images %v", len(rep.Resources), rep.Images)
	}
	if len(rep.Images.Failed) != 0 {
		t.Fatalf("images not scanned: %+v", rep.Images.Failed)
	}
	found := map[string][]string{} // image repository -> workloads
	ids := map[string][]string{}
	for _, img := range rep.Images.Images {
		repo := img.Ref[strings.Index(img.Ref, "/")+1:]
		for _, w := range img.Workloads {
			found[repo] = append(found[repo], w.String())
		}
		for _, f := range img.Findings {
			ids[repo] = append(ids[repo], f.ID)
		}
	}
	// The Debian image, named by two workloads, is scanned once and linked to both.
	if got := strings.Join(found["library/debian:12"], " "); got != "CronJob/shop/report:report Deployment/shop/web:sidecar" {
		t.Errorf("debian workloads %q", got)
	}
	if got := strings.Join(found["team/app:1"], " "); got != "Deployment/shop/web:app" {
		t.Errorf("private image workloads %q", got)
	}
	if got := strings.Join(ids["team/app:1"], " "); got != "CVE-2024-0001" {
		t.Errorf("private image findings %q, want CVE-2024-0001 (read with the manifest's pull secret)", got)
	}
	if got := strings.Join(ids["library/debian:12"], " "); got != "CVE-2024-0010" {
		t.Errorf("debian findings %q", got)
	}
	if len(rep.Images.Images) != 2 {
		t.Errorf("%d images, want 2", len(rep.Images.Images))
	}

	// The severity threshold applies to the images too (the configuration
	// findings alone stay below critical).
	if _, errOut, code := run(t, "", append(args, "--format", "json", "--severity-threshold", "critical")...); code != ExitOK {
		t.Errorf("critical threshold: exit %d: %s", code, errOut)
	}
	_, errOut, code = run(t, "", append(args, "--format", "json", "--severity-threshold", "high", "--exceptions", writeFiles(t, map[string]string{"x.yaml": `
exceptions:
  - name: accept all configuration findings
    reason: the test looks at images only
    resources: [{kind: ".*"}]
`})+"/x.yaml")...)
	if code != ExitThreshold || !strings.Contains(errOut, "1 image vulnerabilit(ies) of severity high or higher") {
		t.Errorf("high threshold: exit %d, stderr %s", code, errOut)
	}

	// pretty shows both; sarif holds one run each.
	out, _, _ = run(t, "", append(args, "--color", "never")...)
	cfgAt, imgAt := strings.Index(out, "C-0016"), strings.Index(out, "CVE-2024-0001")
	if cfgAt < 0 || imgAt < cfgAt {
		t.Errorf("pretty: want the configuration results (C-0016 fails on the Deployment), then the image findings:\n%s", out)
	}
	out, _, _ = run(t, "", append(args, "--format", "sarif")...)
	var log sarifLog
	if err := json.Unmarshal([]byte(out), &log); err != nil || len(log.Runs) != 2 || log.Version != "2.1.0" {
		t.Errorf("sarif: %v, %d runs, version %q", err, len(log.Runs), log.Version)
	}
	if !strings.Contains(string(log.Runs[1]), "CVE-2024-0001") {
		t.Error("the second SARIF run lacks the image findings")
	}
	if err := validateJSONSchema(t, filepath.Join("..", "report", "testdata", "sarif-schema-2.1.0.json"), []byte(out)); err != nil {
		t.Errorf("merged SARIF: %v", err)
	}
}

func TestScanIncludeImagesUnreadable(t *testing.T) {
	fx := imageFixtures(t)
	dir := writeFiles(t, map[string]string{"pod.yaml": `
apiVersion: v1
kind: Pod
metadata: {name: gone}
spec:
  containers: [{name: app, image: ` + fx.reg.Host + `/library/missing:1}]
`})
	out, errOut, code := run(t, "", "scan", dir, "--include-images", "--db-dir", fx.dbDir, "--sbom-cache-dir", t.TempDir(), "--format", "json")
	if code != ExitUnreadable || !strings.Contains(errOut, "1 image(s) could not be scanned") {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	var rep combinedReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Images.Failed) != 1 || rep.Images.Failed[0].Workloads[0].String() != "Pod/gone:app" {
		t.Errorf("failed images %+v", rep.Images.Failed)
	}
}

func TestScanIncludeImagesUsage(t *testing.T) {
	dir := writeFiles(t, map[string]string{"pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: x}]}\n"})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--db-dir", "/x"}, "--db-dir applies to image scanning: add --include-images"},
		{[]string{"--image-workers", "3"}, "--image-workers applies to image scanning"},
		{[]string{"--include-images", "--format", "junit"}, `--include-images reports images in the pretty, json, sarif formats, not "junit"`},
		{[]string{"--include-images", "--image-workers", "0"}, "--image-workers must be at least 1"},
		{[]string{"--include-images", "--max-db-age", "soon"}, `--max-db-age "soon"`},
		{[]string{"--include-images", "--vex", filepath.Join(dir, "none.json")}, "--vex:"},
	} {
		_, errOut, code := run(t, "", append([]string{"scan", dir}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
	// No database: a clear error that says how to get one.
	t.Setenv(envDBDir, "")
	_, errOut, code := run(t, "", "scan", dir, "--include-images", "--db-dir", filepath.Join(t.TempDir(), "none"), "--sbom-cache-dir", t.TempDir())
	if code != ExitError || !strings.Contains(errOut, "vuln db") {
		t.Errorf("missing database: exit %d, stderr %q", code, errOut)
	}
	_ = os.Remove(dir)
}

// validateJSONSchema checks a document against a JSON Schema file.
func validateJSONSchema(t *testing.T, schemaFile string, doc []byte) error {
	t.Helper()
	raw, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "file:///" + filepath.Base(schemaFile)
	if err := c.AddResource(url, schemaDoc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(v)
}
