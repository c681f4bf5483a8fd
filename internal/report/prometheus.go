package report

import (
	"io"
	"strconv"
	"strings"

	"kubescape.io/kubescape/internal/result"
)

// writePrometheus writes the scores and counts in the Prometheus text
// exposition format (version 0.0.4), for a node exporter textfile collector
// or a push gateway. Every metric is a gauge: a report is a snapshot.
func writePrometheus(w io.Writer, r *result.Report, _ Options) error {
	var b strings.Builder
	family := func(name, help string) {
		b.WriteString("# HELP " + name + " " + help + "\n")
		b.WriteString("# TYPE " + name + " gauge\n")
	}
	sample := func(name string, value float64, labels ...string) {
		b.WriteString(name)
		if len(labels) > 0 {
			b.WriteByte('{')
			for i := 0; i+1 < len(labels); i += 2 {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(labels[i] + `="` + labelValue.Replace(labels[i+1]) + `"`)
			}
			b.WriteByte('}')
		}
		b.WriteString(" " + strconv.FormatFloat(value, 'g', -1, 64) + "\n")
	}

	family("kubescape_score", "Overall compliance score of the scan, 0-100.")
	sample("kubescape_score", r.Summary.Score)

	family("kubescape_framework_score", "Compliance score of a framework, 0-100.")
	for _, f := range r.Frameworks {
		sample("kubescape_framework_score", f.Score, "framework", f.Name)
	}

	family("kubescape_control_score", "Compliance score of a control, 0-100; absent for a skipped control, which has none.")
	for _, c := range r.Controls {
		if c.Status == result.StatusSkipped {
			continue
		}
		sample("kubescape_control_score", c.Score, "control", c.ID, "name", c.Name, "severity", string(c.Severity))
	}

	family("kubescape_control_results", "Results of a control on resources, by status.")
	for _, c := range r.Controls {
		for _, st := range statuses {
			sample("kubescape_control_results", float64(countOf(c.Counts, st)), "control", c.ID, "status", string(st))
		}
	}

	family("kubescape_resources_total", "Number of resources evaluated.")
	sample("kubescape_resources_total", float64(r.Summary.Resources))

	family("kubescape_failed_resources", "Number of resources that failed at least one control.")
	sample("kubescape_failed_resources", float64(r.Summary.FailedResources))

	family("kubescape_unreadable_inputs", "Number of inputs, or documents in them, that could not be read or were passed over.")
	sample("kubescape_unreadable_inputs", float64(len(r.Unreadable)))

	family("kubescape_expired_exceptions", "Number of exceptions that no longer apply because they expired.")
	sample("kubescape_expired_exceptions", float64(len(r.ExpiredExceptions)))

	_, err := io.WriteString(w, b.String())
	return err
}

// labelValue escapes a label value as the text format requires.
var labelValue = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
