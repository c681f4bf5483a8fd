package vulnreport

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"kubescape.io/kubescape/internal/result"
)

// Options tune how a report is written.
type Options struct {
	// Color adds ANSI colours to the pretty format.
	Color bool
	// ShowSuppressed lists the suppressed findings, with the reason, in the pretty format.
	ShowSuppressed bool
}

var formats = []string{"pretty", "json", "sarif", "cyclonedx"}

// Formats lists the report formats.
func Formats() []string { return slices.Clone(formats) }

// Extension is the file extension of a format.
func Extension(format string) string {
	switch format {
	case "pretty":
		return ".txt"
	case "sarif":
		return ".sarif"
	case "cyclonedx":
		return ".cdx.json"
	}
	return ".json"
}

// Write writes the report in the format.
func Write(w io.Writer, format string, r *Report, opts Options) error {
	r = r.normalized()
	switch format {
	case "pretty":
		return writePretty(w, r, opts)
	case "json":
		return writeJSON(w, r)
	case "sarif":
		return writeSARIF(w, r)
	case "cyclonedx":
		return writeCycloneDX(w, r)
	}
	return fmt.Errorf("unknown report format %q", format)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// normalized returns a copy of the report whose lists are never null in JSON.
func (r *Report) normalized() *Report {
	n := *r
	n.Images = slices.Clone(r.Images)
	if n.Images == nil {
		n.Images = []Image{}
	}
	if n.Failed == nil {
		n.Failed = []ImageError{}
	}
	if n.ExpiredRules == nil {
		n.ExpiredRules = []result.ExceptionRef{}
	}
	for i := range n.Images {
		img := &n.Images[i]
		img.Findings = slices.Clone(img.Findings)
		if img.Findings == nil {
			img.Findings = []Finding{}
		}
		for j := range img.Findings {
			if img.Findings[j].FixedIn == nil {
				img.Findings[j].FixedIn = []string{}
			}
		}
	}
	return &n
}
