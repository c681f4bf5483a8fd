// Package registry is the results.kubescape.io/v1beta1 API group of the
// storage server: one generic registry store per kind on the shared SQLite
// store, a strategy that differs between kinds only by the resource table
// (scope, status subresource, validation, size limit, `kubectl get`
// columns), the computed per-namespace ConfigurationScanSummary, and the
// retention of RuntimeAlerts.
package registry
