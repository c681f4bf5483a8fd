// Package vulnreport is the outcome of an image vulnerability scan and the
// formats it is written in (pretty, json, sarif, cyclonedx with VEX). It does
// not depend on the scanner, so a consumer of reports does not link Syft or
// Grype.
package vulnreport

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"kubescape.io/kubescape/internal/result"
)

// SchemaVersion is the version of the JSON form of Report. It changes when a
// field is removed or changes meaning; added fields keep it.
const SchemaVersion = "v1"

// Severity is how much a vulnerability matters, as the vulnerability data says.
type Severity string

// The severities, from least to most severe.
const (
	SeverityUnknown    Severity = "unknown"
	SeverityNegligible Severity = "negligible"
	SeverityLow        Severity = "low"
	SeverityMedium     Severity = "medium"
	SeverityHigh       Severity = "high"
	SeverityCritical   Severity = "critical"
)

// Severities lists the severities from most to least severe.
var Severities = []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityNegligible, SeverityUnknown}

// Rank orders severities: unknown=0, negligible=1 ... critical=5.
func (s Severity) Rank() int {
	switch s {
	case SeverityNegligible:
		return 1
	case SeverityLow:
		return 2
	case SeverityMedium:
		return 3
	case SeverityHigh:
		return 4
	case SeverityCritical:
		return 5
	}
	return 0
}

// ParseSeverity reads a severity name, in any case; unknown names give SeverityUnknown and false.
func ParseSeverity(s string) (Severity, bool) {
	v := Severity(strings.ToLower(strings.TrimSpace(s)))
	if v == SeverityUnknown || v.Rank() > 0 {
		return v, true
	}
	return SeverityUnknown, false
}

// Report is everything a scan of one or more images found.
type Report struct {
	SchemaVersion string      `json:"schemaVersion"`
	Tool          result.Tool `json:"tool"`
	GeneratedAt   time.Time   `json:"generatedAt"`
	// DB describes the vulnerability database the images were matched against.
	DB DB `json:"db"`
	// Images holds one entry per distinct image (by digest), in the order scanned.
	Images []Image `json:"images"`
	// Failed lists the images that could not be scanned.
	Failed []ImageError `json:"failed"`
	// ExpiredRules lists the ignore rules that no longer apply because their expiry date passed.
	ExpiredRules []result.ExceptionRef `json:"expiredRules"`
}

// DB describes a vulnerability database.
type DB struct {
	Schema string    `json:"schema"`
	Built  time.Time `json:"built"`
	Path   string    `json:"path"`
}

// Image is one scanned image and its findings.
type Image struct {
	// Ref is the reference the image was scanned by (a registry reference, a path).
	Ref string `json:"ref"`
	// OtherRefs are the other references that named the same image (cluster scans).
	OtherRefs []string `json:"otherRefs,omitempty"`
	// Source is how the image was read: registry, oci-dir, oci-archive, docker-archive or dir.
	Source string `json:"source"`
	// Digest is the manifest digest (sha256:...), or the image ID of a docker archive; empty for a directory.
	Digest string `json:"digest,omitempty"`
	// Platform is os/arch[/variant] of the image, when known.
	Platform string `json:"platform,omitempty"`
	// Distro is the operating system the packages come from ("alpine 3.20.3"), when one was found.
	Distro string `json:"distro,omitempty"`
	// Packages counts the packages in the SBOM.
	Packages int `json:"packages"`
	// Cached is true when the SBOM came from the cache rather than cataloging.
	Cached bool `json:"cached"`
	// Workloads are the Kubernetes workloads that run the image (cluster scans).
	Workloads []Workload `json:"workloads,omitempty"`
	// Findings are sorted by severity (most severe first), then ID, then package.
	Findings []Finding `json:"findings"`
}

// Workload is a container of a Kubernetes workload that runs an image.
type Workload struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Container string `json:"container,omitempty"`
}

// String is Kind/namespace/name[:container].
func (w Workload) String() string {
	s := w.Kind + "/"
	if w.Namespace != "" {
		s += w.Namespace + "/"
	}
	s += w.Name
	if w.Container != "" {
		s += ":" + w.Container
	}
	return s
}

// Finding is one vulnerability of one package of an image.
type Finding struct {
	// ID is the vulnerability ID (CVE-2024-1234, GHSA-..., ALPINE-...).
	ID string `json:"id"`
	// Aliases are the other IDs of the same vulnerability.
	Aliases []string `json:"aliases,omitempty"`
	// Severity is the severity the vulnerability data gives.
	Severity Severity `json:"severity"`
	// CVSS is the highest CVSS base score found, 0 when there is none.
	CVSS        float64  `json:"cvss,omitempty"`
	Description string   `json:"description,omitempty"`
	DataSource  string   `json:"dataSource,omitempty"`
	URLs        []string `json:"urls,omitempty"`
	// Namespace is the part of the database that matched ("alpine:distro:alpine:3.20").
	Namespace string  `json:"namespace,omitempty"`
	Package   Package `json:"package"`
	// FixedIn are the versions that fix the vulnerability.
	FixedIn []string `json:"fixedIn"`
	// FixState is fixed, not-fixed, wont-fix or unknown.
	FixState string `json:"fixState"`
	// Suppressed is set when an ignore rule or a VEX statement accepted the finding.
	Suppressed *Suppression `json:"suppressed,omitempty"`
}

// Package is the affected package.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Type is the package type: apk, deb, rpm, go-module, npm, python, java-archive, ...
	Type      string   `json:"type"`
	PURL      string   `json:"purl,omitempty"`
	Locations []string `json:"locations,omitempty"`
}

// Suppression says why a finding does not count.
type Suppression struct {
	// By is "rule" (an ignore rule of the exceptions file) or "vex" (a VEX statement).
	By string `json:"by"`
	// Rule is the ignore rule, when By is "rule".
	Rule *result.ExceptionRef `json:"rule,omitempty"`
	// VEXStatus is not_affected or fixed, and Justification the VEX justification, when By is "vex".
	VEXStatus     string `json:"vexStatus,omitempty"`
	Justification string `json:"justification,omitempty"`
}

// The values of Suppression.By.
const (
	SuppressedByRule = "rule"
	SuppressedByVEX  = "vex"
)

// ImageError is an image that could not be scanned.
type ImageError struct {
	Ref       string     `json:"ref"`
	Error     string     `json:"error"`
	Workloads []Workload `json:"workloads,omitempty"`
}

// Counts counts findings that are not suppressed, by severity.
type Counts map[Severity]int

// Total is the number of findings counted.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Active returns the findings that no rule or VEX statement suppressed.
func (img *Image) Active() []Finding {
	var out []Finding
	for _, f := range img.Findings {
		if f.Suppressed == nil {
			out = append(out, f)
		}
	}
	return out
}

// Counts counts the image's active findings by severity.
func (img *Image) Counts() Counts {
	c := Counts{}
	for _, f := range img.Findings {
		if f.Suppressed == nil {
			c[f.Severity]++
		}
	}
	return c
}

// Counts counts the active findings of every image by severity.
func (r *Report) Counts() Counts {
	c := Counts{}
	for i := range r.Images {
		for s, n := range r.Images[i].Counts() {
			c[s] += n
		}
	}
	return c
}

// Breaches returns the number of active findings at or above the threshold.
func (r *Report) Breaches(threshold Severity) int {
	n := 0
	for s, v := range r.Counts() {
		if s.Rank() >= threshold.Rank() {
			n += v
		}
	}
	return n
}

// SortFindings orders findings by severity (most severe first), ID, package name and version.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
			cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Package.Name, b.Package.Name),
			cmp.Compare(a.Package.Version, b.Package.Version),
			cmp.Compare(a.Package.Type, b.Package.Type),
		)
	})
}
