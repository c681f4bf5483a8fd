// Package vap turns the library's controls into Kubernetes
// ValidatingAdmissionPolicies, so that the API server itself enforces them
// with no webhook.
//
// A control that can be decided from the admitted object alone (scope
// admission, and no related objects, or related objects it reads only to
// name them in its findings: relatedForContextOnly) may carry a cel.yaml
// beside its rule.rego: CEL variables and validations that reach the same
// verdict as the Rego rule. Load reads them; Generate builds, for the
// chosen controls, one ValidatingAdmissionPolicy per control (matching every
// kind the CEL covers, with the standard variables podSpec, podMeta,
// specPath and containers for pod workloads), one
// ValidatingAdmissionPolicyBinding per policy, and, when a control has
// inputs, the ControlConfiguration CRD and its default instance that the
// policies read as params.
//
// The Rego rule stays the source of truth: the package's tests evaluate
// every fixture of every translated control (and variations of them, and
// each pod fixture wrapped in every pod controller) through the Rego engine
// and through k8s.io/apiserver's own ValidatingAdmissionPolicy validator,
// and fail on any disagreement; they also compile every policy with the API
// server's CEL environment and check its cost against the API server's limits.
package vap
