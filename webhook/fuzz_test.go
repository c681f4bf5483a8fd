package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	kjson "sigs.k8s.io/json"

	"kubescape.io/kubescape/webhook/corpus"
	"kubescape.io/kubescape/webhook/inventory"
)

// FuzzHandler posts arbitrary bodies to the handler: it must never panic,
// must answer 200 with an AdmissionReview that carries the request's uid,
// or 400 with a JSON error, and a denial must carry a message. The seed
// corpus (testdata/fuzz/FuzzHandler) holds reviews of fixture objects,
// truncated and malformed bodies, and odd JSON.
func FuzzHandler(f *testing.F) {
	h, _ := testHandler(f, "", nil, nil)
	h.cfg.MaxRequestBytes = 1 << 20
	// Prepare every kind's query now, not in the first inputs of each worker.
	inventory.Warm(f.Context(), h.cfg.Sessions.Session(), h.cfg.Policy.Kinds())
	for _, obj := range []string{privilegedPod, compliantDeployment} {
		body, err := corpus.Review(decode(f, obj), admissionv1.Create, "seed")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
		f.Add(body[:len(body)/3])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, ValidatePath, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			var in, out admissionv1.AdmissionReview
			if err := kjson.UnmarshalCaseSensitivePreserveInts(body, &in); err != nil {
				t.Fatalf("200 for a body that does not decode: %v", err)
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Response == nil {
				t.Fatalf("200 without an AdmissionReview response: %v %s", err, rec.Body.Bytes())
			}
			if out.Response.UID != in.Request.UID {
				t.Fatalf("response uid %q, request uid %q", out.Response.UID, in.Request.UID)
			}
			if !out.Response.Allowed && (out.Response.Result == nil || out.Response.Result.Message == "") {
				t.Fatalf("denied without a message: %s", rec.Body.Bytes())
			}
		case http.StatusBadRequest:
			var e errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("400 without a JSON error: %s", rec.Body.Bytes())
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body.Bytes())
		}
	})
}
