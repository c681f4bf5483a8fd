package report

import (
	_ "embed"
	"encoding/json"
	"io"

	"kubescape.io/kubescape/internal/result"
)

//go:embed schema/report.schema.json
var reportSchema []byte

// JSONSchema returns the JSON Schema (draft 2020-12) of the json format.
func JSONSchema() []byte {
	return append([]byte(nil), reportSchema...)
}

// writeJSON writes the Report as indented JSON. Lists are always arrays,
// never null, so consumers need not tell an empty list from a missing one.
func writeJSON(w io.Writer, r *result.Report, _ Options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(normalized(r))
}

// normalized returns a copy of r with nil lists and maps made empty and the
// schema version set.
func normalized(r *result.Report) *result.Report {
	out := *r
	if out.SchemaVersion == "" {
		out.SchemaVersion = result.SchemaVersion
	}
	out.Targets = nonNil(out.Targets)
	if out.Summary.FailedBySeverity == nil {
		out.Summary.FailedBySeverity = map[result.Severity]int{}
	}
	out.Frameworks = nonNil(out.Frameworks)
	for i := range out.Frameworks {
		out.Frameworks[i].Controls = nonNil(out.Frameworks[i].Controls)
	}
	out.Controls = nonNil(out.Controls)
	for i := range out.Controls {
		out.Controls[i].Frameworks = nonNil(out.Controls[i].Frameworks)
	}
	out.Resources = nonNil(out.Resources)
	for i := range out.Resources {
		res := &out.Resources[i]
		res.Passed = nonNil(res.Passed)
		res.Results = nonNil(res.Results)
		for j := range res.Results {
			res.Results[j].Findings = nonNil(res.Results[j].Findings)
		}
	}
	out.Unreadable = nonNil(out.Unreadable)
	out.ExpiredExceptions = nonNil(out.ExpiredExceptions)
	return &out
}

// nonNil returns a copy of s, empty rather than nil, so that changes to the
// copy leave the caller's Report alone.
func nonNil[T any](s []T) []T {
	return append(make([]T, 0, len(s)), s...)
}
