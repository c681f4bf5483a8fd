package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"kubescape.io/kubescape/internal/testcluster"
)

// benchSummary is a WorkloadConfigurationScanSummary of about 1.5 KB, the
// most numerous kind in a cluster (one per scanned resource).
func benchSummary(ns string, i int) []byte {
	var controls []string
	for c := range 12 {
		status := "passed"
		if (i+c)%3 == 0 {
			status = "failed"
		}
		controls = append(controls, fmt.Sprintf(`{"controlID":"C-%04d","status":%q,"severity":"high"}`, 10+c*7, status))
	}
	return []byte(fmt.Sprintf(`{"apiVersion":"results.kubescape.io/v1beta1","kind":"WorkloadConfigurationScanSummary",
"metadata":{"name":"apps-v1-deployment-app-%05d","namespace":%q,"labels":{"team":"team-%d"}},
"spec":{"resource":{"apiVersion":"apps/v1","kind":"Deployment","name":"app-%05d"},"scanTime":"2026-11-20T10:00:00Z",
"severities":{"high":4,"medium":1},"controls":[%s]}}`, i, ns, i%10, i, strings.Join(controls, ",")))
}

// parallel runs n jobs on workers goroutines and returns the wall time.
func parallel(b *testing.B, n, workers int, job func(i int) error) time.Duration {
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || firstErr.Load() != nil {
					return
				}
				if err := job(i); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := firstErr.Load(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// procStatus reads a field (kB) of /proc/PID/status.
func procStatus(pid int, field string) int64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			v, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return v << 10
		}
	}
	return 0
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// BenchmarkStorage measures kubescape-storage (the real server, over HTTPS
// with delegated authentication and authorization against the test API
// server): creates/s of KUBESCAPE_BENCH_STORAGE_OBJECTS objects (default
// 10,000) from 32 clients, gets/s from 16 clients, a full paginated list
// (limit 500), watch event latency, and the server's peak RSS.
//
//	go test ./internal/e2e -run '^$' -bench Storage -benchtime 1x
func BenchmarkStorage(b *testing.B) {
	n := 10000
	if s := os.Getenv("KUBESCAPE_BENCH_STORAGE_OBJECTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("KUBESCAPE_BENCH_STORAGE_OBJECTS=%q: want a positive number", s)
		}
		n = v
	}
	c := testcluster.Start(b)
	ns := "storage-bench"
	c.Apply(b, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	s := newStorageServer(b, c)
	s.start(b)
	pid := s.cmd.Process.Pid
	rssStart := procStatus(pid, "VmRSS")
	d := newDirectClient(b, c, s, 32)
	ctx := b.Context()
	base := resultsPath + "/namespaces/" + ns + "/workloadconfigurationscansummaries"

	b.ResetTimer()
	for range b.N {
		created := parallel(b, n, 32, func(i int) error {
			code, body, err := d.do(ctx, http.MethodPost, base, benchSummary(ns, i), "application/json")
			if err != nil || code != http.StatusCreated {
				return fmt.Errorf("create %d: %d %s: %w", i, code, body, err)
			}
			return nil
		})
		gets := n
		got := parallel(b, gets, 16, func(int) error {
			name := fmt.Sprintf("apps-v1-deployment-app-%05d", rand.IntN(n))
			code, body, err := d.do(ctx, http.MethodGet, base+"/"+name, nil, "")
			if err != nil || code != http.StatusOK {
				return fmt.Errorf("get %s: %d %s: %w", name, code, body, err)
			}
			return nil
		})
		// KUBESCAPE_BENCH_STORAGE_PROFILE=FILE saves a CPU profile of the
		// server during the lists (its /debug/pprof, as admin).
		profiled := make(chan error, 1)
		rounds := 3
		if out := os.Getenv("KUBESCAPE_BENCH_STORAGE_PROFILE"); out != "" {
			rounds = 8
			go func() {
				code, body, err := d.do(ctx, http.MethodGet, "/debug/pprof/profile?seconds=8", nil, "")
				if err == nil && code != http.StatusOK {
					err = fmt.Errorf("profile: %d %s", code, body)
				}
				if err == nil {
					err = os.WriteFile(out, body, 0o644)
				}
				profiled <- err
			}()
		} else {
			profiled <- nil
		}
		var listBest time.Duration
		pages := 0
		for range rounds {
			start := time.Now()
			cont, items, p := "", 0, 0
			for {
				code, body, err := d.do(ctx, http.MethodGet, base+"?limit=500&continue="+cont, nil, "")
				if err != nil || code != http.StatusOK {
					b.Fatalf("list: %d %v %s", code, err, body)
				}
				var page struct {
					Metadata struct {
						Continue string `json:"continue"`
					} `json:"metadata"`
					Items []json.RawMessage `json:"items"`
				}
				if err := json.Unmarshal(body, &page); err != nil {
					b.Fatal(err)
				}
				items += len(page.Items)
				p++
				if cont = page.Metadata.Continue; cont == "" {
					break
				}
			}
			took := time.Since(start)
			if items != n {
				b.Fatalf("paginated list: %d items, want %d", items, n)
			}
			if listBest == 0 || took < listBest {
				listBest, pages = took, p
			}
		}
		if err := <-profiled; err != nil {
			b.Fatal(err)
		}
		lat := watchLatency(b, d, ns, 200)
		rssNow, rssPeak := procStatus(pid, "VmRSS"), procStatus(pid, "VmHWM")

		b.ReportMetric(float64(n)/created.Seconds(), "creates/s")
		b.ReportMetric(float64(gets)/got.Seconds(), "gets/s")
		b.ReportMetric(listBest.Seconds()*1000, "list-ms")
		b.ReportMetric(float64(rssPeak)/(1<<20), "peak-RSS-MB")
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "stored objects\tcreates/s (32 clients)\tgets/s (16 clients)\tpaginated list of %d (limit 500)\twatch latency p50\tp99\tRSS at start\tRSS now\tpeak RSS\tdata dir\t\n", n)
		fmt.Fprintf(tw, "%d\t%.0f\t%.0f\t%.0f ms (%d pages)\t%.1f ms\t%.1f ms\t%d MB\t%d MB\t%d MB\t%d MB\t\n",
			n+len(lat), float64(n)/created.Seconds(), float64(gets)/got.Seconds(), float64(listBest.Microseconds())/1000, pages,
			float64(percentile(lat, 0.5).Microseconds())/1000, float64(percentile(lat, 0.99).Microseconds())/1000,
			rssStart>>20, rssNow>>20, rssPeak>>20, dirSize(s.dataDir)>>20)
		if err := tw.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}

// watchLatency opens a watch, then creates count objects one after the
// other, and returns for each the time from sending the create to the
// watch event's arrival.
func watchLatency(b *testing.B, d *directClient, ns string, count int) []time.Duration {
	ctx, cancel := context.WithTimeout(b.Context(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.base+resultsPath+"/namespaces/"+ns+"/runtimealerts?watch=1&allowWatchBookmarks=false", nil)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := d.http.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("watch: %s", resp.Status)
	}
	type arrival struct {
		name string
		at   time.Time
	}
	arrived := make(chan arrival, count)
	go func() {
		dec := json.NewDecoder(resp.Body)
		for {
			var ev struct {
				Type   string `json:"type"`
				Object struct {
					Metadata struct {
						Name string `json:"name"`
					} `json:"metadata"`
				} `json:"object"`
			}
			if err := dec.Decode(&ev); err != nil {
				return
			}
			if ev.Type == "ADDED" {
				arrived <- arrival{ev.Object.Metadata.Name, time.Now()}
			}
		}
	}()
	// The watch is established once the response headers arrived.
	var lat []time.Duration
	for i := range count {
		name := fmt.Sprintf("latency-%d", i)
		body := []byte(fmt.Sprintf(`{"apiVersion":"results.kubescape.io/v1beta1","kind":"RuntimeAlert","metadata":{"name":%q,"namespace":%q},
"spec":{"ruleID":"R0001","ruleName":"Unexpected process","severity":"low","message":"m","time":"2026-11-20T10:00:00Z","podName":"p","containerName":"c","nodeName":"n"}}`, name, ns))
		sent := time.Now()
		code, out, err := d.do(ctx, http.MethodPost, resultsPath+"/namespaces/"+ns+"/runtimealerts", body, "application/json")
		if err != nil || code != http.StatusCreated {
			b.Fatalf("create %s: %d %v %s", name, code, err, out)
		}
		select {
		case got := <-arrived:
			if got.name != name {
				b.Fatalf("watch delivered %s, want %s", got.name, name)
			}
			lat = append(lat, got.at.Sub(sent))
		case <-ctx.Done():
			b.Fatalf("no watch event for %s", name)
		}
	}
	return lat
}
