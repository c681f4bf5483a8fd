// Package vulndbtest builds tiny Grype v6 vulnerability databases, their
// distribution archives and listings, for tests and benchmarks that must not
// touch the network.
package vulndbtest

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	v6 "github.com/anchore/grype/grype/db/v6"
	"github.com/spf13/afero"
	"gorm.io/gorm"
)

// OS is the distribution release a vulnerability record applies to.
type OS struct {
	// Name is the distro ID: alpine, debian, ubuntu, ...
	Name string
	// Major and Minor are the release version (3 and 20 for Alpine 3.20, 12 for Debian 12).
	Major, Minor string
	// Codename is the release name (bookworm), when the distro has one.
	Codename string
}

// Vuln is one vulnerability of one package of one distro release.
type Vuln struct {
	ID          string
	Description string
	// Severity is critical, high, medium, low or negligible.
	Severity string
	// CVSSVector, when set, adds a CVSS v3 score ("CVSS:3.1/AV:N/...").
	CVSSVector string
	Aliases    []string
	// Ecosystem is the package type of the record: apk, deb, rpm.
	Ecosystem string
	OS        OS
	Package   string
	// Constraint is the affected range in the ecosystem's version syntax ("< 1.36.1-r1").
	Constraint string
	// FixedIn is the fixed version; empty for an unfixed vulnerability.
	FixedIn string
	// FixState is fixed, not-fixed or wont-fix; empty means fixed when FixedIn is set, not-fixed otherwise.
	FixState string
}

// Build writes a schema v6 database of the vulnerabilities to root/6, as the
// Grype installer leaves one (vulnerability.db and import.json), built at the
// given time.
func Build(root string, built time.Time, vulns []Vuln) error {
	dir := filepath.Join(root, "6")
	if err := writeDB(dir, built, vulns); err != nil {
		return err
	}
	if _, err := v6.WriteImportMetadata(afero.NewOsFs(), dir, "vulndbtest"); err != nil {
		return fmt.Errorf("write import metadata: %w", err)
	}
	return nil
}

func writeDB(dir string, built time.Time, vulns []Vuln) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	w, err := v6.NewWriter(v6.Config{DBDirPath: dir})
	if err != nil {
		return fmt.Errorf("open DB writer: %w", err)
	}
	providers := map[string]*v6.Provider{}
	for _, v := range vulns {
		p, ok := providers[v.OS.Name]
		if !ok {
			captured := built
			p = &v6.Provider{ID: v.OS.Name, Version: "1", Processor: "vulndbtest", DateCaptured: &captured}
			providers[v.OS.Name] = p
		}
		sev := []v6.Severity{{Scheme: v6.SeveritySchemeCHMLN, Value: strings.ToLower(v.Severity), Source: v.OS.Name, Rank: 1}}
		if v.CVSSVector != "" {
			sev = append(sev, v6.Severity{Scheme: v6.SeveritySchemeCVSS, Value: v6.CVSSSeverity{Vector: v.CVSSVector, Version: "3.1"}, Source: "nvd", Rank: 2})
		}
		vh := &v6.VulnerabilityHandle{
			Name:       v.ID,
			Status:     v6.VulnerabilityActive,
			ProviderID: p.ID,
			Provider:   p,
			BlobValue: &v6.VulnerabilityBlob{
				ID:          v.ID,
				Description: v.Description,
				Aliases:     v.Aliases,
				Severities:  sev,
				References:  []v6.Reference{{URL: "https://security.example.org/" + v.ID}},
			},
		}
		if err := w.AddVulnerabilities(vh); err != nil {
			return fmt.Errorf("add %s: %w", v.ID, errors.Join(err, w.Close()))
		}
		state := v6.FixStatus(v.FixState)
		if state == "" {
			state = v6.NotFixedStatus
			if v.FixedIn != "" {
				state = v6.FixedStatus
			}
		}
		var cves []string
		if strings.HasPrefix(v.ID, "CVE-") {
			cves = []string{v.ID}
		}
		ah := &v6.AffectedPackageHandle{
			Vulnerability: vh,
			OperatingSystem: &v6.OperatingSystem{
				Name: v.OS.Name, ReleaseID: v.OS.Name, MajorVersion: v.OS.Major, MinorVersion: v.OS.Minor, Codename: v.OS.Codename,
			},
			Package: &v6.Package{Ecosystem: v.Ecosystem, Name: v.Package},
			BlobValue: &v6.PackageBlob{
				CVEs: cves,
				Ranges: []v6.Range{{
					Version: v6.Version{Type: v.Ecosystem, Constraint: v.Constraint},
					Fix:     &v6.Fix{Version: v.FixedIn, State: state},
				}},
			},
		}
		if err := w.AddAffectedPackages(ah); err != nil {
			return fmt.Errorf("add the package of %s: %w", v.ID, errors.Join(err, w.Close()))
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("close DB writer: %w", err)
	}
	return setBuilt(filepath.Join(dir, v6.VulnerabilityDBFileName), built)
}

// setBuilt sets the build time the database reports (the writer stamps "now").
func setBuilt(dbFile string, built time.Time) error {
	db, err := v6.NewLowLevelDB(dbFile, false, true, false)
	if err != nil {
		return fmt.Errorf("reopen DB: %w", err)
	}
	t := built.UTC().Round(time.Second)
	res := db.Session(&gorm.Session{AllowGlobalUpdate: true}).Model(&v6.DBMetadata{}).Update("build_timestamp", &t)
	sqlDB, err := db.DB()
	if err == nil {
		err = sqlDB.Close()
	}
	if res.Error != nil {
		return fmt.Errorf("set build time: %w", errors.Join(res.Error, err))
	}
	if err != nil {
		return fmt.Errorf("close DB: %w", err)
	}
	return nil
}

// Archive builds a database of the vulnerabilities and packs it as a
// distribution archive (a tar.gz holding vulnerability.db) at file.
func Archive(file string, built time.Time, vulns []Vuln) error {
	tmp, err := os.MkdirTemp("", "vulndbtest-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }() // best effort: the archive is written by then
	if err := writeDB(tmp, built, vulns); err != nil {
		return err
	}
	db, err := os.Open(filepath.Join(tmp, v6.VulnerabilityDBFileName))
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.Stat()
	if err != nil {
		return err
	}
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(out)
	tw := tar.NewWriter(zw)
	werr := tw.WriteHeader(&tar.Header{Name: v6.VulnerabilityDBFileName, Mode: 0o644, Size: st.Size(), ModTime: built, Typeflag: tar.TypeReg})
	if werr == nil {
		_, werr = io.Copy(tw, db)
	}
	for _, c := range []io.Closer{tw, zw, out} {
		if err := c.Close(); err != nil && werr == nil {
			werr = err
		}
	}
	if werr != nil {
		return fmt.Errorf("write archive %s: %w", file, werr)
	}
	return nil
}

// Listing returns a latest.json document (Grype's listing format) naming the
// archive, relative to the listing's location, with its checksum.
func Listing(archive string, built time.Time) ([]byte, error) {
	b, err := os.ReadFile(archive)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	doc := map[string]any{
		"status":        "active",
		"schemaVersion": fmt.Sprintf("v%d.%d.%d", v6.ModelVersion, v6.Revision, v6.Addition),
		"built":         built.UTC().Round(time.Second).Format(time.RFC3339),
		"path":          filepath.Base(archive),
		"checksum":      "sha256:" + hex.EncodeToString(sum[:]),
	}
	return json.MarshalIndent(doc, "", " ")
}
