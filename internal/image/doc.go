// Package image scans container images for known vulnerabilities, offline:
// it reads an image from a registry, an OCI layout directory, a docker or OCI
// archive, or a plain directory; catalogs its packages into an SBOM with Syft
// (cached by image digest); and matches them with Grype against a local
// vulnerability database that only an explicit update or import changes.
//
// This package links the Syft and Grype dependency trees; nothing else in the
// module imports them, so code that does not scan images does not pay for
// them. Reports are in the light package vulnreport.
package image
