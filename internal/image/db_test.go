package image

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kubescape.io/kubescape/internal/image/vulndbtest"
)

func TestDBStatusAndAge(t *testing.T) {
	st, err := ReadDBStatus(DBConfig{Dir: dbDir}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.Schema, "v6.") || st.Stale || st.Age < 59*time.Minute || st.Age > 61*time.Minute ||
		st.Path != filepath.Join(dbDir, "6", "vulnerability.db") || st.MaxAge != DefaultMaxDBAge {
		t.Errorf("status %+v", st)
	}

	old := t.TempDir()
	if err := vulndbtest.Build(old, testNow.Add(-10*24*time.Hour), testVulns[:1]); err != nil {
		t.Fatal(err)
	}
	st, err = ReadDBStatus(DBConfig{Dir: old}, testNow)
	if err != nil || !st.Stale {
		t.Errorf("a 10-day-old DB: stale=%v err=%v", st.Stale, err)
	}
	_, err = OpenDB(DBConfig{Dir: old}, testNow)
	if !errors.Is(err, ErrStaleDB) || !strings.Contains(err.Error(), "10.0 days ago, more than the 5.0 days allowed") || !strings.Contains(err.Error(), "vuln db update") {
		t.Errorf("stale DB error: %v", err)
	}
	db, err := OpenDB(DBConfig{Dir: old, MaxAge: 30 * 24 * time.Hour}, testNow)
	if err != nil {
		t.Errorf("a 10-day-old DB with a 30-day limit: %v", err)
	} else {
		closeDB(t, db)
	}
}

func TestMissingAndCorruptDB(t *testing.T) {
	empty := t.TempDir()
	_, err := OpenDB(DBConfig{Dir: empty}, testNow)
	if !errors.Is(err, ErrNoDB) || !strings.Contains(err.Error(), empty) ||
		!strings.Contains(err.Error(), "kubectl kubescape vuln db update") || !strings.Contains(err.Error(), "kubectl kubescape vuln db import FILE") {
		t.Errorf("missing DB error: %v", err)
	}

	corrupt := t.TempDir()
	if err := vulndbtest.Build(corrupt, testNow, testVulns[:1]); err != nil {
		t.Fatal(err)
	}
	dbFile := filepath.Join(corrupt, "6", "vulnerability.db")
	b, err := os.ReadFile(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(dbFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = OpenDB(DBConfig{Dir: corrupt}, testNow)
	if !errors.Is(err, ErrBadDB) || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("corrupt DB error: %v", err)
	}
	s, err := NewScanner(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Scan(t.Context(), mustInput(t, alpRef)); !errors.Is(err, ErrNoDB) {
		t.Errorf("a scanner without a DB: %v", err)
	}
}

func TestImportDB(t *testing.T) {
	built := testNow.Add(-2 * time.Hour).UTC().Round(time.Second)
	archive := filepath.Join(t.TempDir(), "vulnerability-db_v6.1.4_test.tar.gz")
	if err := vulndbtest.Archive(archive, built, testVulns); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "vulndb")
	st, err := ImportDB(DBConfig{Dir: dir}, archive, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Built.Equal(built) || st.From != "manual import" || st.Stale {
		t.Errorf("imported status %+v, want built %s", st, built)
	}
	db, err := OpenDB(DBConfig{Dir: dir}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	img, err := newScanner(t, Options{DB: db}).Scan(t.Context(), mustInput(t, alpRef))
	closeDB(t, db)
	if err != nil || len(img.Findings) != len(wantAlpine) {
		t.Errorf("scan with the imported DB: %v %v", err, summary(img.Findings))
	}

	junk := filepath.Join(t.TempDir(), "junk.tar.gz")
	if err := os.WriteFile(junk, []byte("this is not an archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	junkDir := t.TempDir()
	if _, err := ImportDB(DBConfig{Dir: junkDir}, junk, testNow); !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "junk.tar.gz") {
		t.Errorf("junk import: %v", err)
	}
	if left, _ := os.ReadDir(junkDir); len(left) != 0 {
		t.Errorf("a failed import left %v behind", left)
	}
	if _, err := ImportDB(DBConfig{Dir: t.TempDir()}, filepath.Join(t.TempDir(), "none.tar.zst"), testNow); !errors.Is(err, ErrBadInput) {
		t.Errorf("missing import file: %v", err)
	}
}

// dbServer serves a listing and its archive on loopback, as the grype listing does.
func dbServer(t *testing.T, built time.Time) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	dir := t.TempDir()
	archive := filepath.Join(dir, "vulnerability-db_v6.1.4_test.tar.gz")
	if err := vulndbtest.Archive(archive, built, testVulns); err != nil {
		t.Fatal(err)
	}
	listing, err := vulndbtest.Listing(archive, built)
	if err != nil {
		t.Fatal(err)
	}
	var downloads atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/databases/v6/latest.json", func(w http.ResponseWriter, _ *http.Request) {
		if _, err := w.Write(listing); err != nil {
			t.Errorf("serve the listing: %v", err)
		}
	})
	mux.HandleFunc("/databases/v6/"+filepath.Base(archive), func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			downloads.Add(1)
		}
		http.ServeFile(w, r, archive)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &downloads
}

func TestUpdateDB(t *testing.T) {
	built := testNow.Add(-3 * time.Hour).UTC().Round(time.Second)
	srv, downloads := dbServer(t, built)
	cfg := DBConfig{Dir: filepath.Join(t.TempDir(), "vulndb"), ListingURL: srv.URL + "/databases"}
	updated, st, err := UpdateDB(cfg, testNow)
	if err != nil {
		t.Fatal(err)
	}
	fetched := downloads.Load()
	if !updated || !st.Built.Equal(built) || !strings.HasPrefix(st.From, srv.URL) || fetched == 0 {
		t.Errorf("first update: updated=%v status=%+v downloads=%d", updated, st, fetched)
	}
	updated, _, err = UpdateDB(cfg, testNow)
	if err != nil || updated || downloads.Load() != fetched {
		t.Errorf("second update: updated=%v err=%v downloads=%d, want no new download", updated, err, downloads.Load()-fetched)
	}
	db, err := OpenDB(cfg, testNow)
	if err != nil {
		t.Fatal(err)
	}
	closeDB(t, db)

	// A listing that is not there is an error that names the URL.
	bad := DBConfig{Dir: t.TempDir(), ListingURL: srv.URL + "/nothing"}
	if _, _, err := UpdateDB(bad, testNow); err == nil || !strings.Contains(err.Error(), srv.URL+"/nothing") {
		t.Errorf("missing listing: %v", err)
	}
}
