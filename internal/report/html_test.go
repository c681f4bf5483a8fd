package report

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// dumpDOM opens a page in headless Chromium and returns the DOM after its
// scripts ran. Without Chromium the test is skipped, except in CI (CI set),
// where it must run.
func dumpDOM(t *testing.T, url string) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing; CI must install Debian's chromium package: %v", chromiumPath, err)
		}
		t.Skipf("%s is missing (apt-get install -y chromium); skipping the browser test", chromiumPath)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromiumPath,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--dump-dom", url)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, stderr.String())
	}
	return string(out)
}

// tag returns the opening tag of the element with the given id.
func tag(t *testing.T, dom, id string) string {
	t.Helper()
	m := regexp.MustCompile(`<[a-z]+ [^>]*id="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(dom)
	if m == "" {
		t.Fatalf("no element with id %s in the page", id)
	}
	return m
}

func isHidden(tag string) bool {
	return regexp.MustCompile(`\shidden(=""|\s|>)`).MatchString(tag)
}

func TestHTMLInBrowser(t *testing.T) {
	page := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(page, render(t, "html", fixture(), Options{}), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + filepath.ToSlash(page)

	t.Run("unfiltered", func(t *testing.T) {
		dom := dumpDOM(t, url)
		for _, want := range []string{
			`>52.3%</div>`,
			`<code>C-0057</code>`,
			`Privileged container`,
			`<code>Deployment/prod/web</code>`,
			`deploy/web.yaml:24`,
			`5 of 5 controls shown`,
		} {
			if !strings.Contains(dom, want) {
				t.Errorf("page does not show %q", want)
			}
		}
		for _, id := range []string{"control-C-0017", "control-C-0057", "control-C-0270"} {
			if isHidden(tag(t, dom, id)) {
				t.Errorf("row %s is hidden without a filter", id)
			}
		}
	})

	t.Run("filtered from the fragment", func(t *testing.T) {
		dom := dumpDOM(t, url+"#q=C-0057")
		if isHidden(tag(t, dom, "control-C-0057")) {
			t.Error("row C-0057 is hidden by its own filter")
		}
		for _, id := range []string{"control-C-0017", "control-C-0034", "control-C-0035", "control-C-0270"} {
			if !isHidden(tag(t, dom, id)) {
				t.Errorf("row %s is shown though it does not match q=C-0057", id)
			}
		}
		if !strings.Contains(dom, "1 of 5 controls shown") {
			t.Error("the page does not count one shown control")
		}
		if v := regexp.MustCompile(`<input [^>]*id="q"[^>]*>`).FindString(dom); v == "" {
			t.Error("no filter text box")
		}
		// Resource cards: only those with a C-0057 entry stay visible (web, and the excepted pod).
		cards := regexp.MustCompile(`<section class="resource"[^>]*>\s*<h3><code>([^<]*)</code>`).FindAllStringSubmatch(dom, -1)
		visible := map[string]bool{}
		for _, c := range cards {
			visible[c[1]] = !isHidden(c[0])
		}
		want := map[string]bool{
			"ClusterRoleBinding/dev-admin": false,
			"Pod/legacy/old-café":          true,
			"Deployment/prod/api":          false,
			"Deployment/prod/web":          true,
		}
		for ref, shown := range want {
			if got, ok := visible[ref]; !ok || got != shown {
				t.Errorf("resource %s visible = %v (found %v), want %v", ref, got, ok, shown)
			}
		}
	})

	t.Run("filtered by severity and status", func(t *testing.T) {
		dom := dumpDOM(t, url+"#severity=high&status=skipped")
		if isHidden(tag(t, dom, "control-C-0270")) || !isHidden(tag(t, dom, "control-C-0057")) {
			t.Error("severity=high&status=skipped does not show exactly C-0270")
		}
	})
}
