// Command bench measures kubectl-kubescape scans of a synthetic corpus of
// manifests at several sizes and prints a table: objects, files, wall time,
// objects per second, peak RSS and each size's time against the previous
// one's. Every control of the library runs; each size is run -runs times,
// in rounds, and the table shows the fastest run.
//
//	go run ./hack/bench -bin bin/kubectl-kubescape -sizes 1000,10000,50000
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/kubectl-kubescape", "plugin binary to measure")
	sizes := flag.String("sizes", "1000,10000,50000", "corpus sizes in objects, comma separated")
	perFile := flag.Int("per-file", 50, "objects per file")
	runs := flag.Int("runs", 3, "runs per size, in rounds over the sizes; the table shows the fastest")
	dir := flag.String("dir", "", "where to write the corpora (default a temporary directory, removed after)")
	flag.Parse()
	if err := run(*bin, *sizes, *perFile, *runs, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(bin, sizes string, perFile, runs int, dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "kubescape-bench-")
		if err != nil {
			return err
		}
		defer func() {
			if err := os.RemoveAll(tmp); err != nil {
				fmt.Fprintln(os.Stderr, "bench:", err)
			}
		}()
		dir = tmp
	}
	// The machine's speed drifts from minute to minute, so the sizes are
	// measured in rounds (each size once per round) rather than one after
	// the other: each size's best run comes from the same stretch of time,
	// and the ratio of their times means something.
	type result struct {
		n, files int
		corpus   string
		best     time.Duration
		rss      int64
		failed   string
	}
	var results []*result
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("size %q: want a positive number", s)
		}
		corpus := filepath.Join(dir, fmt.Sprintf("corpus-%d", n))
		files, err := writeCorpus(corpus, n, perFile)
		if err != nil {
			return fmt.Errorf("write corpus: %w", err)
		}
		results = append(results, &result{n: n, files: files, corpus: corpus})
	}
	for range runs {
		for _, r := range results {
			wall, maxRSS, failed, err := measure(bin, r.corpus)
			if err != nil {
				return err
			}
			if r.best == 0 || wall < r.best {
				r.best = wall
			}
			r.rss = max(r.rss, maxRSS)
			r.failed = failed
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "objects\tfiles\twall time\tobjects/s\tpeak RSS\tfailed results\ttime vs previous row\t")
	for i, r := range results {
		ratio := "-"
		if i > 0 {
			ratio = fmt.Sprintf("%.2fx", r.best.Seconds()/results[i-1].best.Seconds())
		}
		fmt.Fprintf(tw, "%d\t%d\t%.2f s\t%.0f\t%d MB\t%s\t%s\t\n", r.n, r.files, r.best.Seconds(), float64(r.n)/r.best.Seconds(), r.rss/1024, r.failed, ratio)
	}
	return tw.Flush()
}

// measure runs one scan and returns its wall time, peak RSS (KiB) and the
// number of failed results it reported.
func measure(bin, corpus string) (time.Duration, int64, string, error) {
	out := filepath.Join(corpus, "..", filepath.Base(corpus)+".prom")
	cmd := exec.Command(bin, "scan", corpus, "--format", "prometheus", "--output", out)
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			return 0, 0, "", fmt.Errorf("scan %s: %w", corpus, err)
		}
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return 0, 0, "", fmt.Errorf("read report: %w", err)
	}
	var failed float64
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "kubescape_control_results{") && strings.Contains(line, `status="failed"`) {
			v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err != nil {
				return 0, 0, "", fmt.Errorf("read report: %s: %w", line, err)
			}
			failed += v
		}
	}
	return wall, rss, strconv.FormatFloat(failed, 'f', 0, 64), nil
}
