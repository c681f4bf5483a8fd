package cmd

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"kubescape.io/kubescape/library"
)

// ListOptions are the options of the list command.
type ListOptions struct {
	What      string
	Output    string
	Framework string

	lib *library.Library
	genericiooptions.IOStreams
}

// NewCmdList builds the list command.
func NewCmdList(streams genericiooptions.IOStreams) *cobra.Command {
	o := &ListOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "list frameworks|controls",
		Short: "List the frameworks or the controls of the library",
		Example: `  # Every framework with its number of controls
  kubectl kubescape list frameworks

  # The controls of the NSA framework
  kubectl kubescape list controls --framework nsa

  # Every control, as JSON
  kubectl kubescape list controls -o json`,
		ValidArgs: []string{"frameworks", "controls"},
		Args:      cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "output format: '' (table) or json")
	cmd.Flags().StringVar(&o.Framework, "framework", "", "list only the controls of this framework")
	return cmd
}

// Complete loads the library.
func (o *ListOptions) Complete(args []string) error {
	o.What = args[0]
	lib, err := library.Load()
	if err != nil {
		return withCode(ExitError, err)
	}
	o.lib = lib
	return nil
}

// Validate checks the options.
func (o *ListOptions) Validate() error {
	if o.What != "frameworks" && o.What != "controls" {
		return usageError("cannot list %q: want frameworks or controls", o.What)
	}
	if o.Output != "" && o.Output != "json" {
		return usageError("--output %q: want json or nothing", o.Output)
	}
	if o.Framework != "" {
		if o.What != "controls" {
			return usageError("--framework goes with 'list controls'")
		}
		if _, ok := o.lib.Framework(o.Framework); !ok {
			return usageError("unknown framework %q; known frameworks: %s", o.Framework, strings.Join(o.lib.FrameworkNames(), ", "))
		}
	}
	return nil
}

type controlInfo struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Severity    string          `json:"severity"`
	BaseScore   float64         `json:"baseScore"`
	Scope       []string        `json:"scope"`
	Kinds       []string        `json:"kinds"`
	Frameworks  []string        `json:"frameworks"`
	Requires    string          `json:"requires,omitempty"`
	Description string          `json:"description"`
	Remediation string          `json:"remediation"`
	Inputs      []library.Input `json:"inputs,omitempty"`
}

type frameworkInfo struct {
	Name        string   `json:"name"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Controls    []string `json:"controls"`
}

// Run prints the list.
func (o *ListOptions) Run() error {
	if o.What == "frameworks" {
		out := []frameworkInfo{}
		for _, fw := range o.lib.Frameworks() {
			out = append(out, frameworkInfo{fw.Name, fw.Title, strings.TrimSpace(fw.Description), fw.Controls})
		}
		if o.Output == "json" {
			return writeJSON(o.Out, out)
		}
		tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tCONTROLS\tTITLE")
		for _, fw := range out {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", fw.Name, len(fw.Controls), fw.Title)
		}
		return tw.Flush()
	}
	controls := o.lib.Controls()
	if o.Framework != "" {
		var err error
		if controls, err = o.lib.Select([]string{o.Framework}, nil); err != nil {
			return usageError("%w", err)
		}
	}
	out := []controlInfo{}
	for _, c := range controls {
		out = append(out, controlInfo{
			ID: c.ID, Name: c.Name, Severity: c.Severity, BaseScore: c.BaseScore, Scope: c.Scope,
			Kinds: c.Kinds, Frameworks: c.Frameworks, Requires: c.Requires,
			Description: strings.TrimSpace(c.Description), Remediation: strings.TrimSpace(c.Remediation), Inputs: c.Inputs,
		})
	}
	if o.Output == "json" {
		return writeJSON(o.Out, out)
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tNAME\tFRAMEWORKS")
	for _, c := range out {
		name := c.Name
		if c.Requires != "" {
			name += " (skipped: needs " + map[string]string{library.RequiresHost: "a host scan", library.RequiresCloud: "cloud data", library.RequiresRegistry: "the registry", library.RequiresManual: "a manual review"}[c.Requires] + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Severity, name, strings.Join(c.Frameworks, ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(o.Out, "\n%d controls\n", len(out))
	return err
}
