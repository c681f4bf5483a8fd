// Package report renders a scan result (result.Report) in every output
// format the scanner offers: a terminal report, JSON, JUnit XML, SARIF 2.1.0,
// a self-contained HTML page, Markdown, CSV and the Prometheus text format.
//
// A format only presents what the Report holds: scores, counts and verdicts
// are computed by the scan, never here.
package report
