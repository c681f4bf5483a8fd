// Command imagebench measures 'kubectl kubescape scan image' on synthetic
// Alpine images served by a registry on loopback, against a tiny database
// with a vulnerability for every 20th package, and prints a table: packages,
// findings, first scan (empty SBOM cache) and cached rescan wall time, and the
// peak RSS of each, next to the plugin's start-up alone (--help), which every
// CLI run pays. Nothing leaves the machine.
//
//	go run ./internal/image/imagebench -bin bin/kubectl-kubescape -packages 1000
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"kubescape.io/kubescape/internal/image/imagetest"
	"kubescape.io/kubescape/internal/image/vulndbtest"
)

func main() {
	bin := flag.String("bin", "bin/kubectl-kubescape", "plugin binary to measure")
	sizes := flag.String("packages", "1000", "image sizes in packages, comma separated")
	runs := flag.Int("runs", 5, "cached rescans per size; the table shows the median")
	flag.Parse()
	if err := run(*bin, *sizes, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "imagebench:", err)
		os.Exit(1)
	}
}

type measure struct {
	wall time.Duration
	rss  int64 // bytes
}

func run(bin, sizes string, runs int) error {
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("plugin binary: %w (build it with make build)", err)
	}
	tmp, err := os.MkdirTemp("", "kubescape-imagebench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }() // best effort: a leftover temporary directory does not change the figures
	reg := imagetest.NewRegistry("", "")
	defer reg.Close()

	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	startup, err := median(runs, func() (measure, error) { return measureRun(bin, []string{"--help"}) })
	if err != nil {
		return err
	}
	fmt.Fprintln(tw, "packages\tfindings\tfirst scan\tpeak RSS\tcached rescan (median)\tpeak RSS\tstart-up alone (median)\t")
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("size %q: want a positive number", s)
		}
		pkgs := imagetest.SyntheticPackages(n)
		img, err := imagetest.Image("", imagetest.AlpineFiles("3.20.3", pkgs))
		if err != nil {
			return err
		}
		ref, err := reg.Push(fmt.Sprintf("bench/alpine-%d:1", n), img)
		if err != nil {
			return err
		}
		var vulns []vulndbtest.Vuln
		for i := 0; i < n; i += 20 {
			vulns = append(vulns, vulndbtest.Vuln{
				ID: fmt.Sprintf("CVE-2099-%05d", i), Severity: "high", Ecosystem: "apk",
				OS: vulndbtest.OS{Name: "alpine", Major: "3", Minor: "20"}, Package: pkgs[i].Name,
				Constraint: fmt.Sprintf("< 1.%d.1-r0", i), FixedIn: fmt.Sprintf("1.%d.1-r0", i),
			})
		}
		dir := filepath.Join(tmp, strconv.Itoa(n))
		db := filepath.Join(dir, "vulndb")
		if err := vulndbtest.Build(db, time.Now(), vulns); err != nil {
			return err
		}
		args := []string{"scan", "image", ref, "--db-dir", db, "--cache-dir", filepath.Join(dir, "cache"), "--format", "json", "-o", filepath.Join(dir, "report.json")}
		first, err := measureRun(bin, args)
		if err != nil {
			return err
		}
		med, err := median(runs, func() (measure, error) { return measureRun(bin, args) })
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", n, len(vulns), round(first.wall), mib(first.rss), round(med.wall), mib(med.rss), round(startup.wall))
	}
	return tw.Flush()
}

// median runs fn n times and returns the run of median wall time.
func median(n int, fn func() (measure, error)) (measure, error) {
	var ms []measure
	for range max(n, 1) {
		m, err := fn()
		if err != nil {
			return measure{}, err
		}
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b measure) int { return int(a.wall - b.wall) })
	return ms[len(ms)/2], nil
}

func measureRun(bin string, args []string) (measure, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+os.TempDir()+"/imagebench-no-docker-config")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return measure{}, err
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		return measure{}, fmt.Errorf("%s %s: exit %d: %s", bin, strings.Join(args, " "), code, stderr.String())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024
	}
	return measure{wall: wall, rss: rss}, nil
}

func round(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

func mib(b int64) string { return fmt.Sprintf("%d MiB", b>>20) }
