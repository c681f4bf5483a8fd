package cmd

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kubescape.io/kubescape/internal/image/vulndbtest"
)

func TestVulnDBImportAndStatus(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := filepath.Join(t.TempDir(), "vulndb")
	_, errOut, code := run(t, "", "vuln", "db", "status", "--db-dir", dir)
	if code != ExitError || !strings.Contains(errOut, "no vulnerability database in "+dir) || !strings.Contains(errOut, "vuln db import FILE") {
		t.Errorf("status without a DB: exit %d, %s", code, errOut)
	}

	built := time.Now().Add(-36 * time.Hour).UTC().Round(time.Second)
	archive := filepath.Join(t.TempDir(), "vulnerability-db_v6_test.tar.gz")
	if err := vulndbtest.Archive(archive, built, imageVulns); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "", "vuln", "db", "import", archive, "--db-dir", dir)
	if code != ExitOK || !strings.Contains(out, "Imported "+archive+": schema v6.") || !strings.Contains(out, built.Format(time.RFC3339)) || errOut != "" {
		t.Errorf("import: exit %d, %s %s", code, out, errOut)
	}
	out, errOut, code = run(t, "", "vuln", "db", "status", "--db-dir", dir)
	want := []string{"Path:    " + filepath.Join(dir, "6", "vulnerability.db"), "Schema:  v6.", "Built:   " + built.Format(time.RFC3339) + " (1.5 days ago)", "From:    manual import", "Status:  valid (built less than 5.0 days ago)"}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("status lacks %q:\n%s%s", w, out, errOut)
		}
	}
	if code != ExitOK {
		t.Errorf("status: exit %d", code)
	}
	// A one-day limit makes it stale: exit 1, and scans refuse it.
	out, _, code = run(t, "", "vuln", "db", "status", "--db-dir", dir, "--max-age", "1d", "-o", "json")
	var st struct {
		Stale      bool   `json:"stale"`
		Schema     string `json:"schema"`
		AgeSeconds int64  `json:"ageSeconds"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || !st.Stale || code != ExitThreshold || st.AgeSeconds < 35*3600 {
		t.Errorf("stale status: exit %d, %+v %v\n%s", code, st, err, out)
	}
	_, errOut, code = run(t, "", "scan", "image", "registry.example.com/app:1", "--db-dir", dir, "--max-db-age", "1d")
	if code != ExitError || !strings.Contains(errOut, "vulnerability database is stale") || !strings.Contains(errOut, "1.5 days ago, more than the 1.0 days allowed") {
		t.Errorf("scan with a stale DB: exit %d, %s", code, errOut)
	}

	junk := filepath.Join(t.TempDir(), "junk.tar.zst")
	if err := os.WriteFile(junk, []byte("not an archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = run(t, "", "vuln", "db", "import", junk, "--db-dir", t.TempDir())
	if code != ExitUsage || !strings.Contains(errOut, "junk.tar.zst") {
		t.Errorf("import junk: exit %d, %s", code, errOut)
	}
	if _, _, code := run(t, "", "vuln", "db", "import", "--db-dir", dir); code != ExitUsage {
		t.Errorf("import without a file: exit %d", code)
	}
}

func TestVulnDBUpdate(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	built := time.Now().Add(-2 * time.Hour).UTC().Round(time.Second)
	files := t.TempDir()
	archive := filepath.Join(files, "vulnerability-db_v6_test.tar.gz")
	if err := vulndbtest.Archive(archive, built, imageVulns); err != nil {
		t.Fatal(err)
	}
	listing, err := vulndbtest.Listing(archive, built)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/db/v6/latest.json", func(w http.ResponseWriter, _ *http.Request) {
		if _, err := w.Write(listing); err != nil {
			t.Errorf("serve the listing: %v", err)
		}
	})
	mux.HandleFunc("/db/v6/"+filepath.Base(archive), func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, archive) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir := filepath.Join(t.TempDir(), "vulndb")
	out, errOut, code := run(t, "", "vuln", "db", "update", "--db-dir", dir, "--url", srv.URL+"/db")
	if code != ExitOK || !strings.Contains(out, "Updated the vulnerability database: schema v6.") || !strings.Contains(out, built.Format(time.RFC3339)) {
		t.Errorf("update: exit %d, %s %s", code, out, errOut)
	}
	out, _, code = run(t, "", "vuln", "db", "update", "--db-dir", dir, "--url", srv.URL+"/db/v6/latest.json")
	if code != ExitOK || !strings.Contains(out, "is up to date") {
		t.Errorf("second update: exit %d, %s", code, out)
	}
	t.Setenv(envDBURL, srv.URL+"/nothing")
	_, errOut, code = run(t, "", "vuln", "db", "update", "--db-dir", t.TempDir())
	if code != ExitError || !strings.Contains(errOut, srv.URL+"/nothing") {
		t.Errorf("update from a missing listing (URL from the environment): exit %d, %s", code, errOut)
	}
}
