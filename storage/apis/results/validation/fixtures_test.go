package validation

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"kubescape.io/kubescape/storage/apis/results/resultstest"
)

// The valid objects the tests break one rule at a time.
var (
	validApplicationProfile               = resultstest.ApplicationProfile
	validNetworkNeighborhood              = resultstest.NetworkNeighborhood
	validSeccompProfile                   = resultstest.SeccompProfile
	validSBOM                             = resultstest.SBOM
	validFilteredSBOM                     = resultstest.FilteredSBOM
	validVulnerabilityManifest            = resultstest.VulnerabilityManifest
	validVulnerabilityManifestSummary     = resultstest.VulnerabilityManifestSummary
	validVEX                              = resultstest.OpenVulnerabilityExchangeContainer
	validWorkloadConfigurationScan        = resultstest.WorkloadConfigurationScan
	validWorkloadConfigurationScanSummary = resultstest.WorkloadConfigurationScanSummary
	validConfigurationScanSummary         = resultstest.ConfigurationScanSummary
	validGeneratedNetworkPolicy           = resultstest.GeneratedNetworkPolicy
	validKnownServer                      = resultstest.KnownServer
	validRuntimeAlert                     = resultstest.RuntimeAlert

	t0, t1  = resultstest.T0, resultstest.T1
	digest2 = resultstest.Digest2
)

// errorCase is one broken rule: a change to a valid object and the error
// it must cause.
type errorCase[T any] struct {
	name   string
	mutate func(T)
	field  string
	typ    field.ErrorType
}

// runErrorCases checks that the valid object passes and that each case
// fails with an error of the expected type at the expected field, and
// with no error elsewhere (each case breaks one rule).
func runErrorCases[T any](t *testing.T, valid func() T, validate func(T) field.ErrorList, cases []errorCase[T]) {
	t.Helper()
	if errs := validate(valid()); len(errs) != 0 {
		t.Fatalf("the valid object fails: %v", errs)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := valid()
			tc.mutate(obj)
			expectError(t, validate(obj), tc.field, tc.typ)
		})
	}
}

func expectError(t *testing.T, errs field.ErrorList, path string, typ field.ErrorType) {
	t.Helper()
	if len(errs) == 0 {
		t.Fatalf("no error, want %s at %s", typ, path)
	}
	found := false
	for _, err := range errs {
		if err.Field != path {
			t.Errorf("unexpected error at %s: %v (want only errors at %s)", err.Field, err, path)
		}
		if err.Field == path && err.Type == typ {
			found = true
		}
	}
	if !found {
		t.Errorf("no %s error at %s; got %v", typ, path, errs)
	}
}

func ptrTo[T any](v T) *T { return &v }
