package image

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/anchore/syft/syft/sbom"
	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"kubescape.io/kubescape/internal/exception"
	"kubescape.io/kubescape/internal/image/vulnreport"
	"kubescape.io/kubescape/internal/result"
)

// Options configure a Scanner.
type Options struct {
	// DB is the open vulnerability database; nil for a scanner that only builds SBOMs.
	DB *DB
	// Cache holds SBOMs and matches by image digest; nil disables caching.
	Cache *Cache
	// Keychain finds registry credentials; nil means the user's docker config.
	Keychain authn.Keychain
	// Platform (os/arch[/variant]) picks the image from a multi-platform index;
	// empty means the host's platform, linux/GOARCH.
	Platform string
	// Offline lets a scan reach the image's registry and nothing else.
	Offline bool
	// VEXDocuments are OpenVEX or CSAF files whose not_affected and fixed
	// statements suppress findings.
	VEXDocuments []string
	// Exceptions holds the vulnerability ignore rules.
	Exceptions *exception.Set
	// Tool names the program in reports.
	Tool result.Tool
}

// Scanner scans images. It is safe for concurrent use.
type Scanner struct {
	opts     Options
	db       *DB
	keychain authn.Keychain
	platform *v1.Platform
}

// NewScanner checks the options and returns a scanner.
func NewScanner(opts Options) (*Scanner, error) {
	s := &Scanner{opts: opts, db: opts.DB, keychain: opts.Keychain}
	if s.keychain == nil {
		s.keychain = authn.DefaultKeychain
	}
	if opts.Platform != "" {
		p, err := v1.ParsePlatform(opts.Platform)
		if err != nil || p.OS == "" || p.Architecture == "" {
			return nil, fmt.Errorf("%w: platform %q: want os/arch[/variant], as linux/arm64 or linux/arm/v7", ErrBadInput, opts.Platform)
		}
		s.platform = p
	}
	return s, nil
}

// SBOM is an image's SBOM and what is known of the image.
type SBOM struct {
	SBOM *sbom.SBOM
	// Image describes the image; it has no findings.
	Image vulnreport.Image
}

// BuildSBOM reads the input and returns its SBOM, from the cache when the
// image's digest is there.
func (s *Scanner) BuildSBOM(ctx context.Context, in Input) (*SBOM, error) {
	r, err := s.resolve(ctx, in)
	if err != nil {
		return nil, err
	}
	defer r.close()
	b, img, err := s.sbomJSON(ctx, r)
	if err != nil {
		return nil, err
	}
	doc, err := decodeSBOM(b)
	if err != nil {
		return nil, err
	}
	return &SBOM{SBOM: doc, Image: img}, nil
}

// Scan reads, catalogs and matches one image.
func (s *Scanner) Scan(ctx context.Context, in Input) (vulnreport.Image, error) {
	r, err := s.resolve(ctx, in)
	if err != nil {
		return vulnreport.Image{}, err
	}
	defer r.close()
	return s.scanResolved(ctx, r)
}

func (s *Scanner) scanResolved(ctx context.Context, r *resolved) (vulnreport.Image, error) {
	if s.db == nil {
		return vulnreport.Image{}, fmt.Errorf("%w: the scanner has no database", ErrNoDB)
	}
	img := vulnreport.Image{Ref: r.input.Location, Source: string(r.input.Kind), Digest: r.digest, Platform: r.platform}
	var findings []vulnreport.Finding
	if m, ok := s.opts.Cache.matches(r.digest, s.db.id); ok {
		img.Cached, img.Distro, img.Packages, findings = true, m.Distro, m.Packages, m.Findings
	} else {
		b, simg, err := s.sbomJSON(ctx, r)
		if err != nil {
			return simg, err
		}
		img = simg
		if findings, err = s.matchSBOM(ctx, b); err != nil {
			return img, err
		}
		// A cache that cannot be written costs the next scan a match, nothing more.
		_ = s.opts.Cache.putMatches(r.digest, s.db.id, &matches{Distro: img.Distro, Packages: img.Packages, Findings: findings})
	}
	if err := s.suppress(r, findings); err != nil {
		return img, err
	}
	vulnreport.SortFindings(findings)
	img.Findings = findings
	return img, nil
}

// sbomJSON returns the syft JSON SBOM of a resolved image, from the cache
// when it is there, and what is known of the image.
func (s *Scanner) sbomJSON(ctx context.Context, r *resolved) ([]byte, vulnreport.Image, error) {
	img := vulnreport.Image{Ref: r.input.Location, Source: string(r.input.Kind), Digest: r.digest, Platform: r.platform}
	b, ok := s.opts.Cache.SBOM(r.digest)
	if ok {
		img.Cached = true
	} else {
		doc, err := s.catalog(ctx, r)
		if err != nil {
			return nil, img, err
		}
		var buf bytes.Buffer
		if err := EncodeSBOM(&buf, doc, "syft-json"); err != nil {
			return nil, img, err
		}
		b = buf.Bytes()
		// A cache that cannot be written costs the next scan a cataloging, nothing more.
		_ = s.opts.Cache.PutSBOM(r.digest, b)
	}
	distro, n, err := sbomSummary(b)
	if err != nil {
		if img.Cached {
			// A broken cache entry: forget it and catalog again.
			s.opts.Cache.forget(r.digest, "")
			return s.sbomJSON(ctx, r)
		}
		return nil, img, err
	}
	img.Distro, img.Packages = distro, n
	return b, img, nil
}

// sbomSummary reads the distro and the package count of a syft JSON SBOM
// without decoding it whole.
func sbomSummary(b []byte) (string, int, error) {
	var doc struct {
		Artifacts []struct{} `json:"artifacts"`
		Distro    struct {
			ID        string `json:"id"`
			VersionID string `json:"versionID"`
		} `json:"distro"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return "", 0, fmt.Errorf("read SBOM: %w", err)
	}
	return strings.TrimSpace(doc.Distro.ID + " " + doc.Distro.VersionID), len(doc.Artifacts), nil
}

// Close closes the database of Options.DB.
func (s *Scanner) Close() error { return s.db.Close() }

// Ref is an image to scan in a cluster, and the workloads that run it.
type Ref struct {
	// Ref is the image as the pod spec names it.
	Ref string
	// Digest (sha256:...), when known (from the pod's status), pins the image.
	Digest    string
	Workloads []vulnreport.Workload
}

// Progress reports how far ScanImages got: Done of Total distinct images.
type Progress struct {
	Done, Total int
	// Ref is the image just finished.
	Ref string
}

// ScanImagesOptions tune ScanImages.
type ScanImagesOptions struct {
	// Workers bounds how many images are read and scanned at once; 0 means 2.
	Workers int
	// Progress is called after each image (from one goroutine at a time).
	Progress func(Progress)
	// Now is the report's time; zero means time.Now().
	Now time.Time
}

// ScanImages scans the images of a cluster: references to the same image
// (the same digest, whatever the tag) are scanned once, with a bounded pool of
// workers, and each image lists the workloads that run it. An image that
// cannot be scanned goes into the report's Failed list; the error is for
// what stops the whole scan (a cancelled context).
func (s *Scanner) ScanImages(ctx context.Context, refs []Ref, opts ScanImagesOptions) (*vulnreport.Report, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = 2
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	rep := &vulnreport.Report{SchemaVersion: vulnreport.SchemaVersion, Tool: s.opts.Tool, GeneratedAt: now}
	if s.db != nil {
		rep.DB = s.db.Status.Info()
	}
	rep.ExpiredRules = s.opts.Exceptions.ExpiredVulnerabilityRules()

	// Phase 1: the same reference once, its workloads merged.
	type request struct {
		ref       string
		workloads []vulnreport.Workload
	}
	byRef := map[string]*request{}
	var reqs []*request
	for _, r := range refs {
		key := r.Ref
		if r.Digest != "" {
			key = pinned(r.Ref, r.Digest)
		}
		q, ok := byRef[key]
		if !ok {
			q = &request{ref: key}
			byRef[key] = q
			reqs = append(reqs, q)
		}
		q.workloads = append(q.workloads, r.Workloads...)
	}

	// Phase 2: read each reference's manifest to learn its digest.
	type resolvedReq struct {
		req *request
		r   *resolved
		err error
	}
	res := make([]resolvedReq, len(reqs))
	parallel(ctx, len(reqs), workers, func(i int) {
		res[i].req = reqs[i]
		in, err := ParseInput("registry:" + reqs[i].ref)
		if err != nil {
			res[i].err = err
			return
		}
		res[i].r, res[i].err = s.resolve(ctx, in)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Phase 3: one scan per digest.
	type unique struct {
		r         *resolved
		refs      []string
		workloads []vulnreport.Workload
		img       vulnreport.Image
		err       error
	}
	byDigest := map[string]*unique{}
	var uniques []*unique
	for _, x := range res {
		if x.err != nil {
			rep.Failed = append(rep.Failed, vulnreport.ImageError{Ref: x.req.ref, Error: x.err.Error(), Workloads: sortedWorkloads(x.req.workloads)})
			continue
		}
		u, ok := byDigest[x.r.digest]
		if !ok {
			u = &unique{r: x.r}
			byDigest[x.r.digest] = u
			uniques = append(uniques, u)
		} else {
			x.r.close()
		}
		u.refs = append(u.refs, x.req.ref)
		u.workloads = append(u.workloads, x.req.workloads...)
	}
	var mu sync.Mutex
	done := 0
	parallel(ctx, len(uniques), workers, func(i int) {
		u := uniques[i]
		defer u.r.close()
		u.img, u.err = s.scanResolved(ctx, u.r)
		mu.Lock()
		done++
		if opts.Progress != nil {
			opts.Progress(Progress{Done: done, Total: len(uniques), Ref: u.refs[0]})
		}
		mu.Unlock()
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, u := range uniques {
		sort.Strings(u.refs)
		if u.err != nil {
			rep.Failed = append(rep.Failed, vulnreport.ImageError{Ref: u.refs[0], Error: u.err.Error(), Workloads: sortedWorkloads(u.workloads)})
			continue
		}
		u.img.Ref = u.refs[0]
		u.img.OtherRefs = u.refs[1:]
		u.img.Workloads = sortedWorkloads(u.workloads)
		rep.Images = append(rep.Images, u.img)
	}
	return rep, nil
}

// pinned adds the digest to a reference (replacing a digest it has).
func pinned(ref, digest string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	return ref + "@" + digest
}

func sortedWorkloads(ws []vulnreport.Workload) []vulnreport.Workload {
	out := slices.Clone(ws)
	slices.SortFunc(out, func(a, b vulnreport.Workload) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out)
}

// parallel runs fn(0..n-1) on at most workers goroutines, and stops handing
// out work when ctx is done.
func parallel(ctx context.Context, n, workers int, fn func(int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			close(next)
			wg.Wait()
			return
		}
	}
	close(next)
	wg.Wait()
}
