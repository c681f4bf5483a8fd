package image

import (
	"fmt"
	"os"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"kubescape.io/kubescape/internal/image/imagetest"
	"kubescape.io/kubescape/internal/image/vulndbtest"
)

// Fixtures shared by the tests of this package: a loopback registry holding
// synthetic images, and a tiny vulnerability database.
var (
	reg     *imagetest.Registry
	dbDir   string
	alpine  v1.Image
	debian  v1.Image
	alpRef  string // registry reference of alpine
	debRef  string
	testNow = time.Now()
)

var alpinePkgs = []imagetest.Package{
	{Name: "busybox", Version: "1.36.1-r0"},
	{Name: "musl", Version: "1.2.5-r0"},
	{Name: "zlib", Version: "1.3.1-r0"},
	{Name: "libcrypto3", Version: "3.3.0-r0", Source: "openssl"},
}

var debianPkgs = []imagetest.Package{
	{Name: "libssl3", Version: "3.0.11-1~deb12u2", Source: "openssl"},
	{Name: "zlib1g", Version: "1:1.2.13.dfsg-1", Source: "zlib"},
	{Name: "tar", Version: "1.34+dfsg-1.2"},
	{Name: "base-files", Version: "12.4+deb12u5"},
}

var alpine320 = vulndbtest.OS{Name: "alpine", Major: "3", Minor: "20"}
var debian12 = vulndbtest.OS{Name: "debian", Major: "12", Codename: "bookworm"}

// testVulns is the database: what each image must and must not match.
var testVulns = []vulndbtest.Vuln{
	{ID: "CVE-2024-0001", Severity: "high", CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Description: "busybox wget overflow",
		Ecosystem: "apk", OS: alpine320, Package: "busybox", Constraint: "< 1.36.1-r1", FixedIn: "1.36.1-r1", Aliases: []string{"GHSA-test-0001"}},
	{ID: "CVE-2024-0002", Severity: "critical", Ecosystem: "apk", OS: alpine320, Package: "musl", Constraint: "< 1.2.5-r1", FixedIn: "1.2.5-r1"},
	// zlib 1.3.1-r0 is already fixed: no match.
	{ID: "CVE-2024-0003", Severity: "high", Ecosystem: "apk", OS: alpine320, Package: "zlib", Constraint: "< 1.3.1-r0", FixedIn: "1.3.1-r0"},
	// libcrypto3 matches through its origin, openssl.
	{ID: "CVE-2024-0004", Severity: "medium", Ecosystem: "apk", OS: alpine320, Package: "openssl", Constraint: "< 3.3.2-r0", FixedIn: "3.3.2-r0"},
	// Another release of Alpine: no match.
	{ID: "CVE-2024-0009", Severity: "critical", Ecosystem: "apk", OS: vulndbtest.OS{Name: "alpine", Major: "3", Minor: "18"}, Package: "busybox", Constraint: "< 9.9", FixedIn: "9.9"},
	{ID: "CVE-2024-0010", Severity: "high", Ecosystem: "deb", OS: debian12, Package: "openssl", Constraint: "< 3.0.13-1~deb12u1", FixedIn: "3.0.13-1~deb12u1"},
	{ID: "CVE-2024-0011", Severity: "low", Ecosystem: "deb", OS: debian12, Package: "zlib", Constraint: "", FixState: "not-fixed"},
	{ID: "CVE-2024-0012", Severity: "negligible", Ecosystem: "deb", OS: debian12, Package: "tar", Constraint: "", FixState: "wont-fix"},
}

// closeDB closes db and fails the test or benchmark if that fails.
func closeDB(tb testing.TB, db *DB) {
	tb.Helper()
	if err := db.Close(); err != nil {
		tb.Errorf("close the vulnerability database: %v", err)
	}
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "image-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := os.RemoveAll(tmp); err != nil {
			fmt.Fprintln(os.Stderr, "remove the test directory:", err)
		}
	}()
	// No test may read the user's docker config or cache.
	for k, v := range map[string]string{"DOCKER_CONFIG": tmp + "/docker", "XDG_CACHE_HOME": tmp + "/cache"} {
		if err := os.Setenv(k, v); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}

	dbDir = tmp + "/vulndb"
	if err := vulndbtest.Build(dbDir, testNow.Add(-time.Hour), testVulns); err != nil {
		fmt.Fprintln(os.Stderr, "build test DB:", err)
		return 1
	}
	if alpine, err = imagetest.Image("linux/amd64", imagetest.AlpineFiles("3.20.3", alpinePkgs)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if debian, err = imagetest.Image("linux/amd64", imagetest.DebianFiles("12", "bookworm", debianPkgs)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	reg = imagetest.NewRegistry("", "")
	defer reg.Close()
	if alpRef, err = reg.Push("library/alpine:3.20", alpine); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if debRef, err = reg.Push("library/debian:12", debian); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
