package image

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/anchore/grype/grype"
	"github.com/anchore/grype/grype/match"
	"github.com/anchore/grype/grype/matcher"
	"github.com/anchore/grype/grype/matcher/stock"
	grypepkg "github.com/anchore/grype/grype/pkg"
	"github.com/anchore/grype/grype/vex"
	"github.com/anchore/grype/grype/vulnerability"
	syftpkg "github.com/anchore/syft/syft/pkg"
	"github.com/anchore/syft/syft/source"
	"github.com/google/go-containerregistry/pkg/name"

	"kubescape.io/kubescape/internal/exception"
	"kubescape.io/kubescape/internal/image/vulnreport"
)

// matcherConfig is Grype's default matching, without anything that reaches
// the network (Maven searches by SHA-1 are off).
func matcherConfig() matcher.Config {
	return matcher.Config{Stock: stock.MatcherConfig{UseCPEs: true}}
}

// matchSBOM matches the packages of a syft JSON SBOM against the database
// and returns the findings, before ignore rules and VEX.
func (s *Scanner) matchSBOM(ctx context.Context, sbomJSON []byte) ([]vulnreport.Finding, error) {
	provider, err := s.db.vulnerabilities()
	if err != nil {
		return nil, err
	}
	pkgs, pkgCtx, _, err := grypepkg.ProvideFromReader(bytes.NewReader(sbomJSON), grypepkg.ProviderConfig{})
	if err != nil {
		return nil, fmt.Errorf("read SBOM for matching: %w", err)
	}
	m := grype.VulnerabilityMatcher{
		VulnerabilityProvider: provider,
		Matchers:              matcher.NewDefaultMatchers(matcherConfig()),
	}
	remaining, _, err := m.FindMatchesContext(ctx, pkgs, pkgCtx)
	if err != nil {
		return nil, fmt.Errorf("match vulnerabilities: %w", err)
	}
	var out []vulnreport.Finding
	for _, mt := range remaining.Sorted() {
		out = append(out, finding(mt))
	}
	return out, nil
}

// suppress marks the findings that a VEX document or an ignore rule accepts.
// It runs on every scan, cached or not, so changed documents and rules
// always apply.
func (s *Scanner) suppress(r *resolved, fs []vulnreport.Finding) error {
	if len(s.opts.VEXDocuments) > 0 {
		if err := s.applyVEX(r, fs); err != nil {
			return err
		}
	}
	names := []string{r.input.Location}
	if r.repoDigest != "" {
		names = append(names, r.repoDigest)
	}
	for i := range fs {
		f := &fs[i]
		if f.Suppressed != nil {
			continue
		}
		if rule, ok := s.opts.Exceptions.MatchVulnerability(exception.Vulnerability{
			ID: f.ID, Aliases: f.Aliases, Package: f.Package.Name, Version: f.Package.Version,
			Type: f.Package.Type, FixState: f.FixState, Images: names,
		}); ok {
			f.Suppressed = &vulnreport.Suppression{By: vulnreport.SuppressedByRule, Rule: rule}
		}
	}
	return nil
}

// applyVEX runs Grype's VEX processing (OpenVEX or CSAF) over the findings.
// A statement names a vulnerability and a product: the image (by tag or
// repository digest) or the package (by purl), which is all these
// documents match on.
func (s *Scanner) applyVEX(r *resolved, fs []vulnreport.Finding) error {
	proc, err := vex.NewProcessor(vex.ProcessorOptions{Documents: s.opts.VEXDocuments})
	if err != nil {
		return fmt.Errorf("%w: VEX: %w", ErrBadInput, err)
	}
	ms := make([]match.Match, 0, len(fs))
	for i, f := range fs {
		ms = append(ms, match.Match{
			Vulnerability: vulnerability.Vulnerability{Reference: vulnerability.Reference{ID: f.ID, Namespace: f.Namespace}},
			Package: grypepkg.Package{
				ID: grypepkg.ID(strconv.Itoa(i)), Name: f.Package.Name, Version: f.Package.Version,
				Type: syftpkg.Type(f.Package.Type), PURL: f.Package.PURL,
			},
		})
	}
	all := match.NewMatches(ms...)
	src := imageSource(r)
	_, ignored, err := proc.ApplyVEX(&grypepkg.Context{Source: &src}, &all, nil)
	if err != nil {
		return fmt.Errorf("%w: VEX: %w", ErrBadInput, err)
	}
	for _, im := range ignored {
		i, err := strconv.Atoi(string(im.Package.ID))
		if err != nil || i < 0 || i >= len(fs) {
			continue
		}
		sup := &vulnreport.Suppression{By: vulnreport.SuppressedByVEX}
		for _, rule := range im.AppliedIgnoreRules {
			if rule.VexStatus != "" {
				sup.VEXStatus, sup.Justification = rule.VexStatus, rule.VexJustification
				break
			}
		}
		fs[i].Suppressed = sup
	}
	return nil
}

// imageSource describes the scanned image as VEX processing reads it.
func imageSource(r *resolved) source.Description {
	if r.img == nil {
		return source.Description{Name: r.input.Location, Metadata: source.DirectoryMetadata{Path: r.input.Location}}
	}
	meta := source.ImageMetadata{UserInput: r.input.Location, ManifestDigest: r.digest}
	desc := source.Description{Name: r.input.Location}
	if r.tag != "" {
		meta.Tags = []string{r.tag}
		if t, err := name.NewTag(r.tag); err == nil {
			desc.Name, desc.Version = t.Context().Name(), t.TagStr()
		}
	}
	if r.repoDigest != "" {
		meta.RepoDigests = []string{r.repoDigest}
	}
	desc.Metadata = meta
	return desc
}

// finding turns a Grype match into a finding, with the vulnerability's
// metadata (the database's provider fills it in on every vulnerability it
// returns).
func finding(mt match.Match) vulnreport.Finding {
	v := mt.Vulnerability
	f := vulnreport.Finding{
		ID:        v.ID,
		Namespace: v.Namespace,
		FixedIn:   slices.Clone(v.Fix.Versions),
		FixState:  string(v.Fix.State),
		Package: vulnreport.Package{
			Name:    mt.Package.Name,
			Version: mt.Package.Version,
			Type:    string(mt.Package.Type),
			PURL:    mt.Package.PURL,
		},
		Severity: vulnreport.SeverityUnknown,
	}
	if f.FixState == "" {
		f.FixState = string(vulnerability.FixStateUnknown)
	}
	for _, loc := range mt.Package.Locations.ToSlice() {
		f.Package.Locations = append(f.Package.Locations, loc.RealPath)
	}
	for _, rel := range v.RelatedVulnerabilities {
		if rel.ID != v.ID && !slices.Contains(f.Aliases, rel.ID) {
			f.Aliases = append(f.Aliases, rel.ID)
		}
	}
	if md := v.Metadata; md != nil {
		if sev, ok := vulnreport.ParseSeverity(md.Severity); ok {
			f.Severity = sev
		}
		f.Description = strings.TrimSpace(md.Description)
		f.DataSource = md.DataSource
		f.URLs = slices.Clone(md.URLs)
		for _, c := range md.Cvss {
			f.CVSS = max(f.CVSS, c.Metrics.BaseScore)
		}
	}
	return f
}
