package sqlitestore

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/storage"
)

// crashDirEnv tells TestCrashWriter which directory to write to.
const crashDirEnv = "SQLITESTORE_CRASH_DIR"

// crashOptions make a fifth of the payloads files, so that both the inline
// and the file path are interrupted.
var crashOptions = Options{InlineLimit: 2048, CompactionInterval: -1}

// TestCrashWriter is the child process of TestCrashRecovery: it writes until
// it is killed, printing "C <name>" after each acknowledged create and
// "U <name>" after each acknowledged update.
func TestCrashWriter(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run as a child process by TestCrashRecovery")
	}
	db, err := Open(dir, crashOptions)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	s, err := db.NewStore(StoreConfig{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion), ResourcePrefix: "/pods/"})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	round := os.Getenv(crashDirEnv + "_ROUND")
	var out sync.Mutex
	ack := func(format string, args ...any) {
		out.Lock()
		defer out.Unlock()
		fmt.Printf(format+"\n", args...)
	}
	ctx := t.Context()
	for g := range 8 {
		go func() {
			for i := 0; ; i++ {
				name := fmt.Sprintf("r%s-g%d-%05d", round, g, i)
				pod := makePod("ns", name)
				if i%5 == 0 {
					pod = bigPod("ns", name, 4096)
				}
				if err := s.Create(ctx, podKey("ns", name), pod, &example.Pod{}, 0); err != nil {
					ack("ERR create %s: %v", name, err)
					os.Exit(2)
				}
				ack("C %s", name)
				if i%2 == 1 {
					err := s.GuaranteedUpdate(ctx, podKey("ns", name), &example.Pod{}, false, nil,
						storage.SimpleUpdate(func(obj kruntime.Object) (kruntime.Object, error) {
							obj.(*example.Pod).Labels = map[string]string{"updated": "yes"}
							return obj, nil
						}), nil)
					if err != nil {
						ack("ERR update %s: %v", name, err)
						os.Exit(2)
					}
					ack("U %s", name)
				}
			}
		}()
	}
	select {}
}

// TestCrashRecovery kills a writing child process with SIGKILL several times
// and checks after each crash that every acknowledged write is there and
// that no object is corrupt.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	created := map[string]bool{}
	updated := map[string]bool{}
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 3 {
		crashChild(t, dir, round, 100+rng.IntN(400), created, updated)
		verifyAfterCrash(t, dir, created, updated)
	}
}

// crashChild runs TestCrashWriter in a child process, kills it after acks
// acknowledged writes, and records the writes it acknowledged.
func crashChild(t *testing.T, dir string, round, acks int, created, updated map[string]bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriter$", "-test.count=1", "-test.timeout=10m")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, fmt.Sprintf("%s_ROUND=%d", crashDirEnv, round))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	seen, killed := 0, false
	for {
		line, err := r.ReadString('\n')
		if errors.Is(err, io.EOF) {
			// A line cut by the kill has no newline and was not acknowledged.
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		line = strings.TrimSuffix(line, "\n")
		kind, name, _ := strings.Cut(line, " ")
		switch kind {
		case "C":
			created[name] = true
		case "U":
			updated[name] = true
		case "ERR":
			t.Fatalf("child: %s", line)
		default:
			continue // output of the test framework
		}
		if seen++; seen == acks && !killed {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatalf("the child exited after %d acknowledged writes, before it was killed", seen)
	}
}

func verifyAfterCrash(t *testing.T, dir string, created, updated map[string]bool) {
	t.Helper()
	db, err := Open(dir, crashOptions)
	if err != nil {
		t.Fatalf("reopen after the crash: %v", err)
	}
	defer closeDB(t, db)
	s, err := db.NewStore(StoreConfig{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion), ResourcePrefix: "/pods/"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	// The list reads and checks every stored payload.
	list := listAll(ctx, t, s, storage.ListOptions{})
	stored := map[string]*example.Pod{}
	for i := range list.Items {
		stored[list.Items[i].Name] = &list.Items[i]
	}
	for name := range created {
		pod, ok := stored[name]
		if !ok {
			t.Errorf("acknowledged create of %s was lost", name)
			continue
		}
		if updated[name] && pod.Labels["updated"] != "yes" {
			t.Errorf("acknowledged update of %s was lost", name)
		}
	}
	// Open removed the files of unfinished writes.
	var files int
	for _, name := range payloadFiles(t, db) {
		if isTempPayload(name) {
			t.Errorf("temporary payload file %s survived Open", name)
		}
		files++
	}
	var referenced int
	if err := db.readDB.QueryRowContext(ctx, "SELECT count(*) FROM revisions WHERE file IS NOT NULL").Scan(&referenced); err != nil {
		t.Fatal(err)
	}
	if files != referenced {
		t.Errorf("%d payload files for %d referenced payloads", files, referenced)
	}
	t.Logf("after the crash: %d objects, %d acknowledged creates, %d acknowledged updates, %d payload files",
		len(list.Items), len(created), len(updated), files)
}
