package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"

	"kubescape.io/kubescape/internal/engine"
	"kubescape.io/kubescape/internal/exception"
	"kubescape.io/kubescape/internal/redact"
	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/library"
	"kubescape.io/kubescape/webhook/inventory"
	"kubescape.io/kubescape/webhook/policy"
)

// DefaultMaxRequestBytes bounds an AdmissionReview body. The API server
// stores objects of at most 1.5 MiB by default (3 MiB requests); a review
// holds the object and, on UPDATE, the old one.
const DefaultMaxRequestBytes = 8 << 20

// Size limits of what the handler writes into responses: the API server
// drops or truncates longer warnings.
const (
	maxWarning         = 256
	maxAuditAnnotation = 1024
)

// Config configures a Handler.
type Config struct {
	// Engine evaluates the policy's controls; Sessions provide its current
	// session with the related objects.
	Engine   *engine.Engine
	Sessions inventory.Source
	Policy   *policy.Policy
	// Exceptions is the exceptions file, as for scans; nil for none.
	Exceptions *exception.Set
	// NamespaceLabels returns a namespace's labels, for exemptions by
	// namespace label; nil when the policy has none.
	NamespaceLabels func(ns string) (map[string]string, bool)
	// SensitiveNames are the key names whose values are masked in messages
	// (the sensitiveKeyNames input of the library).
	SensitiveNames []string
	// MaxRequestBytes bounds the request body; DefaultMaxRequestBytes when zero.
	MaxRequestBytes int64
	// Workers is how many evaluations run at once; twice GOMAXPROCS when
	// zero. Requests beyond wait their turn.
	Workers int
	Metrics *Metrics
	Log     *slog.Logger
}

// Handler answers AdmissionReview requests.
type Handler struct {
	cfg        Config
	kinds      map[string]bool
	exceptions atomic.Pointer[exception.Set]

	// Evaluations run on long-lived workers: Rego evaluation recurses
	// deeply, and a fresh goroutine per request (as HTTP/2 gives) would grow
	// its stack anew each time; the workers also bound the evaluations in
	// flight, and so the garbage, under a burst of requests.
	jobs      chan job
	closed    chan struct{}
	startOnce sync.Once
	closeOnce sync.Once
}

type job struct {
	ctx     context.Context
	session *engine.Session
	obj     *resource.Object
	out     chan []engine.Verdict
}

// NewHandler returns a handler for the configuration.
func NewHandler(cfg Config) *Handler {
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, kinds: map[string]bool{}}
	for _, k := range cfg.Policy.Kinds() {
		h.kinds[k] = true
	}
	if h.cfg.Workers <= 0 {
		h.cfg.Workers = 2 * runtime.GOMAXPROCS(0)
	}
	h.jobs = make(chan job)
	h.closed = make(chan struct{})
	h.exceptions.Store(cfg.Exceptions)
	return h
}

// NewEngine compiles the controls of the webhook's policy. Each object's
// controls are evaluated as GOMAXPROCS queries running concurrently: an
// admission request waits for one object, so its latency drops with the
// cores an idle webhook has.
func NewEngine(lib *library.Library, controls []*library.Control, inputs map[string]any) (*engine.Engine, error) {
	eng, err := engine.New(lib, controls, inputs)
	if err != nil {
		return nil, err
	}
	eng.SplitQueries(runtime.GOMAXPROCS(0))
	return eng, nil
}

// ErrClosed is returned for requests that arrive after Close.
var ErrClosed = errors.New("the webhook is shutting down")

// Close stops the evaluation workers; evaluations under way finish, and
// requests still waiting for a worker get ErrClosed.
func (h *Handler) Close() {
	h.closeOnce.Do(func() { close(h.closed) })
}

// evaluate runs the object through the session on a worker.
func (h *Handler) evaluate(ctx context.Context, s *engine.Session, obj *resource.Object) ([]engine.Verdict, error) {
	h.startOnce.Do(func() {
		for range h.cfg.Workers {
			go func() {
				for {
					select {
					case j := <-h.jobs:
						j.out <- j.session.Evaluate(j.ctx, j.obj)
					case <-h.closed:
						return
					}
				}
			}()
		}
	})
	out := make(chan []engine.Verdict, 1)
	select {
	case h.jobs <- job{ctx: ctx, session: s, obj: obj, out: out}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-h.closed:
		return nil, ErrClosed
	}
	return <-out, nil
}

// SetExceptions replaces the exceptions file in force (after a reload).
func (h *Handler) SetExceptions(s *exception.Set) { h.exceptions.Store(s) }

// errorBody is the JSON body of a refused request.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(errorBody{Error: msg})
}

// ServeHTTP reads an AdmissionReview and writes the review with its response.
// A request that is not a well-formed AdmissionReview gets 400 (405 for a
// method other than POST, 415 for a body that is not JSON) and a JSON error;
// the API server then applies the webhook's failurePolicy.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		h.cfg.Metrics.bad("method")
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: POST an admission.k8s.io/v1 AdmissionReview")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			h.cfg.Metrics.bad("content_type")
			writeError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q: want application/json", ct))
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxRequestBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.cfg.Metrics.bad("too_large")
			writeError(w, http.StatusBadRequest, fmt.Sprintf("request body larger than %d bytes", h.cfg.MaxRequestBytes))
			return
		}
		h.cfg.Metrics.bad("malformed")
		writeError(w, http.StatusBadRequest, "read request body: "+err.Error())
		return
	}
	review, err := decodeReview(body)
	if err != nil {
		h.cfg.Metrics.bad("malformed")
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	resp, err := h.Review(r.Context(), review.Request)
	var malformed *MalformedError
	if errors.As(err, &malformed) {
		h.cfg.Metrics.bad("malformed")
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil {
		reason := "cancelled"
		if errors.Is(err, ErrNotReady) || errors.Is(err, ErrClosed) {
			reason = "not_ready"
		}
		h.cfg.Metrics.bad(reason)
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	out, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "AdmissionReview"},
		Response: resp,
	})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encode response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// decodeReview checks that the body is an admission.k8s.io/v1 AdmissionReview
// with a request. It decodes as the API server does: field names are case
// sensitive and nothing may follow the JSON value.
func decodeReview(body []byte) (*admissionv1.AdmissionReview, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("empty body: POST an admission.k8s.io/v1 AdmissionReview")
	}
	var review admissionv1.AdmissionReview
	if err := kjson.UnmarshalCaseSensitivePreserveInts(body, &review); err != nil {
		return nil, fmt.Errorf("decode AdmissionReview: %s", jsonError(err))
	}
	if review.APIVersion != admissionv1.SchemeGroupVersion.String() || review.Kind != "AdmissionReview" {
		return nil, fmt.Errorf("got apiVersion %q kind %q: want admission.k8s.io/v1 AdmissionReview (set admissionReviewVersions: [v1])", review.APIVersion, review.Kind)
	}
	if review.Request == nil {
		return nil, errors.New("AdmissionReview has no request")
	}
	if review.Request.UID == "" {
		return nil, errors.New("AdmissionReview request has no uid")
	}
	return &review, nil
}

// jsonError keeps a decoding error short and free of the body's content:
// the decoder's messages name a character, an offset, a field and a type.
func jsonError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if strings.Contains(msg, "unexpected end of JSON input") {
		return "truncated JSON"
	}
	return truncate(oneLine(msg), 200)
}

// ErrNotReady is returned while no evaluation session is built yet.
var ErrNotReady = errors.New("the webhook is starting: related objects are not cached yet")

// MalformedError is returned for a request whose object is not a JSON object.
type MalformedError struct{ err error }

func (e *MalformedError) Error() string { return e.err.Error() }
func (e *MalformedError) Unwrap() error { return e.err }

// Review decides one admission request. It returns an error when it cannot
// decide: a MalformedError for an object that does not decode (the server
// answers 400), ErrNotReady before the caches are synced, or the context's
// error when the caller gave up (503); the API server then applies the
// failurePolicy.
func (h *Handler) Review(ctx context.Context, req *admissionv1.AdmissionRequest) (*admissionv1.AdmissionResponse, error) {
	start := time.Now()
	op := string(req.Operation)
	dryRun := req.DryRun != nil && *req.DryRun
	resp := &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}
	kindLabel := "other"
	if h.kinds[req.Kind.Kind] {
		kindLabel = req.Kind.Kind
	}
	done := func(decision string) (*admissionv1.AdmissionResponse, error) {
		h.cfg.Metrics.request(op, kindLabel, decision, dryRun, time.Since(start))
		return resp, nil
	}
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return done("skipped")
	}
	// Only the object itself, and the ephemeral containers a debug session
	// adds to a Pod, are evaluated: status, scale and other subresources
	// change nothing a control reads.
	if req.SubResource != "" && req.SubResource != "ephemeralcontainers" {
		return done("skipped")
	}
	if !h.kinds[req.Kind.Kind] {
		return done("skipped")
	}
	content, err := decodeObject(req.Object.Raw)
	if err != nil {
		// The API server always sends the object as a JSON object.
		return nil, &MalformedError{err: err}
	}
	fillIdentity(content, req)
	obj := &resource.Object{Content: content, Origin: resource.Origin{Kind: resource.OriginCluster}}
	ref := obj.Ref()
	log := h.cfg.Log.With("uid", string(req.UID), "operation", op, "kind", ref.Kind, "namespace", ref.Namespace, "name", ref.Name, "user", req.UserInfo.Username, "dryRun", dryRun)

	var nsLabels map[string]string
	if h.cfg.NamespaceLabels != nil && h.cfg.Policy.NeedsNamespaceLabels() {
		nsLabels, _ = h.cfg.NamespaceLabels(req.Namespace)
	}
	why, ok := h.cfg.Policy.ExemptUser(req.UserInfo.Username)
	if !ok {
		why, ok = h.cfg.Policy.Exempt(req.Namespace, nsLabels, obj.Labels())
	}
	if ok {
		log.Debug("exempt", "reason", why)
		return done("exempt")
	}
	session := h.cfg.Sessions.Session()
	if session == nil {
		return nil, ErrNotReady
	}
	verdicts, err := h.evaluate(ctx, session, obj)
	if err == nil {
		err = ctx.Err()
	}
	if errors.Is(err, ErrClosed) {
		return nil, err
	}
	if err != nil {
		// The API server gave up waiting: its failurePolicy decides.
		return nil, fmt.Errorf("evaluation cancelled: %w", err)
	}
	d := h.decide(obj, ref, verdicts)
	if len(d.failures) == 0 && len(d.errors) == 0 {
		log.Debug("allowed", "excepted", d.excepted, "took", time.Since(start).String())
		for _, id := range d.excepted {
			h.cfg.Metrics.decision(id, "excepted")
		}
		return done("allowed")
	}
	red := h.redactor(ref.Kind, content)
	var denied, warned, audited []string
	var denials []failure
	for _, f := range d.failures {
		h.cfg.Metrics.decision(f.control.ID, string(f.action))
		if resp.AuditAnnotations == nil {
			resp.AuditAnnotations = map[string]string{}
		}
		resp.AuditAnnotations[f.control.ID] = truncate(string(f.action)+": "+red.String(findingsText(f.findings)), maxAuditAnnotation)
		switch f.action {
		case policy.Deny:
			denied = append(denied, f.control.ID)
			denials = append(denials, f)
		case policy.Warn:
			warned = append(warned, f.control.ID)
			resp.Warnings = append(resp.Warnings, warning(f, red))
		case policy.Audit:
			audited = append(audited, f.control.ID)
		}
	}
	for _, id := range d.excepted {
		h.cfg.Metrics.decision(id, "excepted")
	}
	var broken []string
	for _, e := range d.errors {
		h.cfg.Metrics.decision(e.control.ID, "error")
		broken = append(broken, e.control.ID)
		log.Warn("control not evaluated", "control", e.control.ID, "error", red.String(e.err.Error()))
		resp.Warnings = append(resp.Warnings, truncate(fmt.Sprintf("[%s] %s: could not be evaluated; the webhook admitted the request for this control", e.control.ID, e.control.Name), maxWarning))
	}
	decision := "allowed"
	if len(denials) > 0 {
		decision = "denied"
		resp.Allowed = false
		resp.Result = &metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    http.StatusForbidden,
			Reason:  metav1.StatusReasonForbidden,
			Message: denialMessage(ref, denials, red),
		}
	}
	log.Info(decision, "denied", denied, "warned", warned, "audited", audited, "excepted", d.excepted, "errors", broken, "took", time.Since(start).String())
	return done(decision)
}

// failure is a failing control and what the policy makes of it.
type failure struct {
	control  *library.Control
	action   policy.Action
	findings []engine.Finding
}

type controlError struct {
	control *library.Control
	err     error
}

type decision struct {
	failures []failure
	excepted []string
	errors   []controlError
}

func (h *Handler) decide(obj *resource.Object, ref resource.Ref, verdicts []engine.Verdict) decision {
	var d decision
	exceptions := h.exceptions.Load()
	for _, v := range verdicts {
		a := h.cfg.Policy.Action(v.Control.ID)
		if a == policy.Off {
			continue
		}
		if v.Err != nil {
			d.errors = append(d.errors, controlError{control: v.Control, err: v.Err})
			continue
		}
		if !v.Failed() {
			continue
		}
		if h.cfg.Policy.AnnotationExceptions() {
			if _, ok := exception.FromAnnotations(obj.Annotations(), v.Control.ID); ok {
				d.excepted = append(d.excepted, v.Control.ID)
				continue
			}
		}
		if _, ok := exceptions.Match(ref, obj.Labels(), v.Control.ID, v.Control.Frameworks); ok {
			d.excepted = append(d.excepted, v.Control.ID)
			continue
		}
		if reviewOnly(v.Findings) {
			a = a.Weaker(h.cfg.Policy.ReviewAction())
		}
		d.failures = append(d.failures, failure{control: v.Control, action: a, findings: v.Findings})
	}
	sort.Slice(d.failures, func(i, j int) bool { return d.failures[i].control.ID < d.failures[j].control.ID })
	return d
}

// reviewOnly reports whether every finding names review paths and none a
// failed path: the rule asks for a review rather than reporting a violation.
func reviewOnly(findings []engine.Finding) bool {
	for _, f := range findings {
		if len(f.FailedPaths) > 0 || len(f.ReviewPaths) == 0 {
			return false
		}
	}
	return len(findings) > 0
}

// redactor masks the admitted object's secret values (Secret data, env
// values and ConfigMap keys with sensitive names) in what the response says.
func (h *Handler) redactor(kind string, content map[string]any) *redact.Redactor {
	c := redact.NewCollector(h.cfg.SensitiveNames)
	c.Add(kind, content)
	return c.Redactor()
}

// denialMessage lists every denying control: its ID, name and severity, each
// finding with its failing fields, and the remediation.
func denialMessage(ref resource.Ref, denials []failure, red *redact.Redactor) string {
	var b strings.Builder
	noun := "control"
	if len(denials) > 1 {
		noun = "controls"
	}
	fmt.Fprintf(&b, "kubescape: %s %s violates %d %s:", ref.Kind, refName(ref), len(denials), noun)
	for _, f := range denials {
		fmt.Fprintf(&b, "\n[%s] %s (severity %s)", f.control.ID, f.control.Name, f.control.Severity)
		for _, fd := range f.findings {
			b.WriteString("\n  - ")
			b.WriteString(red.String(oneLine(fd.Message)))
			if fields := append(append([]string{}, fd.FailedPaths...), fd.ReviewPaths...); len(fields) > 0 {
				b.WriteString(" (field: ")
				b.WriteString(strings.Join(fields, ", "))
				b.WriteString(")")
			}
			for _, fx := range fd.FixPaths {
				if fx.Value != "" {
					fmt.Fprintf(&b, " (fix: set %s to %s)", fx.Path, red.String(fx.Value))
				}
			}
		}
		b.WriteString("\n  Remediation: ")
		b.WriteString(oneLine(f.control.Remediation))
	}
	return b.String()
}

// warning is one line per warned control, as kubectl prints it after "Warning: ".
func warning(f failure, red *redact.Redactor) string {
	s := fmt.Sprintf("[%s] %s: %s", f.control.ID, f.control.Name, red.String(findingsText(f.findings)))
	return truncate(s, maxWarning)
}

func findingsText(findings []engine.Finding) string {
	parts := make([]string, 0, len(findings))
	for _, fd := range findings {
		s := oneLine(fd.Message)
		if len(fd.FailedPaths) > 0 {
			s += " (" + strings.Join(fd.FailedPaths, ", ") + ")"
		} else if len(fd.ReviewPaths) > 0 {
			s += " (" + strings.Join(fd.ReviewPaths, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func refName(r resource.Ref) string {
	if r.Namespace == "" {
		return r.Name
	}
	return r.Namespace + "/" + r.Name
}

// oneLine folds whitespace runs (newlines included) into single spaces and
// drops other control characters.
func oneLine(s string) string {
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		c := s[i]
		doubleSpace := c == ' ' && i+1 < len(s) && s[i+1] == ' '
		clean = c >= ' ' && c < 0x7f && !doubleSpace
	}
	if clean {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsSpace(r):
			space = true
		case unicode.IsControl(r):
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("...")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// decodeObject decodes the admitted object with numbers as int64 when
// integral and float64 otherwise, as the scan's sources do.
func decodeObject(raw []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("request.object is missing: a CREATE or UPDATE review carries the object")
	}
	var m map[string]any
	if err := kjson.UnmarshalCaseSensitivePreserveInts(raw, &m); err != nil {
		return nil, fmt.Errorf("decode request.object: %s", jsonError(err))
	}
	if m == nil {
		return nil, errors.New("request.object is null")
	}
	return m, nil
}

// fillIdentity completes what the API server has not yet set on a new
// object: its namespace (from the request path), its name (a generateName
// prefix), and its kind and apiVersion.
func fillIdentity(content map[string]any, req *admissionv1.AdmissionRequest) {
	if s, _ := content["kind"].(string); s == "" {
		content["kind"] = req.Kind.Kind
	}
	if s, _ := content["apiVersion"].(string); s == "" {
		gv := req.Kind.Version
		if req.Kind.Group != "" {
			gv = req.Kind.Group + "/" + gv
		}
		content["apiVersion"] = gv
	}
	md, ok := content["metadata"].(map[string]any)
	if !ok {
		md = map[string]any{}
		content["metadata"] = md
	}
	if ns, _ := md["namespace"].(string); ns == "" && req.Namespace != "" {
		md["namespace"] = req.Namespace
	}
	if name, _ := md["name"].(string); name == "" {
		switch {
		case req.Name != "":
			md["name"] = req.Name
		default:
			gen, _ := md["generateName"].(string)
			md["name"] = gen
		}
	}
}
