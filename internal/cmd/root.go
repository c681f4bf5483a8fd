// Package cmd holds the commands of kubectl kubescape. Each command is an
// Options struct with Complete, Validate and Run, bound to cobra flags, in
// the style of kubectl.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// Exit codes of the plugin, documented in the README.
const (
	// ExitOK: the scan ran and no threshold was breached.
	ExitOK = 0
	// ExitThreshold: a compliance or severity threshold was breached.
	ExitThreshold = 1
	// ExitUsage: the command line, a named file or a flag value was wrong.
	ExitUsage = 2
	// ExitUnreadable: the scan ran but some inputs could not be read.
	ExitUnreadable = 3
	// ExitError: the scan could not run or its report could not be written.
	ExitError = 4
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks an error as the user's to fix: exit code 2.
func usageError(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

func withCode(code int, err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: code, err: err}
}

// NewRootCmd builds the root command.
func NewRootCmd(streams genericiooptions.IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use: "kubescape",
		// kubectl runs the plugin as "kubectl kubescape": usage lines say so.
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl kubescape"},
		Short:       "Kubernetes security posture: scan manifests against security frameworks",
		Long: `kubectl kubescape checks Kubernetes objects against a library of security
controls (C-0057 "Privileged container" and others) grouped in frameworks
(NSA, ...), and reports what fails, where, and how to fix it.`,
		Example: `  # Scan the manifests in a directory against every control
  kubectl kubescape scan ./deploy

  # Scan a Helm chart against the NSA framework and fail CI on high severity
  kubectl kubescape scan framework nsa ./charts/app --severity-threshold high

  # List the controls
  kubectl kubescape list controls`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.AddCommand(
		NewCmdScan(streams),
		NewCmdList(streams),
		NewCmdVersion(streams),
		NewCmdCompletion(streams),
		NewCmdVuln(streams),
		NewCmdVAP(streams),
		NewCmdWebhook(streams),
	)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%w\nSee '%s --help'.", err, c.CommandPath())
	})
	return root
}

// Main runs the plugin with the arguments and returns the exit code.
func Main(args []string, in io.Reader, out, errOut io.Writer) int {
	tuneGC()
	streams := genericiooptions.IOStreams{In: in, Out: out, ErrOut: errOut}
	root := NewRootCmd(streams)
	prof := &profiler{}
	prof.addFlags(root)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	prof.stop(errOut)
	if err == nil {
		return ExitOK
	}
	code := ExitUsage // cobra's own errors (unknown command, bad arguments) are usage errors
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	fmt.Fprintf(errOut, "error: %v\n", err)
	return code
}
