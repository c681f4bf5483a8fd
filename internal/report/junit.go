package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"kubescape.io/kubescape/internal/result"
)

type junitSuites struct {
	XMLName   xml.Name     `xml:"testsuites"`
	Name      string       `xml:"name,attr"`
	Tests     int          `xml:"tests,attr"`
	Failures  int          `xml:"failures,attr"`
	Errors    int          `xml:"errors,attr"`
	Skipped   int          `xml:"skipped,attr"`
	Timestamp string       `xml:"timestamp,attr,omitempty"`
	Suites    []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitMessage `xml:"failure"`
	Skipped   *junitMessage `xml:"skipped"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes a testsuite per control and a testcase per result on a
// resource: failures carry the findings with file:line, excepted and
// skipped results are skipped testcases, passed resources are plain
// testcases. A control skipped as a whole is one skipped testcase. The tests
// attribute counts the testcases, skipped ones included, as JUnit readers expect.
func writeJUnit(w io.Writer, r *result.Report, _ Options) error {
	hits, _ := hitsByControl(r, 0)
	passed := map[string][]*result.Resource{}
	for i := range r.Resources {
		for _, id := range r.Resources[i].Passed {
			passed[id] = append(passed[id], &r.Resources[i])
		}
	}
	ts := ""
	if !r.GeneratedAt.IsZero() {
		ts = r.GeneratedAt.UTC().Format("2006-01-02T15:04:05")
	}
	out := junitSuites{Name: "kubescape", Timestamp: ts}
	if r.Tool.Name != "" {
		out.Name = r.Tool.Name
	}
	for _, c := range r.Controls {
		s := junitSuite{
			Name:      c.ID + " " + c.Name,
			Timestamp: ts,
			Properties: []junitProperty{
				{"control", c.ID},
				{"severity", string(c.Severity)},
				{"status", string(c.Status)},
				{"score", strconv.FormatFloat(c.Score, 'f', -1, 64)},
				{"frameworks", strings.Join(c.Frameworks, ",")},
			},
		}
		if c.SkipReason != "" {
			s.Properties = append(s.Properties, junitProperty{"skipReason", c.SkipReason})
		}
		for _, h := range hits[c.ID][result.StatusFailed] {
			tc := junitTestcase(c, h.res, h.line())
			msg := strings.Join(messages(h.cr), "; ")
			if msg == "" {
				msg = "failed"
			}
			tc.Failure = &junitMessage{Message: msg, Type: string(c.Severity), Text: junitDetail(h)}
			s.Cases = append(s.Cases, tc)
			s.Failures++
		}
		for _, st := range []result.Status{result.StatusExcepted, result.StatusSkipped} {
			for _, h := range hits[c.ID][st] {
				tc := junitTestcase(c, h.res, h.line())
				msg := string(st)
				if why := reason(h.cr); why != "" {
					msg += ": " + why
				}
				tc.Skipped = &junitMessage{Message: msg}
				if h.cr.Exception != nil {
					tc.Skipped.Text = "exception " + exceptionText(h.cr.Exception)
				}
				s.Cases = append(s.Cases, tc)
				s.Skipped++
			}
		}
		for _, res := range passed[c.ID] {
			s.Cases = append(s.Cases, junitTestcase(c, res, res.Origin.Line))
		}
		if len(s.Cases) == 0 && c.Status == result.StatusSkipped {
			msg := "skipped"
			if c.SkipReason != "" {
				msg += ": " + c.SkipReason
			}
			s.Cases = append(s.Cases, junitCase{Name: c.ID + " " + c.Name, Classname: c.ID, Skipped: &junitMessage{Message: msg}})
			s.Skipped++
		}
		s.Tests = len(s.Cases)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitTestcase(c result.ControlSummary, res *result.Resource, line int) junitCase {
	return junitCase{
		Name:      res.Ref.String(),
		Classname: c.ID,
		File:      res.Origin.Path,
		Line:      line,
	}
}

// junitDetail is the body of a failure: each finding with its file:line,
// failed paths and fixes.
func junitDetail(h hit) string {
	var b strings.Builder
	for _, f := range h.cr.Findings {
		fmt.Fprintf(&b, "%s: %s\n", fileLine(h.res.Origin, findingLine(h.res, f)), f.Message)
		for _, l := range f.FailedPaths {
			fmt.Fprintf(&b, "  failed: %s\n", pathLine(l))
		}
		for _, fx := range f.FixPaths {
			fmt.Fprintf(&b, "  fix: %s\n", fixLine(fx))
		}
	}
	if b.Len() == 0 {
		return fileLine(h.res.Origin, h.line())
	}
	return b.String()
}
