package cmd

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"kubescape.io/kubescape/internal/version"
	"kubescape.io/kubescape/library"
)

// VersionOptions are the options of the version command.
type VersionOptions struct {
	Output string
	genericiooptions.IOStreams
}

// NewCmdVersion builds the version command.
func NewCmdVersion(streams genericiooptions.IOStreams) *cobra.Command {
	o := &VersionOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of the plugin and of its control library",
		Example: `  kubectl kubescape version
  kubectl kubescape version -o json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "output format: '' (text) or json")
	return cmd
}

// Validate checks the options.
func (o *VersionOptions) Validate() error {
	if o.Output != "" && o.Output != "json" {
		return usageError("--output %q: want json or nothing", o.Output)
	}
	return nil
}

// Run prints the version.
func (o *VersionOptions) Run() error {
	info := version.Get()
	lib, err := library.Load()
	if err != nil {
		return withCode(ExitError, err)
	}
	if o.Output == "json" {
		return writeJSON(o.Out, struct {
			version.Info
			Controls   int `json:"controls"`
			Frameworks int `json:"frameworks"`
		}{info, len(lib.Controls()), len(lib.Frameworks())})
	}
	fmt.Fprintf(o.Out, "kubescape %s (%s, %s)\n", info.Version, info.Platform, info.GoVersion)
	fmt.Fprintf(o.Out, "control library: %d controls, %d frameworks\n", len(lib.Controls()), len(lib.Frameworks()))
	return nil
}

// NewCmdCompletion builds the completion command.
func NewCmdCompletion(streams genericiooptions.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print a shell completion script for the command "kubescape" (for an alias
or a link to kubectl-kubescape of that name). kubectl itself (1.26 and later)
completes "kubectl kubescape ..." through an executable named
kubectl_complete-kubescape on the PATH that runs "kubectl kubescape __complete"
with the words typed: see the example.`,
		Example: `  # kubectl kubescape <TAB>: let kubectl ask the plugin
  printf '#!/bin/sh\nexec kubectl kubescape __complete "$@"\n' > ~/bin/kubectl_complete-kubescape
  chmod +x ~/bin/kubectl_complete-kubescape

  # bash, for the current shell, with an alias
  alias kubescape='kubectl kubescape'
  source <(kubectl kubescape completion bash)

  # zsh
  kubectl kubescape completion zsh > "${fpath[1]}/_kubescape"`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(streams.Out, true)
			case "zsh":
				return root.GenZshCompletion(streams.Out)
			case "fish":
				return root.GenFishCompletion(streams.Out, true)
			default:
				return root.GenPowerShellCompletionWithDesc(streams.Out)
			}
		},
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
