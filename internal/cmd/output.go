package cmd

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"
)

// writeReports writes a report in each format: to out when output is empty
// (one format), to the file output names (one format), or as report.<ext>
// files in the directory output names. render writes one format; color
// says whether the pretty format may colour: on out as --color and the
// terminal decide, in files only with --color always.
func writeReports(out io.Writer, output, colorFlag string, formats []string, ext func(string) string, render func(w io.Writer, format string, color bool) error) error {
	if output == "" {
		return render(out, formats[0], useColor(colorFlag, out))
	}
	color := colorFlag == "always"
	if len(formats) == 1 && !isDir(output) {
		return writeTo(output, func(w io.Writer) error { return render(w, formats[0], color) })
	}
	if err := os.MkdirAll(output, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	for _, f := range formats {
		if err := writeTo(filepath.Join(output, "report"+ext(f)), func(w io.Writer) error { return render(w, f, color) }); err != nil {
			return err
		}
	}
	return nil
}

// writeTo creates the file and writes it.
func writeTo(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return (err == nil && st.IsDir()) || strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(os.PathSeparator))
}

// validateColor checks a --color value.
func validateColor(flag string) error {
	switch flag {
	case "auto", "always", "never":
		return nil
	}
	return usageError("--color %q: want auto, always or never", flag)
}

// useColor says whether to colour w: --color always or never, else (auto)
// on a terminal unless NO_COLOR is set.
func useColor(flag string, w io.Writer) bool {
	switch flag {
	case "always":
		return true
	case "never":
		return false
	}
	return os.Getenv("NO_COLOR") == "" && isTerminal(w)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
