package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubescape.io/kubescape/internal/report"
	"kubescape.io/kubescape/internal/result"
)

// run runs the plugin with args and stdin, returning stdout, stderr and the exit code.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const privilegedPod = `apiVersion: v1
kind: Pod
metadata:
  name: priv
  namespace: shop
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
      securityContext:
        privileged: true
`

func scanJSON(t *testing.T, stdin string, args ...string) (*result.Report, string, int) {
	t.Helper()
	out, errOut, code := run(t, stdin, append([]string{"scan", "--format", "json"}, args...)...)
	var rep result.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("decode json report: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	return &rep, errOut, code
}

func TestScanFindsTheLine(t *testing.T) {
	dir := writeFiles(t, map[string]string{"pod.yaml": privilegedPod})
	rep, _, code := scanJSON(t, "", "control", "C-0057", filepath.Join(dir, "pod.yaml"))
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if len(rep.Resources) != 1 || len(rep.Resources[0].Results()) != 1 {
		t.Fatalf("resources %+v", rep.Resources)
	}
	loc := rep.Resources[0].Results()[0].Findings[0].FailedPaths[0]
	if loc.Path != "spec.containers[0].securityContext.privileged" || loc.Line != 11 {
		t.Errorf("failed path %+v, want line 11", loc)
	}
	if len(rep.Controls) != 1 || rep.Controls[0].ID != "C-0057" {
		t.Errorf("controls %+v: want only C-0057", rep.Controls)
	}
}

func TestExitCodes(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"pod.yaml": privilegedPod,
		"bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: [\n",
		"ex.yaml":  "exceptions: [{name: e, reason: accepted, controls: [C-0057], resources: [{kind: Pod}]}]\n",
		"unreachable.kubeconfig": `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`,
	})
	// No cluster configured unless a case names a kubeconfig.
	t.Setenv("KUBECONFIG", filepath.Join(dir, "none"))
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	pod := filepath.Join(dir, "pod.yaml")
	tests := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"clean scan", []string{"scan", "control", "C-0057", pod}, ExitOK, ""},
		{"severity threshold", []string{"scan", "control", "C-0057", pod, "--severity-threshold", "high"}, ExitThreshold, "severity high or higher failed: C-0057"},
		{"severity threshold not reached", []string{"scan", "control", "C-0057", pod, "--severity-threshold", "critical"}, ExitOK, ""},
		{"compliance threshold", []string{"scan", "control", "C-0057", pod, "--compliance-threshold", "50"}, ExitThreshold, "below the threshold"},
		{"exception lifts the threshold", []string{"scan", "control", "C-0057", pod, "--severity-threshold", "low", "--exceptions", filepath.Join(dir, "ex.yaml")}, ExitOK, ""},
		{"unreadable input", []string{"scan", dir}, ExitUnreadable, "could not be read"},
		{"missing path", []string{"scan", filepath.Join(dir, "nope.yaml")}, ExitUsage, "nope.yaml"},
		{"nothing to scan", []string{"scan"}, ExitUsage, "nothing to scan"},
		{"unreachable cluster", []string{"scan", "--kubeconfig", filepath.Join(dir, "unreachable.kubeconfig"), "--request-timeout", "2s"}, ExitError, "reach the API server at https://127.0.0.1:1"},
		{"cluster flag with paths", []string{"scan", pod, "--include-namespaces", "shop"}, ExitUsage, "--include-namespaces applies to cluster scans only"},
		{"bad selector", []string{"scan", "--kubeconfig", filepath.Join(dir, "unreachable.kubeconfig"), "-l", "app in (web"}, ExitUsage, "label selector"},
		{"unknown framework", []string{"scan", "framework", "nope", pod}, ExitUsage, `unknown framework "nope"`},
		{"unknown control", []string{"scan", "control", "C-9999", pod}, ExitUsage, `unknown control "C-9999"`},
		{"unknown format", []string{"scan", pod, "--format", "yaml"}, ExitUsage, `unknown format "yaml"`},
		{"several formats need a directory", []string{"scan", pod, "--format", "json,sarif"}, ExitUsage, "--output DIR"},
		{"bad severity", []string{"scan", pod, "--severity-threshold", "huge"}, ExitUsage, "--severity-threshold"},
		{"bad flag", []string{"scan", pod, "--no-such-flag"}, ExitUsage, "unknown flag"},
		{"unknown command", []string{"scna"}, ExitUsage, "unknown command"},
		{"bad exceptions file", []string{"scan", pod, "--exceptions", pod}, ExitUsage, "exceptions file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, "", tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, errOut)
			}
			if !strings.Contains(errOut, tt.err) {
				t.Errorf("stderr %q, want it to contain %q", errOut, tt.err)
			}
		})
	}
}

func TestUnreadableInputIsReportedAndTheRestScanned(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.yaml": privilegedPod + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: broken\n  labels: [\n---\n" + strings.ReplaceAll(privilegedPod, "name: priv", "name: after"),
		"b.bin":  "\x00\x01\x02",
	})
	rep, _, code := scanJSON(t, "", "control", "C-0057", dir, filepath.Join(dir, "b.bin"))
	if code != ExitUnreadable {
		t.Errorf("exit %d, want %d", code, ExitUnreadable)
	}
	if len(rep.Resources) != 2 {
		t.Errorf("want the two good pods scanned, got %d resources", len(rep.Resources))
	}
	var problems []string
	for _, p := range rep.Unreadable {
		problems = append(problems, p.Source+":"+itoa(p.Line)+" "+p.Reason)
	}
	joined := strings.Join(problems, "\n")
	if !strings.Contains(joined, filepath.Join(dir, "a.yaml")+":") || !strings.Contains(joined, "b.bin") {
		t.Errorf("unreadable inputs:\n%s", joined)
	}
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + jsonNumber(i)) }

func jsonNumber(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestStdin(t *testing.T) {
	rep, _, code := scanJSON(t, privilegedPod, "control", "C-0057", "-")
	if code != ExitOK || len(rep.Resources) != 1 || rep.Resources[0].Origin.Kind != "stdin" {
		t.Fatalf("exit %d, resources %+v", code, rep.Resources)
	}
}

// TestNoSecretInAnyFormat plants canary values in a Secret, in env vars and
// in ConfigMap keys with sensitive names, and checks every report format.
func TestNoSecretInAnyFormat(t *testing.T) {
	dir := writeFiles(t, map[string]string{"app.yaml": `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
data:
  password: Y2FuYXJ5LXNlY3JldC1kYXRh
stringData:
  token: canary-string-data
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: shop
data:
  api_token: canary-config-token
  db_password: canary-config-password
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:latest
          env:
            - name: DATABASE_PASSWORD
              value: canary-env-password
            - name: AWS_SECRET_ACCESS_KEY
              value: canary-env-aws-key
          securityContext:
            privileged: true
`})
	out := filepath.Join(t.TempDir(), "reports")
	formats := report.Formats()
	_, errOut, code := run(t, "", "scan", dir, "--format", strings.Join(formats, ","), "--output", out, "-v")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	canaries := []string{"canary", "Y2FuYXJ5LXNlY3JldC1kYXRh"}
	for _, f := range formats {
		b, err := os.ReadFile(filepath.Join(out, "report"+report.Extension(f)))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			t.Errorf("%s: empty report", f)
		}
		for _, c := range canaries {
			if bytes.Contains(b, []byte(c)) {
				t.Errorf("%s report contains the secret value %q", f, c)
			}
		}
	}
	pretty, _, _ := run(t, "", "scan", dir, "-v", "--color", "never")
	for _, c := range canaries {
		if strings.Contains(pretty, c) {
			t.Errorf("pretty report on stdout contains %q", c)
		}
	}
	if !strings.Contains(pretty, "C-0012") {
		t.Errorf("the credentials control should have run and failed:\n%s", pretty)
	}
}

func TestList(t *testing.T) {
	out, _, code := run(t, "", "list", "controls", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var controls []controlInfo
	if err := json.Unmarshal([]byte(out), &controls); err != nil {
		t.Fatal(err)
	}
	if len(controls) < 25 {
		t.Errorf("%d controls, want at least 25", len(controls))
	}
	out, _, _ = run(t, "", "list", "frameworks")
	if !strings.Contains(out, "nsa") {
		t.Errorf("frameworks:\n%s", out)
	}
	out, _, _ = run(t, "", "list", "controls", "--framework", "nsa")
	if !strings.Contains(out, "C-0057") || !strings.Contains(out, "Privileged container") {
		t.Errorf("nsa controls:\n%s", out)
	}
	if _, _, code := run(t, "", "list", "things"); code != ExitUsage {
		t.Errorf("list things: exit %d", code)
	}
}

func TestVersionAndCompletion(t *testing.T) {
	out, _, code := run(t, "", "version", "-o", "json")
	var v struct {
		Version  string `json:"version"`
		Controls int    `json:"controls"`
	}
	if code != ExitOK || json.Unmarshal([]byte(out), &v) != nil || v.Version == "" || v.Controls == 0 {
		t.Errorf("version: exit %d, %s", code, out)
	}
	out, _, code = run(t, "", "completion", "bash")
	if code != ExitOK || !strings.Contains(out, "bash completion") {
		t.Errorf("completion bash: exit %d", code)
	}
}

// TestHelpHasExamples checks that every command's --help shows examples.
func TestHelpHasExamples(t *testing.T) {
	root := NewRootCmd(genericStreams())
	for _, c := range append(root.Commands(), root) {
		if c.Name() == "help" {
			continue
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s has no examples", c.CommandPath())
		}
	}
}
