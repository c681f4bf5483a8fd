package vap_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubescape.io/kubescape/internal/cmd"
	"kubescape.io/kubescape/internal/testcluster"
	"kubescape.io/kubescape/library"
	"kubescape.io/kubescape/vap"
)

// minEnforced is how many controls the end-to-end test must see deny their
// failing fixtures and admit their passing ones.
const minEnforced = 20

// readyTimeout bounds the wait for the API server to load a policy.
const readyTimeout = time.Minute

// controlLabel is the namespace label that a control's binding selects in
// the end-to-end test, so that each control judges only its own fixtures.
const controlLabel = "e2e.kubescape.io/control"

// fixture is a case's resource, ready for kubectl.
type fixture struct {
	caseName string
	failed   bool
	content  map[string]any
}

// TestEndToEnd applies the generated policies to a real kube-apiserver and
// drives it with the real kubectl: each control's failing fixtures are
// denied with the control's message and its passing fixtures admitted; a
// Warn binding admits with a warning; an Audit binding admits and records
// the failure in the audit log.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	auditPolicy := filepath.Join(dir, "audit-policy.yaml")
	auditLog := filepath.Join(dir, "audit.log")
	if err := os.WriteFile(auditPolicy, []byte("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := testcluster.Start(t, testcluster.WithAPIServerArgs("--audit-policy-file="+auditPolicy, "--audit-log-path="+auditLog))
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}

	// One namespace per control, selected by that control's binding only.
	var translated []*vap.Translation
	fixtures := map[string][]fixture{}
	for _, s := range vap.Coverage(lib) {
		if s.State != vap.StateTranslated {
			continue
		}
		if readsNamespace(s.Translation) {
			t.Logf("%s judges the object's namespace: its fixtures cannot be moved to a test namespace", s.Control.ID)
			continue
		}
		fs := namespacedFixtures(t, lib, s.Translation)
		if !slices.ContainsFunc(fs, func(f fixture) bool { return f.failed }) || !slices.ContainsFunc(fs, func(f fixture) bool { return !f.failed }) {
			continue
		}
		translated = append(translated, s.Translation)
		fixtures[s.Translation.Control.ID] = fs
	}
	if len(translated) < minEnforced {
		t.Fatalf("only %d translated controls have namespaced failing and passing fixtures, want at least %d", len(translated), minEnforced)
	}
	var namespaces strings.Builder
	m := &vap.Manifests{}
	for _, tr := range translated {
		ns := namespaceOf(tr.Control.ID)
		fmt.Fprintf(&namespaces, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n    %s: %s\n---\n", ns, controlLabel, ns)
		one, err := vap.Generate(lib, []*vap.Translation{tr}, vap.Options{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{controlLabel: ns}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(one.Skipped) > 0 {
			t.Fatalf("%s left out: %v", tr.Control.ID, one.Skipped[0].Reason)
		}
		m.Policies = append(m.Policies, one.Policies...)
		m.Bindings = append(m.Bindings, one.Bindings...)
		if one.CRD != nil {
			m.CRD, m.Params = one.CRD, one.Params
		}
	}
	c.Apply(t, namespaces.String())
	var log bytes.Buffer
	if err := vap.Apply(t.Context(), c.RESTConfig(), m, &log); err != nil {
		t.Fatalf("apply: %v\n%s", err, log.String())
	}
	t.Logf("applied %d policies and bindings for %d controls", len(m.Policies), len(translated))

	enforced := 0
	for _, tr := range translated {
		id := tr.Control.ID
		t.Run(id, func(t *testing.T) {
			ns := namespaceOf(id)
			fs := fixtures[id]
			if !waitDenied(t, c, id, ns, fs) {
				return
			}
			denied, admitted := 0, 0
			for _, f := range fs {
				out, errOut, err := kubectl(t.Context(), c, object(f.content, ns), "apply", "-f", "-")
				policyDenied := err != nil && strings.Contains(errOut, "ValidatingAdmissionPolicy '"+vap.PolicyName(id)+"'")
				switch {
				case f.failed && policyDenied:
					if !strings.Contains(errOut, id) {
						t.Errorf("case %q: denied without naming %s: %s", f.caseName, id, errOut)
					}
					denied++
				case f.failed && err == nil:
					t.Errorf("case %q (failing fixture) was admitted: %s %s", f.caseName, vap.PolicyName(id), out)
				case err == nil:
					admitted++
				case policyDenied:
					t.Errorf("case %q (passing fixture) was denied: %s", f.caseName, errOut)
				default:
					// Refused by the API server's own validation: not a policy verdict.
					t.Logf("case %q: the API server refuses the fixture itself: %s", f.caseName, strings.TrimSpace(errOut))
				}
			}
			if denied > 0 && admitted > 0 && !t.Failed() {
				enforced++
			}
			t.Logf("%d failing fixtures denied, %d passing fixtures admitted", denied, admitted)
		})
	}
	if enforced < minEnforced {
		t.Errorf("%d controls denied their failing fixtures and admitted their passing ones, want at least %d", enforced, minEnforced)
	}
	t.Logf("%d of %d controls enforced end to end", enforced, len(translated))

	t.Run("EphemeralContainer", func(t *testing.T) { checkEphemeral(t, c) })
	t.Run("Warn", func(t *testing.T) { checkWarn(t, c) })
	t.Run("Audit", func(t *testing.T) { checkAudit(t, c, auditLog) })
	t.Run("Delete", func(t *testing.T) {
		out, errOut, code := runPlugin(t, "vap", "delete", "--kubeconfig", c.AdminKubeconfig)
		if code != 0 {
			t.Fatalf("vap delete: exit %d\n%s%s", code, out, errOut)
		}
		left := c.Kubectl(t, "get", "validatingadmissionpolicies,validatingadmissionpolicybindings", "-l", vap.ManagedByLabel+"="+vap.ManagedByValue, "-o", "name")
		if strings.TrimSpace(left) != "" {
			t.Errorf("left after vap delete:\n%s", left)
		}
	})
}

// checkEphemeral adds a privileged ephemeral container to a running Pod
// through the pods/ephemeralcontainers subresource, as kubectl debug does:
// C-0057's policy matches the subresource and denies it.
func checkEphemeral(t *testing.T, c *testcluster.Cluster) {
	ns := namespaceOf("C-0057")
	pod := fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"debug-target","namespace":%q},`+
		`"spec":{"containers":[{"name":"app","image":"registry.example.com/app:1.0"}]}}`, ns)
	if _, errOut, err := kubectl(t.Context(), c, pod, "apply", "-f", "-"); err != nil {
		t.Fatalf("create the target Pod: %v\n%s", err, errOut)
	}
	patch := `{"spec":{"ephemeralContainers":[{"name":"debugger","image":"busybox:1.36","securityContext":{"privileged":true}}]}}`
	_, errOut, err := kubectl(t.Context(), c, "", "patch", "pod", "debug-target", "-n", ns, "--subresource=ephemeralcontainers", "--type=strategic", "-p", patch)
	if err == nil || !strings.Contains(errOut, "ValidatingAdmissionPolicy '"+vap.PolicyName("C-0057")+"'") || !strings.Contains(errOut, "debugger") {
		t.Fatalf("adding a privileged ephemeral container: got %v %s, want a denial by %s naming the container", err, errOut, vap.PolicyName("C-0057"))
	}
	plain := `{"spec":{"ephemeralContainers":[{"name":"shell","image":"busybox:1.36"}]}}`
	if _, errOut, err := kubectl(t.Context(), c, "", "patch", "pod", "debug-target", "-n", ns, "--subresource=ephemeralcontainers", "--type=strategic", "-p", plain); err != nil {
		t.Fatalf("adding a plain ephemeral container must be admitted: %v\n%s", err, errOut)
	}
}

// checkWarn rebinds C-0057 with the Warn action through the plugin: a
// privileged Pod is admitted, and kubectl prints the control's warning.
func checkWarn(t *testing.T, c *testcluster.Cluster) {
	ns := "e2e-warn"
	c.Apply(t, fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n    e2e.kubescape.io/action: warn\n", ns))
	out, errOut, code := runPlugin(t, "vap", "apply", "--kubeconfig", c.AdminKubeconfig, "--controls", "C-0057",
		"--action", "Warn", "--namespace-selector", "e2e.kubescape.io/action=warn")
	if code != 0 {
		t.Fatalf("vap apply --action Warn: exit %d\n%s%s", code, out, errOut)
	}
	pod := privilegedPod(ns, "warned")
	deadline := time.Now().Add(readyTimeout)
	for {
		_, errOut, err := kubectl(t.Context(), c, pod, "apply", "--dry-run=server", "-f", "-")
		if err == nil && strings.Contains(errOut, "Warning:") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no warning from the Warn binding within %s: %v %s", readyTimeout, err, errOut)
		}
		time.Sleep(300 * time.Millisecond)
	}
	_, errOut, err := kubectl(t.Context(), c, pod, "apply", "-f", "-")
	if err != nil {
		t.Fatalf("Warn must admit: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "Warning:") || !strings.Contains(errOut, "C-0057") {
		t.Errorf("want a Warning naming C-0057, got:\n%s", errOut)
	}
	c.Kubectl(t, "get", "pod", "-n", ns, "warned")
}

// checkAudit rebinds C-0057 with the Audit action: a privileged Pod is
// admitted without a warning, and the audit log records the failure.
func checkAudit(t *testing.T, c *testcluster.Cluster, auditLog string) {
	ns := "e2e-audit"
	c.Apply(t, fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n    e2e.kubescape.io/action: audit\n", ns))
	out, errOut, code := runPlugin(t, "vap", "apply", "--kubeconfig", c.AdminKubeconfig, "--controls", "C-0057",
		"--action", "Audit", "--namespace-selector", "e2e.kubescape.io/action=audit")
	if code != 0 {
		t.Fatalf("vap apply --action Audit: exit %d\n%s%s", code, out, errOut)
	}
	deadline := time.Now().Add(readyTimeout)
	for i := 0; ; i++ {
		name := fmt.Sprintf("audited-%d", i)
		_, errOut, err := kubectl(t.Context(), c, privilegedPod(ns, name), "apply", "-f", "-")
		if err != nil {
			t.Fatalf("Audit must admit: %v\n%s", err, errOut)
		}
		if strings.Contains(errOut, "Warning:") {
			t.Errorf("Audit must not warn, got:\n%s", errOut)
		}
		if found := auditedFailure(t, auditLog, ns, name); found != "" {
			if !strings.Contains(found, "C-0057") || !strings.Contains(found, vap.PolicyName("C-0057")) {
				t.Errorf("audit annotation does not name the control and policy: %s", found)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no validation failure in the audit log %s within %s", auditLog, readyTimeout)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// auditedFailure returns the validation_failure annotation of the audit
// event of the creation of Pod ns/name, or "".
func auditedFailure(t *testing.T, path, ns, name string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev struct {
			Verb      string `json:"verb"`
			ObjectRef struct {
				Resource, Namespace, Name string
			} `json:"objectRef"`
			Annotations map[string]string `json:"annotations"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		if ev.ObjectRef.Resource == "pods" && ev.ObjectRef.Namespace == ns && ev.ObjectRef.Name == name {
			if v := ev.Annotations["validation.policy.admission.k8s.io/validation_failure"]; v != "" {
				return v
			}
		}
	}
	return ""
}

// waitDenied waits until the API server has loaded the control's policy:
// a server-side dry run of one of its failing fixtures is denied by it. It
// returns false when the API server's own validation refuses every failing
// fixture, so that the policy never gets to judge one.
func waitDenied(t *testing.T, c *testcluster.Cluster, id, ns string, fs []fixture) bool {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for {
		var admitted []string
		for _, f := range fs {
			if !f.failed {
				continue
			}
			_, errOut, err := kubectl(t.Context(), c, object(f.content, ns), "apply", "--dry-run=server", "-f", "-")
			switch {
			case err != nil && strings.Contains(errOut, "ValidatingAdmissionPolicy '"+vap.PolicyName(id)+"'"):
				return true
			case err != nil:
				// Refused by the API server's own validation.
			default:
				admitted = append(admitted, f.caseName)
			}
		}
		if len(admitted) == 0 {
			t.Logf("the API server itself refuses every failing fixture: %s never judges one", vap.PolicyName(id))
			return false
		}
		if time.Now().After(deadline) {
			t.Fatalf("policy %s did not deny the failing fixtures %q within %s (the API server admits them)", vap.PolicyName(id), admitted, readyTimeout)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// namespacedFixtures returns the resources of a control's cases that a
// policy judges in a namespace: of a covered, namespaced kind, with the
// default inputs.
func namespacedFixtures(t *testing.T, lib *library.Library, tr *vap.Translation) []fixture {
	t.Helper()
	cases, err := lib.Tests(tr.Control)
	if err != nil {
		t.Fatal(err)
	}
	var out []fixture
	seen := map[string]bool{}
	for _, tc := range cases {
		if len(tc.Inputs) > 0 || seen[tc.Fixture+tc.Resource] {
			continue
		}
		seen[tc.Fixture+tc.Resource] = true
		for _, obj := range tc.Objects {
			kind, _ := obj["kind"].(string)
			md, _ := obj["metadata"].(map[string]any)
			name, _ := md["name"].(string)
			parts := strings.Split(tc.Resource, "/")
			if parts[0] != kind || parts[len(parts)-1] != name || !tr.AppliesTo(kind) {
				continue
			}
			if r, err := vap.ResourceOf(kind); err != nil || !r.Namespaced {
				continue
			}
			out = append(out, fixture{caseName: tc.Name, failed: tc.Status == "failed", content: obj})
		}
	}
	return out
}

// namespaceReads are how an expression can read the request's namespace.
var namespaceReads = regexp.MustCompile(`metadata\.namespace|namespaceObject|request\.namespace`)

// readsNamespace reports whether a control's verdict depends on the
// object's namespace.
func readsNamespace(tr *vap.Translation) bool {
	for _, v := range tr.CEL.Variables {
		if namespaceReads.MatchString(v.Expression) {
			return true
		}
	}
	for _, v := range tr.CEL.Validations {
		if namespaceReads.MatchString(v.Expression) {
			return true
		}
	}
	return false
}

func namespaceOf(id string) string {
	return "e2e-" + strings.ToLower(id)
}

// object renders a fixture object as JSON, moved to the namespace.
func object(content map[string]any, ns string) string {
	raw, err := json.Marshal(content)
	if err != nil {
		return ""
	}
	var copied map[string]any
	if err := json.Unmarshal(raw, &copied); err != nil {
		return ""
	}
	md, _ := copied["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		copied["metadata"] = md
	}
	md["namespace"] = ns
	out, _ := json.Marshal(copied)
	return string(out)
}

func privilegedPod(ns, name string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q,"namespace":%q},`+
		`"spec":{"containers":[{"name":"app","image":"registry.example.com/app:1.0","securityContext":{"privileged":true}}]}}`, name, ns)
}

// kubectl runs the real kubectl as the cluster admin with stdin. Like a
// script against a real cluster, it retries while a new namespace has no
// default ServiceAccount yet.
func kubectl(ctx context.Context, c *testcluster.Cluster, stdin string, args ...string) (string, string, error) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		cmd := c.Command(ctx, c.AdminKubeconfig, args...)
		cmd.Stdin = strings.NewReader(stdin)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err == nil || !strings.Contains(stderr.String(), `serviceaccount "default" not found`) || time.Now().After(deadline) {
			return stdout.String(), stderr.String(), err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// runPlugin runs kubectl kubescape in process.
func runPlugin(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cmd.Main(args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}
