// Package webhook is the admission webhook: an HTTPS server that answers the
// API server's AdmissionReview (admission.k8s.io/v1) requests for the
// CREATE and UPDATE of every kind some admission control reads, by
// evaluating the object with the same engine and the same Rego controls as
// 'kubectl kubescape scan'. A failing control denies the request, warns the
// client or annotates the audit log, as the policy says; the denial message
// names every denying control with its failing fields and remediation.
//
// Related objects that relational controls read come from the informer
// caches of the inventory package; the TLS key pair is reloaded without a
// restart (package certs); package install registers the webhook with the
// API server. The server exposes Prometheus metrics, /healthz and /readyz,
// and logs each decision with log/slog, never with object contents.
package webhook
