// Command webhookbench measures the admission webhook on this machine and
// prints two tables: the handler's latency in process over the fixture
// corpus of every admission control (each review decoded, evaluated with
// the default policy and answered), and an HTTPS load test on loopback of a
// real server (TLS, HTTP/2) by concurrent clients posting the same reviews.
//
//	go run ./hack/webhookbench -clients 200 -duration 30s
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/library"
	"kubescape.io/kubescape/webhook"
	"kubescape.io/kubescape/webhook/certs"
	"kubescape.io/kubescape/webhook/corpus"
	"kubescape.io/kubescape/webhook/inventory"
	"kubescape.io/kubescape/webhook/policy"
)

func main() {
	clients := flag.Int("clients", 200, "concurrent HTTPS clients")
	duration := flag.Duration("duration", 30*time.Second, "length of the HTTPS load test; 0 skips it")
	passes := flag.Int("passes", 10, "passes over the corpus for the in-process latency")
	workers := flag.Int("workers", 0, "evaluation workers of the handler (0: its default, twice GOMAXPROCS)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "webhookbench:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "webhookbench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	// The plugin collects garbage when the heap grows fivefold (see
	// internal/cmd/gc.go); measure the server as it runs.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if err := run(*clients, *duration, *passes, *workers); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "webhookbench:", err)
		os.Exit(1)
	}
}

type sample struct {
	name string
	body []byte
	uid  string
}

func run(clients int, duration time.Duration, passes, workers int) error {
	ctx := context.Background()
	lib, err := library.Load()
	if err != nil {
		return err
	}
	p, err := policy.Compile(lib, policy.Default(), "kubescape")
	if err != nil {
		return err
	}
	cases, err := corpus.Load(lib, p.Controls())
	if err != nil {
		return err
	}
	eng, err := webhook.NewEngine(lib, p.Controls(), nil)
	if err != nil {
		return err
	}
	var related []*resource.Object
	var samples []sample
	for i, c := range cases {
		for _, o := range c.Related {
			related = append(related, &resource.Object{Content: o})
		}
		uid := fmt.Sprintf("bench-%d", i)
		body, err := corpus.Review(c.Object, admissionv1.Create, uid)
		if err != nil {
			return err
		}
		samples = append(samples, sample{name: c.Control.ID + "/" + c.Name, body: body, uid: uid})
	}
	h := webhook.NewHandler(webhook.Config{
		Engine: eng, Policy: p, Metrics: webhook.NewMetrics(), Workers: workers,
		Sessions: inventory.NewStatic(ctx, eng, related, p.Kinds()),
	})
	defer h.Close()
	fmt.Printf("machine: %d CPUs (GOMAXPROCS %d), load average %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), loadavg())
	fmt.Printf("corpus: %d reviews (fixture cases of %d admission controls), %d related objects, default policy\n\n", len(samples), len(p.Controls()), len(related))
	if err := inProcess(h, samples, passes); err != nil {
		return err
	}
	if duration <= 0 {
		return nil
	}
	return loadTest(ctx, h, samples, clients, duration)
}

// inProcess times the handler on every review, passes times, after one warm-up pass.
func inProcess(h http.Handler, samples []sample, passes int) error {
	serve := func(s sample) (time.Duration, error) {
		req := httptest.NewRequest(http.MethodPost, webhook.ValidatePath, bytes.NewReader(s.body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		took := time.Since(start)
		if rec.Code != http.StatusOK {
			return 0, fmt.Errorf("%s: status %d: %s", s.name, rec.Code, rec.Body.Bytes())
		}
		return took, nil
	}
	for _, s := range samples {
		if _, err := serve(s); err != nil {
			return err
		}
	}
	var lat []time.Duration
	start := time.Now()
	for range passes {
		for _, s := range samples {
			d, err := serve(s)
			if err != nil {
				return err
			}
			lat = append(lat, d)
		}
	}
	wall := time.Since(start)
	slices.Sort(lat)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Println("In-process handler latency (one request at a time)")
	fmt.Fprintln(w, "requests\tmean\tp50\tp90\tp99\tp99.9\tmax\t")
	fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", len(lat), ms(wall/time.Duration(len(lat))),
		ms(pct(lat, 0.50)), ms(pct(lat, 0.90)), ms(pct(lat, 0.99)), ms(pct(lat, 0.999)), ms(lat[len(lat)-1]))
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Println()
	return nil
}

// loadTest serves the handler over HTTPS on loopback and drives it with
// clients, each on its own connection, for duration.
func loadTest(ctx context.Context, h *webhook.Handler, samples []sample, clients int, duration time.Duration) error {
	b, _, err := certs.Ensure(nil, certs.Spec{IPs: []net.IP{net.ParseIP("127.0.0.1")}}, time.Now())
	if err != nil {
		return err
	}
	kp := &certs.Keypair{}
	if _, err := kp.Set(b.Cert, b.Key); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	srv := &webhook.Server{Handler: h, Keypair: kp, Log: slog.New(slog.DiscardHandler)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln, nil) }()
	url := "https://" + ln.Addr().String() + webhook.ValidatePath
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(b.CACert)

	var (
		mu       sync.Mutex
		lat      []time.Duration
		errs     atomic.Int64
		denied   atomic.Int64
		firstErr atomic.Value
		next     atomic.Int64
	)
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &http.Transport{ForceAttemptHTTP2: true, TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			var mine []time.Duration
			for time.Now().Before(deadline) {
				s := samples[int(next.Add(1))%len(samples)]
				start := time.Now()
				d, err := post(client, url, s)
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				if d {
					denied.Add(1)
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	stop()
	if err := <-served; err != nil {
		return err
	}
	if len(lat) == 0 {
		return fmt.Errorf("no request succeeded: %v", firstErr.Load())
	}
	slices.Sort(lat)
	fmt.Printf("HTTPS load test on loopback (TLS, HTTP/2, one connection per client), load average after: %s\n", loadavg())
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "clients\tduration\trequests\treq/s\tp50\tp99\tp99.9\tmax\tdenied\terrors\t")
	fmt.Fprintf(w, "%d\t%s\t%d\t%.0f\t%s\t%s\t%s\t%s\t%d\t%d\t\n", clients, duration, len(lat), float64(len(lat))/duration.Seconds(),
		ms(pct(lat, 0.50)), ms(pct(lat, 0.99)), ms(pct(lat, 0.999)), ms(lat[len(lat)-1]), denied.Load(), errs.Load())
	if err := w.Flush(); err != nil {
		return err
	}
	if e := firstErr.Load(); e != nil {
		fmt.Println("first error:", e)
	}
	return nil
}

// post sends one review and checks the answer; it reports whether it was a denial.
func post(client *http.Client, url string, s sample) (bool, error) {
	resp, err := client.Post(url, "application/json", bytes.NewReader(s.body))
	if err != nil {
		return false, err
	}
	body, err := io.ReadAll(resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, err
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("%s: status %d: %s", s.name, resp.StatusCode, body)
	}
	var r admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &r); err != nil {
		return false, fmt.Errorf("%s: decode: %w", s.name, err)
	}
	if r.Response == nil || string(r.Response.UID) != s.uid {
		return false, errors.New(s.name + ": response without the request's uid")
	}
	return !r.Response.Allowed, nil
}

func pct(sorted []time.Duration, q float64) time.Duration {
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
