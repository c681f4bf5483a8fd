package cmd

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profiler writes a Go profile of a run, for developers measuring a scan:
// the hidden --profile and --profile-output flags, named as kubectl's.
type profiler struct {
	name, output string
	cpu          *os.File
}

func (p *profiler) addFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&p.name, "profile", "none", "profile to write: none, cpu, heap, allocs")
	f.StringVar(&p.output, "profile-output", "profile.pprof", "file to write the profile to")
	_ = f.MarkHidden("profile")
	_ = f.MarkHidden("profile-output")
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return p.start() }
}

func (p *profiler) start() error {
	switch p.name {
	case "none", "heap", "allocs":
		if p.name != "none" {
			runtime.MemProfileRate = 64 << 10
		}
		return nil
	case "cpu":
		f, err := os.Create(p.output)
		if err != nil {
			return usageError("--profile-output: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close()
			return withCode(ExitError, fmt.Errorf("start the CPU profile: %w", err))
		}
		p.cpu = f
		return nil
	}
	return usageError("--profile %q: want none, cpu, heap or allocs", p.name)
}

// stop writes the profile once the command ran, whatever its outcome.
func (p *profiler) stop(errOut io.Writer) {
	var err error
	switch {
	case p.cpu != nil:
		pprof.StopCPUProfile()
		err = p.cpu.Close()
	case p.name == "heap" || p.name == "allocs":
		var f *os.File
		if f, err = os.Create(p.output); err == nil {
			err = pprof.Lookup(p.name).WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
	}
	if err != nil {
		fmt.Fprintf(errOut, "warning: profile not written: %v\n", err)
	}
}
