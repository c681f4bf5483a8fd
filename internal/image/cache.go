package image

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"kubescape.io/kubescape/internal/image/vulnreport"
)

// cacheFormat changes when what the cache holds, or how it is cataloged or matched, changes.
const cacheFormat = "1"

// Cache holds, by image digest, the SBOM of each image (so scanning it again
// skips cataloging) and its matches against a given database (so a rescan
// with the same database skips matching too; ignore rules and VEX documents
// are applied afresh on every scan). Entries are also keyed by the Syft and
// Grype versions, so an upgrade re-catalogs. Writes are atomic; a broken
// entry is ignored and rewritten. Nothing is evicted: remove the directory to
// empty it.
type Cache struct {
	dir string
}

// DefaultCacheDir is ${XDG_CACHE_HOME:-~/.cache}/kubescape/sbom.
func DefaultCacheDir() string {
	return filepath.Join(userCacheDir(), "kubescape", "sbom")
}

func userCacheDir() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return d
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".cache")
	}
	return os.TempDir()
}

// OpenCache opens (creating it) the cache directory.
func OpenCache(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("SBOM cache: %w", err)
	}
	return &Cache{dir: dir}, nil
}

// moduleVersions are the versions of the modules whose output the cache holds.
var moduleVersions = sync.OnceValue(func() string {
	v := map[string]string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			v[m.Path] = m.Version
		}
	}
	return v["github.com/anchore/syft"] + "," + v["github.com/anchore/grype"]
})

// path is the file of an entry of a kind, keyed by the parts.
func (c *Cache) path(kind string, parts ...string) string {
	h := sha256.Sum256([]byte(cacheFormat + "\x00" + moduleVersions() + "\x00" + strings.Join(parts, "\x00")))
	return filepath.Join(c.dir, hex.EncodeToString(h[:16])+"."+kind)
}

func (c *Cache) sbomPath(digest string) string { return c.path("syft.json", digest) }

func (c *Cache) matchesPath(digest, dbID string) string {
	return c.path("matches.json", digest, dbID)
}

func (c *Cache) read(path string) ([]byte, bool) {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return nil, false
	}
	return b, true
}

func (c *Cache) write(path string, b []byte) error {
	f, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("SBOM cache: %w", err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("SBOM cache: %w", errors.Join(err, removeTemp(f.Name())))
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("SBOM cache: %w", errors.Join(err, removeTemp(f.Name())))
	}
	return nil
}

// removeTemp removes a temporary file that failed to become a cache entry; a
// file that is already gone is not an error.
func removeTemp(name string) error {
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// SBOM returns the syft JSON SBOM cached for the digest.
func (c *Cache) SBOM(digest string) ([]byte, bool) {
	if c == nil || digest == "" {
		return nil, false
	}
	return c.read(c.sbomPath(digest))
}

// PutSBOM stores the syft JSON SBOM of the digest.
func (c *Cache) PutSBOM(digest string, sbomJSON []byte) error {
	if c == nil || digest == "" {
		return nil
	}
	return c.write(c.sbomPath(digest), sbomJSON)
}

// matches is what the cache keeps of a match: the findings before ignore
// rules and VEX, and what the image is.
type matches struct {
	Distro   string               `json:"distro"`
	Packages int                  `json:"packages"`
	Findings []vulnreport.Finding `json:"findings"`
}

func (c *Cache) matches(digest, dbID string) (*matches, bool) {
	if c == nil || digest == "" || dbID == "" {
		return nil, false
	}
	b, ok := c.read(c.matchesPath(digest, dbID))
	if !ok {
		return nil, false
	}
	var m matches
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, false
	}
	return &m, true
}

func (c *Cache) putMatches(digest, dbID string, m *matches) error {
	if c == nil || digest == "" || dbID == "" {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("SBOM cache: %w", err)
	}
	return c.write(c.matchesPath(digest, dbID), b)
}

// forget removes the entries of the digest, as after one failed to decode.
func (c *Cache) forget(digest, dbID string) {
	if c == nil || digest == "" {
		return
	}
	// Best effort: an entry that cannot be removed is overwritten by the next write.
	_ = os.Remove(c.sbomPath(digest))
	_ = os.Remove(c.matchesPath(digest, dbID))
}
