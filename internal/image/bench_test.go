package image

import (
	"fmt"
	"testing"
	"time"

	"kubescape.io/kubescape/internal/image/imagetest"
	"kubescape.io/kubescape/internal/image/vulndbtest"
)

// BenchmarkScan1000 scans an Alpine image of 1,000 packages from the loopback
// registry: "first" catalogs it (an empty SBOM cache each time), "cached"
// reads its SBOM from the cache. Both match against a database with a
// vulnerability for every 20th package.
func BenchmarkScan1000(b *testing.B) {
	const n = 1000
	pkgs := imagetest.SyntheticPackages(n)
	img, err := imagetest.Image("", imagetest.AlpineFiles("3.20.3", pkgs))
	if err != nil {
		b.Fatal(err)
	}
	ref, err := reg.Push("bench/large:1", img)
	if err != nil {
		b.Fatal(err)
	}
	var vulns []vulndbtest.Vuln
	for i := 0; i < n; i += 20 {
		vulns = append(vulns, vulndbtest.Vuln{
			ID: fmt.Sprintf("CVE-2099-%04d", i), Severity: "high", Ecosystem: "apk", OS: alpine320,
			Package: pkgs[i].Name, Constraint: "< " + fmt.Sprintf("1.%d.1-r0", i), FixedIn: fmt.Sprintf("1.%d.1-r0", i),
		})
	}
	dir := b.TempDir()
	if err := vulndbtest.Build(dir, time.Now(), vulns); err != nil {
		b.Fatal(err)
	}
	db, err := OpenDB(DBConfig{Dir: dir}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	defer closeDB(b, db)
	in := Input{Kind: KindRegistry, Location: ref}
	scan := func(b *testing.B, cache *Cache, wantCached bool) {
		s, err := NewScanner(Options{DB: db, Cache: cache})
		if err != nil {
			b.Fatal(err)
		}
		got, err := s.Scan(b.Context(), in)
		if err != nil {
			b.Fatal(err)
		}
		if got.Packages != n || len(got.Findings) != len(vulns) || got.Cached != wantCached {
			b.Fatalf("packages %d, findings %d, cached %v", got.Packages, len(got.Findings), got.Cached)
		}
	}
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			cache, err := OpenCache(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			scan(b, cache, false)
		}
	})
	b.Run("cached", func(b *testing.B) {
		cache, err := OpenCache(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		scan(b, cache, false)
		for b.Loop() {
			scan(b, cache, true)
		}
	})
}
