package report

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
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
// Resources are encoded one at a time, so that the report of a large scan
// (500 MB of JSON for 50,000 objects) is never held whole in memory.
func writeJSON(w io.Writer, r *result.Report, _ Options) error {
	n := normalized(r)
	resources := n.Resources
	n.Resources = []result.Resource{}
	doc, err := indented(n, "")
	if err != nil {
		return err
	}
	// The report without resources holds their field once, as an empty
	// array at the first level; in a string the quotes would be escaped.
	const field = "\n  \"resources\": []"
	at := bytes.Index(doc, []byte(field))
	if at < 0 {
		return errors.New("json: the resources field is missing from the encoded report")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(doc[:at+len(field)-1])
	for i := range resources {
		if i > 0 {
			bw.WriteByte(',')
		}
		b, err := indented(&resources[i], "    ")
		if err != nil {
			return fmt.Errorf("json: %s: %w", resources[i].Ref, err)
		}
		bw.WriteString("\n    ")
		bw.Write(b)
	}
	if len(resources) > 0 {
		bw.WriteString("\n  ")
	}
	bw.Write(doc[at+len(field)-1:])
	bw.WriteByte('\n')
	return bw.Flush()
}

// indented encodes v as the report's encoder would at the given prefix:
// indented by two spaces, HTML characters left alone, no final newline.
func indented(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// normalized returns a copy of r with nil lists and maps made empty and the
// schema version set. (Resources write their own lists as arrays.)
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
	out.Unreadable = nonNil(out.Unreadable)
	out.ExpiredExceptions = nonNil(out.ExpiredExceptions)
	return &out
}

// nonNil returns a copy of s, empty rather than nil, so that changes to the
// copy leave the caller's Report alone.
func nonNil[T any](s []T) []T {
	return append(make([]T, 0, len(s)), s...)
}
