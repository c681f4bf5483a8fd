package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"kubescape.io/kubescape/internal/result"
)

// Options tune the human formats.
type Options struct {
	// Color turns on ANSI colour (the CLI sets it only on a TTY).
	Color bool
	// Verbose makes pretty list every resource with its result for each control.
	Verbose bool
	// TopResources is how many failing resources pretty shows per control (5 when 0 or less).
	TopResources int
}

// DefaultTopResources is the number of failing resources pretty shows per control by default.
const DefaultTopResources = 5

func (o Options) topResources() int {
	if o.TopResources <= 0 {
		return DefaultTopResources
	}
	return o.TopResources
}

type format struct {
	ext   string
	write func(w io.Writer, r *result.Report, opts Options) error
}

var formats = map[string]format{
	"csv":        {".csv", writeCSV},
	"html":       {".html", writeHTML},
	"json":       {".json", writeJSON},
	"junit":      {".xml", writeJUnit},
	"markdown":   {".md", writeMarkdown},
	"pretty":     {".txt", writePretty},
	"prometheus": {".prom", writePrometheus},
	"sarif":      {".sarif", writeSARIF},
}

// Formats returns the names of all formats, sorted.
func Formats() []string {
	names := make([]string, 0, len(formats))
	for name := range formats {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Write renders r in the named format to w. An unknown format is an error that lists the known ones.
func Write(w io.Writer, format string, r *result.Report, opts Options) error {
	f, ok := formats[format]
	if !ok {
		return fmt.Errorf("unknown report format %q: use one of %s", format, strings.Join(Formats(), ", "))
	}
	if r == nil {
		r = &result.Report{}
	}
	if err := f.write(w, r, opts); err != nil {
		return fmt.Errorf("write %s: %w", format, err)
	}
	return nil
}

// Extension returns the file extension for a format, with its dot (json -> ".json"), or "" for an unknown format.
func Extension(format string) string {
	return formats[format].ext
}
