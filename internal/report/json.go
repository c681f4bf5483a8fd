package report

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"

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
	return writeSpliced(w, n, `"resources": []`, 1, len(resources), func(i int) (any, error) {
		return &resources[i], nil
	})
}

// writeSpliced writes doc as indented JSON with the elements of one of its
// arrays encoded one at a time: doc holds that array empty, as field (its
// name and "[]"), at the given depth, and elem returns its i-th element of
// n. The output is what encoding doc with its array full would give; an
// empty array cannot be told from one in a string, where quotes and line
// breaks are escaped.
func writeSpliced(w io.Writer, doc any, field string, depth, n int, elem func(i int) (any, error)) error {
	enc, err := indented(doc, "")
	if err != nil {
		return err
	}
	outer := "\n" + strings.Repeat("  ", depth)
	marker := []byte(outer + field)
	at := bytes.Index(enc, marker)
	if at < 0 || bytes.Count(enc, marker) != 1 {
		return fmt.Errorf("json: want one empty array %s at depth %d in the encoded document", field, depth)
	}
	split := at + len(marker) - 1 // before the closing bracket
	bw := bufio.NewWriterSize(w, 64<<10)
	// A bufio.Writer keeps its first error: checking the last write and
	// the flush is enough.
	_, _ = bw.Write(enc[:split])
	inner := outer + "  "
	for i := range n {
		v, err := elem(i)
		if err != nil {
			return err
		}
		b, err := indented(v, inner[1:])
		if err != nil {
			return err
		}
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		_, _ = bw.WriteString(inner)
		_, _ = bw.Write(b)
	}
	if n > 0 {
		_, _ = bw.WriteString(outer)
	}
	_, _ = bw.Write(enc[split:])
	if err := bw.WriteByte('\n'); err != nil {
		return err
	}
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
