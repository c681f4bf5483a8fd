package report

import (
	"cmp"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"

	"kubescape.io/kubescape/internal/result"
)

var csvHeader = []string{
	"control_id", "control_name", "severity", "status",
	"kind", "namespace", "name", "file", "line", "message", "reason",
}

// writeCSV writes one RFC 4180 row per result, passed ones included, by
// resource then control ID.
func writeCSV(w io.Writer, r *result.Report, _ Options) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	index := controlIndex(r)
	for i := range r.Resources {
		res := &r.Resources[i]
		row := func(id string, st result.Status, line int, msg, why string) []string {
			c := index[id]
			l := ""
			if line > 0 {
				l = strconv.Itoa(line)
			}
			return []string{
				id, c.Name, string(c.Severity), string(st),
				res.Ref.Kind, res.Ref.Namespace, res.Ref.Name, res.Origin.Path, l, msg, why,
			}
		}
		results := res.Results()
		rows := make([][]string, 0, len(res.Passed)+len(results))
		for _, id := range res.Passed {
			rows = append(rows, row(id, result.StatusPassed, res.Origin.Line, "", ""))
		}
		for j := range results {
			cr := &results[j]
			rows = append(rows, row(cr.ControlID, cr.Status, hit{res, cr}.line(), strings.Join(messages(cr), "\n"), reason(cr)))
		}
		slices.SortStableFunc(rows, func(a, b []string) int { return cmp.Compare(a[0], b[0]) })
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
