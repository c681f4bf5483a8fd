package image

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/anchore/clio"
	v6 "github.com/anchore/grype/grype/db/v6"
	v6dist "github.com/anchore/grype/grype/db/v6/distribution"
	v6inst "github.com/anchore/grype/grype/db/v6/installation"
	"github.com/anchore/grype/grype/vulnerability"
	"github.com/spf13/afero"

	"kubescape.io/kubescape/internal/image/vulnreport"
	"kubescape.io/kubescape/internal/version"
)

// DefaultListingURL is where 'vuln db update' looks for databases: Grype's
// public listing (latest.json for each schema).
const DefaultListingURL = "https://grype.anchore.io/databases"

// DefaultMaxDBAge is how old a database may be before scans refuse it.
const DefaultMaxDBAge = 5 * 24 * time.Hour

// Errors about the vulnerability database.
var (
	// ErrNoDB: there is no database in the directory.
	ErrNoDB = errors.New("no vulnerability database")
	// ErrStaleDB: the database is older than the allowed age.
	ErrStaleDB = errors.New("vulnerability database is stale")
	// ErrBadDB: the database is there but corrupt or of another schema.
	ErrBadDB = errors.New("vulnerability database is unusable")
)

// getDBHint says how to get a database; errors about one end with it.
const getDBHint = "get one with 'kubectl kubescape vuln db update' (needs network), or on an air-gapped machine with 'kubectl kubescape vuln db import FILE' (a vulnerability-db_v6 tar.gz/tar.zst archive from the listing at " + DefaultListingURL + ")"

// DBConfig locates the vulnerability database and says how old it may be.
type DBConfig struct {
	// Dir holds the database; schema 6 lives in Dir/6.
	Dir string
	// MaxAge is how old (since it was built) a database may be; 0 means DefaultMaxDBAge.
	MaxAge time.Duration
	// ListingURL is the listing 'update' reads (Grype's format); "" means DefaultListingURL.
	ListingURL string
}

// DefaultDBDir is ${XDG_CACHE_HOME:-~/.cache}/kubescape/vulndb.
func DefaultDBDir() string {
	return filepath.Join(userCacheDir(), "kubescape", "vulndb")
}

func (c DBConfig) maxAge() time.Duration {
	if c.MaxAge > 0 {
		return c.MaxAge
	}
	return DefaultMaxDBAge
}

func (c DBConfig) install() v6inst.Config {
	return v6inst.Config{
		DBRootDir: c.Dir,
		// Age is judged here, against MaxAge, with a clearer message.
		ValidateAge:      false,
		ValidateChecksum: true,
	}
}

// DBStatus describes the installed database.
type DBStatus struct {
	Path   string
	Schema string
	Built  time.Time
	Age    time.Duration
	MaxAge time.Duration
	Stale  bool
	// From is where the database was imported from (a URL or "manual import").
	From string
}

// Info is the database as reports name it.
func (s DBStatus) Info() vulnreport.DB {
	return vulnreport.DB{Schema: s.Schema, Built: s.Built, Path: s.Path}
}

// ReadDBStatus reads the status of the database in cfg.Dir. It returns
// ErrNoDB when there is none and ErrBadDB when it is corrupt; a stale
// database is not an error here (Stale says so).
func ReadDBStatus(cfg DBConfig, now time.Time) (DBStatus, error) {
	// Reading the status never downloads: the curator gets no client.
	cur, err := v6inst.NewCurator(cfg.install(), nil)
	if err != nil {
		return DBStatus{}, fmt.Errorf("vulnerability database: %w", err)
	}
	st := cur.Status()
	out := DBStatus{Path: st.Path, Schema: st.SchemaVersion, Built: st.Built, From: st.From, MaxAge: cfg.maxAge()}
	if st.Error != nil {
		if errors.Is(st.Error, v6.ErrDBDoesNotExist) {
			return out, fmt.Errorf("%w in %s: %s", ErrNoDB, cfg.Dir, getDBHint)
		}
		return out, fmt.Errorf("%w: %s: %w; replace it: %s", ErrBadDB, st.Path, st.Error, getDBHint)
	}
	out.Age = now.Sub(st.Built)
	out.Stale = out.Age > out.MaxAge
	return out, nil
}

// DB is a vulnerability database that passed its checks. Its SQLite reader
// is opened on the first match: a rescan served from the cache never needs it.
type DB struct {
	cfg DBConfig
	// id is the database's checksum: the cache keys matches by it.
	id     string
	Status DBStatus

	once     sync.Once
	provider vulnerability.Provider
	err      error
}

// OpenDB checks the database in cfg.Dir for matching. A missing, corrupt or
// stale database is an error that says how to get a good one.
func OpenDB(cfg DBConfig, now time.Time) (*DB, error) {
	st, err := ReadDBStatus(cfg, now)
	if err != nil {
		return nil, err
	}
	if st.Stale {
		return nil, fmt.Errorf("%w: %s was built %s, %s ago, more than the %s allowed; update it, or raise the limit with --max-db-age: %s",
			ErrStaleDB, st.Path, st.Built.UTC().Format(time.RFC3339), days(st.Age), days(st.MaxAge), getDBHint)
	}
	meta, err := v6.ReadImportMetadata(afero.NewOsFs(), filepath.Dir(st.Path))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w; %s", ErrBadDB, st.Path, err, getDBHint)
	}
	return &DB{cfg: cfg, id: meta.Digest, Status: st}, nil
}

// vulnerabilities returns the database's reader, opening it on first use.
func (db *DB) vulnerabilities() (vulnerability.Provider, error) {
	db.once.Do(func() {
		cur, err := v6inst.NewCurator(db.cfg.install(), nil)
		if err != nil {
			db.err = fmt.Errorf("vulnerability database: %w", err)
			return
		}
		rdr, err := cur.Reader()
		if err != nil {
			db.err = fmt.Errorf("%w: %s: %w; %s", ErrBadDB, db.Status.Path, err, getDBHint)
			return
		}
		db.provider = v6.NewVulnerabilityProvider(rdr)
	})
	return db.provider, db.err
}

// Close closes the database.
func (db *DB) Close() error {
	if db == nil || db.provider == nil {
		return nil
	}
	return db.provider.Close()
}

// ImportDB installs a database archive (tar.gz, tar.zst, or a bare
// vulnerability.db file) into cfg.Dir, replacing the one there, and returns
// the new status. Nothing is downloaded.
func ImportDB(cfg DBConfig, file string, now time.Time) (DBStatus, error) {
	if _, err := os.Stat(file); err != nil {
		return DBStatus{}, fmt.Errorf("%w: import: %w", ErrBadInput, err)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return DBStatus{}, fmt.Errorf("import %s: %w", file, err)
	}
	cur, err := v6inst.NewCurator(cfg.install(), nil)
	if err != nil {
		return DBStatus{}, fmt.Errorf("vulnerability database: %w", err)
	}
	before, _ := filepath.Glob(filepath.Join(cfg.Dir, "tmp-v*-import*"))
	if err := cur.Import(abs); err != nil {
		// Grype keeps the unpacked files of a failed import; they are of no use here.
		after, _ := filepath.Glob(filepath.Join(cfg.Dir, "tmp-v*-import*"))
		for _, d := range after {
			if !slices.Contains(before, d) {
				_ = os.RemoveAll(d) // best effort: the failed import is the error to report
			}
		}
		return DBStatus{}, fmt.Errorf("%w: import %s: %w (want a vulnerability-db_v6 archive, tar.gz or tar.zst, holding vulnerability.db)", ErrBadInput, file, err)
	}
	return ReadDBStatus(cfg, now)
}

// UpdateDB reads the listing at cfg.ListingURL and, when it names a newer
// database than the installed one (or there is none), downloads, checks and
// installs it. It is the only function of this package that downloads a database.
func UpdateDB(cfg DBConfig, now time.Time) (updated bool, st DBStatus, err error) {
	dist := v6dist.DefaultConfig()
	dist.ID = clio.Identification{Name: "kubescape", Version: version.Get().Version}
	if cfg.ListingURL != "" {
		dist.LatestURL = cfg.ListingURL
	}
	dist.RequireUpdateCheck = true
	client, err := v6dist.NewClient(dist)
	if err != nil {
		return false, DBStatus{}, fmt.Errorf("vulnerability database update: %w", err)
	}
	inst := cfg.install()
	inst.MaxAllowedBuiltAge = cfg.maxAge()
	cur, err := v6inst.NewCurator(inst, client)
	if err != nil {
		return false, DBStatus{}, fmt.Errorf("vulnerability database update: %w", err)
	}
	updated, err = cur.Update()
	if err != nil {
		return false, DBStatus{}, fmt.Errorf("update the vulnerability database from %s: %w", dist.LatestURL, err)
	}
	st, err = ReadDBStatus(cfg, now)
	return updated, st, err
}

// days writes a duration as days, with one decimal.
func days(d time.Duration) string {
	return strconv.FormatFloat(d.Hours()/24, 'f', 1, 64) + " days"
}
