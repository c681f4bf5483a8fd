package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/yaml"

	"kubescape.io/kubescape/internal/engine"
	"kubescape.io/kubescape/internal/exception"
	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/library"
	"kubescape.io/kubescape/webhook/corpus"
	"kubescape.io/kubescape/webhook/inventory"
	"kubescape.io/kubescape/webhook/policy"
)

var (
	libOnce sync.Once
	lib     *library.Library
	libErr  error

	enginesMu sync.Mutex
	engines   = map[string]*engine.Engine{}
)

func testLibrary(t testing.TB) *library.Library {
	t.Helper()
	libOnce.Do(func() { lib, libErr = library.Load() })
	if libErr != nil {
		t.Fatal(libErr)
	}
	return lib
}

// testEngine compiles the controls once per set and input overrides.
func testEngine(t testing.TB, controls []*library.Control, inputs map[string]any) *engine.Engine {
	t.Helper()
	ids := make([]string, len(controls))
	for i, c := range controls {
		ids[i] = c.ID
	}
	in, _ := json.Marshal(inputs)
	key := strings.Join(ids, ",") + string(in)
	enginesMu.Lock()
	defer enginesMu.Unlock()
	if e, ok := engines[key]; ok {
		return e
	}
	e, err := engine.New(testLibrary(t), controls, inputs)
	if err != nil {
		t.Fatal(err)
	}
	engines[key] = e
	return e
}

// testHandler builds a handler for a policy file (YAML), with related
// objects in its inventory.
func testHandler(t testing.TB, policyYAML string, related []map[string]any, exceptions *exception.Set) (*Handler, *Metrics) {
	t.Helper()
	lib := testLibrary(t)
	f := policy.Default()
	if policyYAML != "" {
		var err error
		if f, err = policy.Parse([]byte(policyYAML)); err != nil {
			t.Fatal(err)
		}
	}
	p, err := policy.Compile(lib, f, "kubescape")
	if err != nil {
		t.Fatal(err)
	}
	eng := testEngine(t, p.Controls(), nil)
	var objs []*resource.Object
	for _, o := range related {
		objs = append(objs, &resource.Object{Content: o})
	}
	m := NewMetrics()
	h := NewHandler(Config{
		Engine: eng, Sessions: inventory.NewStatic(t.Context(), eng, objs, nil), Policy: p,
		Exceptions: exceptions, Metrics: m, SensitiveNames: []string{"password", "token", "secret"},
	})
	t.Cleanup(h.Close)
	return h, m
}

// post sends a body to the handler and returns the status and body.
func post(t testing.TB, h http.Handler, body []byte) (int, []byte) {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, ValidatePath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// review posts an object and decodes the response.
func review(t testing.TB, h http.Handler, obj map[string]any, mutate ...func(*admissionv1.AdmissionReview)) *admissionv1.AdmissionResponse {
	t.Helper()
	body, err := corpus.Review(obj, admissionv1.Create, "uid-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(mutate) > 0 {
		var r admissionv1.AdmissionReview
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		for _, m := range mutate {
			m(&r)
		}
		if body, err = json.Marshal(r); err != nil {
			t.Fatal(err)
		}
	}
	code, out := post(t, h, body)
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, out)
	}
	var r admissionv1.AdmissionReview
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("decode response: %v\n%s", err, out)
	}
	if r.APIVersion != "admission.k8s.io/v1" || r.Kind != "AdmissionReview" || r.Response == nil {
		t.Fatalf("response is not an AdmissionReview with a response: %s", out)
	}
	if r.Response.UID != "uid-1" {
		t.Fatalf("response uid %q, want the request's", r.Response.UID)
	}
	return r.Response
}

func decode(t testing.TB, y string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(y), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const privilegedPod = `
apiVersion: v1
kind: Pod
metadata:
  name: priv
  namespace: shop
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
      env:
        - name: DB_PASSWORD
          value: hunter2-very-secret
      securityContext:
        privileged: true
`

const compliantDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web, app.kubernetes.io/name: web, app.kubernetes.io/instance: web-prod}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, app.kubernetes.io/name: web, app.kubernetes.io/instance: web-prod}}
    spec:
      serviceAccountName: web
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: app
          image: registry.example.com/team/web@sha256:0f4e2b1c8d3a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e
          imagePullPolicy: Always
          ports: [{containerPort: 8080}]
          livenessProbe: {httpGet: {path: /healthz, port: 8080}}
          readinessProbe: {httpGet: {path: /readyz, port: 8080}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            capabilities: {drop: [ALL]}
          resources:
            requests: {cpu: 100m, memory: 128Mi, ephemeral-storage: 1Gi}
            limits: {cpu: 500m, memory: 256Mi, ephemeral-storage: 1Gi}
`

func TestDeniesWithEveryFailingControl(t *testing.T) {
	h, m := testHandler(t, "controls: [C-0057, C-0016]", nil, nil)
	resp := review(t, h, decode(t, privilegedPod))
	if resp.Allowed {
		t.Fatal("privileged Pod admitted")
	}
	if resp.Result == nil || resp.Result.Code != http.StatusForbidden || resp.Result.Reason != "Forbidden" {
		t.Fatalf("result %+v: want 403 Forbidden", resp.Result)
	}
	msg := resp.Result.Message
	for _, want := range []string{
		"kubescape: Pod shop/priv violates 2 controls:",
		"[C-0057] Privileged container (severity high)",
		"(field: spec.containers[0].securityContext.privileged)",
		"Remediation: Remove securityContext.privileged",
		"[C-0016] Allow privilege escalation",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "hunter2") {
		t.Errorf("message holds a secret value:\n%s", msg)
	}
	if got := resp.AuditAnnotations["C-0057"]; !strings.HasPrefix(got, "deny: ") {
		t.Errorf("audit annotation C-0057 = %q, want deny: ...", got)
	}
	if got := counter(t, m, "kubescape_webhook_control_decisions_total", map[string]string{"control": "C-0057", "action": "deny"}); got != 1 {
		t.Errorf("C-0057 deny decisions = %v, want 1", got)
	}
	if got := counter(t, m, "kubescape_webhook_requests_total", map[string]string{"kind": "Pod", "decision": "denied", "operation": "CREATE", "dry_run": "false"}); got != 1 {
		t.Errorf("denied Pod requests = %v, want 1", got)
	}
}

func TestActions(t *testing.T) {
	const pol = `
defaultAction: audit
controls: [C-0057, C-0016, C-0013]
rules:
  - action: deny
    controls: [C-0057]
  - action: warn
    controls: [C-0016]
`
	h, _ := testHandler(t, pol, nil, nil)
	resp := review(t, h, decode(t, privilegedPod))
	if resp.Allowed {
		t.Fatal("admitted")
	}
	if strings.Contains(resp.Result.Message, "C-0016") {
		t.Errorf("a warn control is in the denial:\n%s", resp.Result.Message)
	}
	if len(resp.Warnings) != 1 || !strings.HasPrefix(resp.Warnings[0], "[C-0016] Allow privilege escalation: ") {
		t.Errorf("warnings %q: want one for C-0016", resp.Warnings)
	}
	for _, w := range resp.Warnings {
		if len(w) > maxWarning || strings.ContainsAny(w, "\n\r") {
			t.Errorf("warning %q: longer than %d or several lines", w, maxWarning)
		}
	}
	if got := resp.AuditAnnotations["C-0013"]; !strings.HasPrefix(got, "audit: ") {
		t.Errorf("audit annotations %v: want C-0013 audited", resp.AuditAnnotations)
	}

	// Without the deny rule, the same Pod is admitted with its warning.
	h, _ = testHandler(t, "defaultAction: warn\ncontrols: [C-0057]", nil, nil)
	resp = review(t, h, decode(t, privilegedPod))
	if !resp.Allowed || len(resp.Warnings) != 1 || !strings.Contains(resp.Warnings[0], "C-0057") {
		t.Errorf("warn mode: allowed %v warnings %q", resp.Allowed, resp.Warnings)
	}
}

func TestCompliantDeploymentAdmitted(t *testing.T) {
	h, _ := testHandler(t, "", nil, nil)
	resp := review(t, h, decode(t, compliantDeployment))
	if !resp.Allowed {
		t.Fatalf("compliant Deployment denied:\n%s", resp.Result.Message)
	}
}

func TestExemptions(t *testing.T) {
	const pol = `
controls: [C-0057]
exemptions:
  namespaces: [sandbox-*]
  objectSelector: {matchLabels: {kubescape.io/exempt: "true"}}
  namespaceSelector: {matchLabels: {security: relaxed}}
`
	h, m := testHandler(t, pol, nil, nil)
	h.cfg.NamespaceLabels = func(ns string) (map[string]string, bool) {
		if ns == "relaxed" {
			return map[string]string{"security": "relaxed"}, true
		}
		return map[string]string{}, true
	}
	for _, tc := range []struct {
		name, ns string
		labels   map[string]any
		allowed  bool
	}{
		{"kube-system by default", "kube-system", nil, true},
		{"own namespace by default", "kubescape", nil, true},
		{"pattern", "sandbox-42", nil, true},
		{"namespace label", "relaxed", nil, true},
		{"object label", "shop", map[string]any{"kubescape.io/exempt": "true"}, true},
		{"controller ServiceAccount", "shop", map[string]any{"user": "system:serviceaccount:kube-system:replicaset-controller"}, true},
		{"kubelet", "shop", map[string]any{"user": "system:node:worker-1"}, true},
		{"ServiceAccount of another namespace", "shop", map[string]any{"user": "system:serviceaccount:shop:deployer"}, false},
		{"not exempt", "shop", map[string]any{"kubescape.io/exempt": "no"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := decode(t, privilegedPod)
			md := obj["metadata"].(map[string]any)
			md["namespace"] = tc.ns
			user := "alice"
			if u, ok := tc.labels["user"].(string); ok {
				user = u
			} else if tc.labels != nil {
				md["labels"] = tc.labels
			}
			if resp := review(t, h, obj, func(r *admissionv1.AdmissionReview) { r.Request.UserInfo.Username = user }); resp.Allowed != tc.allowed {
				t.Errorf("allowed %v, want %v", resp.Allowed, tc.allowed)
			}
		})
	}
	if got := counter(t, m, "kubescape_webhook_requests_total", map[string]string{"decision": "exempt"}); got != 7 {
		t.Errorf("exempt requests = %v, want 7", got)
	}
	// systemNamespaces: false evaluates kube-system too.
	h, _ = testHandler(t, "controls: [C-0057]\nexemptions: {systemNamespaces: false}", nil, nil)
	obj := decode(t, privilegedPod)
	obj["metadata"].(map[string]any)["namespace"] = "kube-system"
	if review(t, h, obj).Allowed {
		t.Error("kube-system exempt with systemNamespaces: false")
	}
}

func TestExceptions(t *testing.T) {
	ex, err := exception.Parse([]byte(`
exceptions:
  - name: shop-priv
    reason: the CNI needs it
    controls: [C-0057]
    resources: [{kind: Pod, namespace: shop, name: priv}]
`), "exceptions.yaml", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h, m := testHandler(t, "controls: [C-0057, C-0016]", nil, ex)
	resp := review(t, h, decode(t, privilegedPod))
	if resp.Allowed || strings.Contains(resp.Result.Message, "C-0057") || !strings.Contains(resp.Result.Message, "C-0016") {
		t.Errorf("C-0057 excepted, C-0016 not: allowed %v, %+v", resp.Allowed, resp.Result)
	}
	if got := counter(t, m, "kubescape_webhook_control_decisions_total", map[string]string{"control": "C-0057", "action": "excepted"}); got != 1 {
		t.Errorf("excepted = %v, want 1", got)
	}

	// Annotations except an object only when the policy allows it.
	obj := decode(t, privilegedPod)
	obj["metadata"].(map[string]any)["annotations"] = map[string]any{"kubescape.io/skip.C-0057": "approved"}
	h, _ = testHandler(t, "controls: [C-0057]", nil, nil)
	if review(t, h, obj).Allowed {
		t.Error("an annotation excepted the object without annotationExceptions")
	}
	h, _ = testHandler(t, "controls: [C-0057]\nannotationExceptions: true", nil, nil)
	if !review(t, h, obj).Allowed {
		t.Error("annotation exception ignored with annotationExceptions: true")
	}
}

func TestRequestHandling(t *testing.T) {
	h, m := testHandler(t, "controls: [C-0057]", nil, nil)
	t.Run("namespace and name filled from the request", func(t *testing.T) {
		obj := decode(t, privilegedPod)
		md := obj["metadata"].(map[string]any)
		delete(md, "namespace")
		delete(md, "name")
		md["generateName"] = "priv-"
		resp := review(t, h, obj, func(r *admissionv1.AdmissionReview) { r.Request.Namespace = "payments"; r.Request.Name = "" })
		if resp.Allowed || !strings.Contains(resp.Result.Message, "Pod payments/priv-") {
			t.Errorf("want a denial naming Pod payments/priv-: %+v", resp.Result)
		}
	})
	t.Run("dry run decided and counted", func(t *testing.T) {
		dry := true
		resp := review(t, h, decode(t, privilegedPod), func(r *admissionv1.AdmissionReview) { r.Request.DryRun = &dry })
		if resp.Allowed {
			t.Error("dry run admitted a privileged Pod")
		}
		if got := counter(t, m, "kubescape_webhook_requests_total", map[string]string{"dry_run": "true", "decision": "denied"}); got != 1 {
			t.Errorf("dry-run denials = %v, want 1", got)
		}
	})
	t.Run("ephemeral containers subresource evaluated", func(t *testing.T) {
		resp := review(t, h, decode(t, privilegedPod), func(r *admissionv1.AdmissionReview) {
			r.Request.Operation = admissionv1.Update
			r.Request.SubResource = "ephemeralcontainers"
		})
		if resp.Allowed {
			t.Error("privileged ephemeral container admitted")
		}
	})
	for _, tc := range []struct {
		name   string
		mutate func(*admissionv1.AdmissionReview)
	}{
		{"delete", func(r *admissionv1.AdmissionReview) { r.Request.Operation = admissionv1.Delete }},
		{"connect", func(r *admissionv1.AdmissionReview) { r.Request.Operation = admissionv1.Connect }},
		{"status subresource", func(r *admissionv1.AdmissionReview) {
			r.Request.Operation = admissionv1.Update
			r.Request.SubResource = "status"
		}},
		{"unknown kind", func(r *admissionv1.AdmissionReview) {
			r.Request.Kind.Kind, r.Request.Kind.Group = "Widget", "example.com"
		}},
	} {
		t.Run(tc.name+" allowed", func(t *testing.T) {
			if resp := review(t, h, decode(t, privilegedPod), tc.mutate); !resp.Allowed {
				t.Errorf("denied: %+v", resp.Result)
			}
		})
	}
}

func TestNotReady(t *testing.T) {
	h, _ := testHandler(t, "controls: [C-0057]", nil, nil)
	h.cfg.Sessions = &inventory.Static{}
	body, err := corpus.Review(decode(t, privilegedPod), admissionv1.Create, "u")
	if err != nil {
		t.Fatal(err)
	}
	code, out := post(t, h, body)
	if code != http.StatusServiceUnavailable || !strings.Contains(string(out), `"error":`) {
		t.Errorf("status %d body %s: want 503 with a JSON error", code, out)
	}
}

func TestBadRequests(t *testing.T) {
	h, m := testHandler(t, "controls: [C-0057]", nil, nil)
	h.cfg.MaxRequestBytes = 64 << 10
	good, err := corpus.Review(decode(t, privilegedPod), admissionv1.Create, "u")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		method string
		ctype  string
		body   []byte
		code   int
		want   string
	}{
		{"empty", "POST", "application/json", nil, 400, "empty body"},
		{"not json", "POST", "application/json", []byte("hello"), 400, "invalid character 'h' looking for beginning of value"},
		{"truncated", "POST", "application/json", good[:len(good)/2], 400, "truncated JSON"},
		{"trailing data", "POST", "application/json", append(slices.Clone(good), []byte(`}`)...), 400, "invalid character '}' after top-level value"},
		{"field names in another case", "POST", "application/json", []byte(`{"APIVersion":"admission.k8s.io/v1","Kind":"AdmissionReview","request":{"uid":"x"}}`), 400, `got apiVersion "" kind ""`},
		{"oversized", "POST", "application/json", bytes.Repeat([]byte(" "), 65<<10), 400, "larger than 65536 bytes"},
		{"v1beta1", "POST", "application/json", []byte(`{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"x"}}`), 400, "admissionReviewVersions: [v1]"},
		{"no request", "POST", "application/json", []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), 400, "has no request"},
		{"no uid", "POST", "application/json", []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}`), 400, "has no uid"},
		{"wrong type", "POST", "application/json", []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}`), 400, "cannot unmarshal number into Go struct field"},
		{"GET", "GET", "", nil, 405, "POST"},
		{"yaml", "POST", "application/yaml", good, 415, "want application/json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequestWithContext(t.Context(), tc.method, ValidatePath, bytes.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.code {
				t.Errorf("status %d, want %d", rec.Code, tc.code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("content type %q", ct)
			}
			var e errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, tc.want) {
				t.Errorf("body %s: want a JSON error containing %q", rec.Body.Bytes(), tc.want)
			}
		})
	}
	if got := counter(t, m, "kubescape_webhook_bad_requests_total", map[string]string{"reason": "malformed"}); got != 9 {
		t.Errorf("malformed = %v, want 9", got)
	}
	// An object that is not a JSON object is a malformed request too.
	for _, raw := range []string{`[1,2]`, `null`, `"pod"`} {
		var r admissionv1.AdmissionReview
		if err := json.Unmarshal(good, &r); err != nil {
			t.Fatal(err)
		}
		r.Request.Object.Raw = []byte(raw)
		body, _ := json.Marshal(r)
		code, out := post(t, h, body)
		if code != http.StatusBadRequest || !bytes.Contains(out, []byte(`"error":`)) || !bytes.Contains(out, []byte("request.object")) {
			t.Errorf("object %s: %d %s", raw, code, out)
		}
	}
}

// admissionDiffers are fixture cases whose verdict differs at admission,
// with the verdict the webhook must reach and why.
var admissionDiffers = map[string]struct{ status, why string }{
	"C-0061/manifest that names no namespace": {"failed", "the API server puts an object that names no namespace in default"},
	"C-0212/manifest that names no namespace": {"failed", "the API server puts an object that names no namespace in default"},
}

// TestCorpus runs every fixture case of every admission control through the
// handler, with only that control denying: a failing case is denied with a
// message naming the control and its failed paths, a passing one admitted.
func TestCorpus(t *testing.T) {
	lib := testLibrary(t)
	noSystem := policy.Exemptions{SystemNamespaces: new(false)}
	all, err := policy.Compile(lib, &policy.File{Exemptions: noSystem}, "")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := corpus.Load(lib, all.Controls())
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 2*len(all.Controls()) {
		t.Fatalf("%d cases for %d controls: every control has a failing and a passing case", len(cases), len(all.Controls()))
	}
	// Cases without related objects or inputs share one engine of every
	// admission control and one session (compiling and preparing queries
	// is most of the cost); the handler decides only the case's control.
	shared := testEngine(t, all.Controls(), nil)
	sharedSession := inventory.NewStatic(t.Context(), shared, nil, nil)
	seen := map[string]bool{}
	for _, tc := range cases {
		key := tc.Control.ID + "/" + tc.Name
		t.Run(key, func(t *testing.T) {
			c := tc.Control
			seen[c.ID+"/"+tc.Status] = true
			cp, err := policy.Compile(lib, &policy.File{Controls: []string{c.ID}, ReviewAction: policy.Deny, Exemptions: noSystem}, "")
			if err != nil {
				t.Fatal(err)
			}
			eng, sessions := shared, inventory.Source(sharedSession)
			if len(tc.Related) > 0 || len(tc.Inputs) > 0 {
				eng = testEngine(t, cp.Controls(), tc.Inputs)
				var objs []*resource.Object
				for _, o := range append(slices.Clone(tc.Related), tc.Object) {
					objs = append(objs, &resource.Object{Content: o})
				}
				sessions = inventory.NewStatic(t.Context(), eng, objs, nil)
			}
			h := NewHandler(Config{Engine: eng, Sessions: sessions, Policy: cp})
			resp := review(t, h, tc.Object)
			status := tc.Status
			if d, ok := admissionDiffers[key]; ok {
				status = d.status
				t.Logf("expected %s at admission: %s", status, d.why)
			}
			switch status {
			case "failed":
				if resp.Allowed {
					t.Fatalf("admitted; want denied by %s", c.ID)
				}
				msg := resp.Result.Message
				if !strings.Contains(msg, "["+c.ID+"] "+c.Name) {
					t.Errorf("message does not name the control:\n%s", msg)
				}
				if status != tc.Status {
					return
				}
				for _, p := range append(slices.Clone(tc.FailedPaths), tc.ReviewPaths...) {
					if !strings.Contains(msg, p) {
						t.Errorf("message lacks path %s:\n%s", p, msg)
					}
				}
			case "passed":
				if !resp.Allowed {
					t.Fatalf("denied:\n%s", resp.Result.Message)
				}
				if len(resp.Warnings) > 0 {
					t.Errorf("warnings %q", resp.Warnings)
				}
			}
		})
	}
	for _, c := range all.Controls() {
		if !seen[c.ID+"/failed"] || !seen[c.ID+"/passed"] {
			t.Errorf("%s: the corpus lacks a failing or a passing case", c.ID)
		}
	}
}

func counter(t testing.TB, m *Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, mt := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range mt.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue metric
				}
			}
			total += mt.GetCounter().GetValue()
		}
	}
	return total
}

func TestRedaction(t *testing.T) {
	h, _ := testHandler(t, "controls: [C-0057]", nil, nil)
	obj := decode(t, privilegedPod)
	red := h.redactor("Pod", obj)
	c, _ := testLibrary(t).Control("C-0057")
	f := failure{control: c, action: policy.Deny, findings: []engine.Finding{{
		Message:     "env DB_PASSWORD is hunter2-very-secret",
		FailedPaths: []string{"spec.containers[0].env[0].value"},
		FixPaths:    []library.FixPath{{Path: "spec.containers[0].env[0].value", Value: "hunter2-very-secret"}},
	}}}
	ref := resource.Ref{Kind: "Pod", Namespace: "shop", Name: "priv"}
	for name, s := range map[string]string{
		"denial":  denialMessage(ref, []failure{f}, red),
		"warning": warning(f, red),
	} {
		if strings.Contains(s, "hunter2") || !strings.Contains(s, "******") {
			t.Errorf("%s does not mask the secret value: %s", name, s)
		}
	}
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"  plain text ":             "plain text",
		"two\nlines\tand  spaces\n": "two lines and spaces",
		"bell\x07 and \x1b[31mred":  "bell and [31mred",
		"naïve  café":               "naïve café",
	} {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
	if got := truncate("ééééé", 7); got != "éé..." || len(got) > 7 {
		t.Errorf("truncate = %q", got)
	}
	if got := truncate("short", 7); got != "short" {
		t.Errorf("truncate = %q", got)
	}
}

func TestClosed(t *testing.T) {
	h, _ := testHandler(t, "controls: [C-0057]", nil, nil)
	body, err := corpus.Review(decode(t, privilegedPod), admissionv1.Create, "u")
	if err != nil {
		t.Fatal(err)
	}
	if code, out := post(t, h, body); code != http.StatusOK {
		t.Fatalf("before Close: %d %s", code, out)
	}
	h.Close()
	h.Close()
	if code, out := post(t, h, body); code != http.StatusServiceUnavailable || !strings.Contains(string(out), "shutting down") {
		t.Errorf("after Close: %d %s, want 503", code, out)
	}
}
