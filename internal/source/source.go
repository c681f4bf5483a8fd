package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/internal/result"
)

// DefaultMaxFileSize is the size above which a file is skipped when
// Options.MaxFileSize is not set.
const DefaultMaxFileSize = 20 << 20

// binarySniffLen is how much of a file is searched for a NUL byte to tell binary files.
const binarySniffLen = 8 << 10

// ErrNotFound is wrapped by Read when a target does not exist or a glob matches nothing.
var ErrNotFound = errors.New("no such file or directory")

// Options configure how inputs are read.
type Options struct {
	// Stdin is read for the target "-".
	Stdin io.Reader
	// HelmValues are --values files for Helm charts, merged in order.
	HelmValues []string
	// HelmSet are --set key=value assignments (helm strvals syntax), applied after HelmValues.
	HelmSet []string
	// ReleaseName is the Helm release name; "release" when empty.
	ReleaseName string
	// ReleaseNamespace is the Helm release namespace; "default" when empty.
	ReleaseNamespace string
	// MaxFileSize is the size in bytes above which a file is skipped with a
	// problem; DefaultMaxFileSize when 0 or less.
	MaxFileSize int64
	// Seen, when set, is called with the kind of each object as soon as
	// its input is read, from the goroutines that read (so it must be safe
	// for concurrent use and quick).
	Seen func(kind string)
	// Compact keeps each object's content as JSON (resource.Object.Compact)
	// as soon as its input is read, so that large scans hold a fraction of
	// the memory; consumers call Object.Decoded.
	Compact bool
}

func (o Options) withDefaults() Options {
	if o.ReleaseName == "" {
		o.ReleaseName = "release"
	}
	if o.ReleaseNamespace == "" {
		o.ReleaseNamespace = "default"
	}
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	return o
}

// Result is what was read: objects, and the inputs that could not be read.
type Result struct {
	// Objects are sorted by target order, then path, then document.
	Objects []resource.Object
	// Problems are the inputs, or documents in them, that were not read or
	// were passed over (Skipped), in the same order.
	Problems []result.InputProblem
}

// Read reads every target: files, directories (recursively, Helm charts and
// Kustomize directories rendered), doublestar globs and "-" for opts.Stdin.
// It returns an error only for a target that does not exist (wrapping
// ErrNotFound) or when ctx is done; everything else that goes wrong is a
// Problem and reading goes on.
func Read(ctx context.Context, targets []string, opts Options) (*Result, error) {
	opts = opts.withDefaults()
	var jobs []job
	seen := map[string]bool{}
	for _, t := range targets {
		js, err := expand(t, seen)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, js...)
	}
	outs := make([]parsed, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(jobs), 1)) {
		wg.Go(func() {
			w := worker{strings: newInterner()}
			if opts.Compact {
				w.compact = &compactor{}
			}
			for i := range next {
				outs[i] = runJob(jobs[i], opts, w)
			}
		})
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read inputs: %w", err)
	}
	res := &Result{}
	nObj, nProb := 0, 0
	for _, o := range outs {
		nObj += len(o.objects)
		nProb += len(o.problems)
	}
	res.Objects = make([]resource.Object, 0, nObj)
	if nProb > 0 {
		res.Problems = make([]result.InputProblem, 0, nProb)
	}
	for _, o := range outs {
		res.Objects = append(res.Objects, o.objects...)
		res.Problems = append(res.Problems, o.problems...)
	}
	return res, nil
}

// jobKind says how a job is read.
type jobKind int

const (
	jobFile jobKind = iota
	jobStdin
	jobHelm
	jobKustomize
	jobProblem
)

// job is one unit of reading: a file, stdin, a chart, a kustomization, or a
// problem met while expanding targets (kept in place to preserve order).
type job struct {
	kind    jobKind
	path    string
	problem result.InputProblem
}

func runJob(j job, opts Options, w worker) (out parsed) {
	defer func() {
		if r := recover(); r != nil {
			out.problem(j.path, 0, false, "internal error: %v", r)
		}
	}()
	out = readJob(j, opts, w)
	if opts.Seen != nil {
		for i := range out.objects {
			opts.Seen(out.objects[i].Ref().Kind)
		}
	}
	if opts.Compact {
		// Objects of plain trees were compacted as they were read; this
		// compacts the others.
		for i := range out.objects {
			if err := out.objects[i].Compact(); err != nil {
				out.problem(j.path, out.objects[i].Origin.Line, false, "%v", err)
			}
		}
	}
	return out
}

func readJob(j job, opts Options, w worker) parsed {
	var out parsed
	switch j.kind {
	case jobFile:
		return readFile(j.path, opts.MaxFileSize, w)
	case jobStdin:
		return readStdin(opts, w)
	case jobHelm:
		return renderHelm(j.path, opts, w)
	case jobKustomize:
		return renderKustomize(j.path, w)
	default:
		out.problems = append(out.problems, j.problem)
		return out
	}
}

func readFile(path string, maxSize int64, w worker) parsed {
	var out parsed
	f, err := os.Open(path)
	if err != nil {
		out.problem(path, 0, false, "%v", fmt.Errorf("read %s: %w", path, err))
		return out
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		out.problem(path, 0, false, "%v", fmt.Errorf("read %s: %w", path, err))
		return out
	}
	if fi.Size() > maxSize {
		out.problem(path, 0, true, "file is %d bytes, larger than the limit of %d bytes", fi.Size(), maxSize)
		return out
	}
	// Room for the size the file says it has reads it in one allocation
	// (io.ReadAll would grow its buffer from 512 bytes). The limit also
	// holds for pipes and devices, whose size is not known.
	var buf bytes.Buffer
	buf.Grow(int(fi.Size()) + bytes.MinRead)
	_, err = buf.ReadFrom(io.LimitReader(f, maxSize+1))
	data := buf.Bytes()
	if err != nil {
		out.problem(path, 0, false, "%v", fmt.Errorf("read %s: %w", path, err))
		return out
	}
	if int64(len(data)) > maxSize {
		out.problem(path, 0, true, "file is larger than the limit of %d bytes", maxSize)
		return out
	}
	if isBinary(data) {
		out.problem(path, 0, true, "binary file")
		return out
	}
	in := input{kind: resource.OriginFile, path: path, data: data, worker: w}
	if fi.Mode().IsRegular() {
		// Locators read regular files again rather than keep their bytes.
		in.file = path
	}
	return parseInput(in)
}

func readStdin(opts Options, w worker) parsed {
	var out parsed
	if opts.Stdin == nil {
		out.problem("-", 0, false, "no standard input to read")
		return out
	}
	data, err := io.ReadAll(io.LimitReader(opts.Stdin, opts.MaxFileSize+1))
	if err != nil {
		out.problem("-", 0, false, "%v", fmt.Errorf("read standard input: %w", err))
		return out
	}
	if int64(len(data)) > opts.MaxFileSize {
		out.problem("-", 0, true, "standard input is larger than the limit of %d bytes", opts.MaxFileSize)
		return out
	}
	if isBinary(data) {
		out.problem("-", 0, true, "binary input")
		return out
	}
	return parseInput(input{kind: resource.OriginStdin, path: "-", data: data, worker: w})
}

func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), binarySniffLen)], 0) >= 0
}
