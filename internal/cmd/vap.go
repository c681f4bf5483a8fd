package cmd

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"kubescape.io/kubescape/library"
	"kubescape.io/kubescape/vap"
)

// NewCmdVAP builds the vap command and its subcommands.
func NewCmdVAP(streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vap",
		Short: "Enforce controls in the API server with ValidatingAdmissionPolicies",
		Long: `Turn the controls that can be decided from the admitted object alone into
ValidatingAdmissionPolicies: the API server then enforces them itself, with no
webhook. Each policy's CEL is proven, by the project's tests, to reach the same
verdict as the control's Rego rule.

Configurable controls read their inputs from a ControlConfiguration
(policy.kubescape.io/v1alpha1) named "default", whose CRD and instance are
generated with the policies.`,
		Example: `  # Print the policies of every translated control
  kubectl kubescape vap generate

  # Warn about (rather than deny) the NSA framework's controls, as JSON
  kubectl kubescape vap generate --framework nsa --action Warn -o json

  # Apply two controls to the current cluster, in namespaces labelled env=prod
  kubectl kubescape vap apply --controls C-0057,C-0041 --namespace-selector env=prod

  # What is translated, and why the other controls are not
  kubectl kubescape vap list`,
	}
	cmd.AddCommand(
		newCmdVAPGenerate(streams),
		newCmdVAPApply(streams),
		newCmdVAPDelete(streams),
		newCmdVAPList(streams),
	)
	return cmd
}

// VAPOptions are the options of vap generate and vap apply.
type VAPOptions struct {
	Controls          []string
	Framework         string
	Actions           []string
	NamespaceSelector string
	ExcludeNamespaces []string
	Output            string
	ConfigFlags       *genericclioptions.ConfigFlags

	lib      *library.Library
	selected []*vap.Translation
	opts     vap.Options
	genericiooptions.IOStreams
}

// NewVAPOptions returns the defaults.
func NewVAPOptions(streams genericiooptions.IOStreams) *VAPOptions {
	return &VAPOptions{
		Actions:           []string{vap.ActionDeny},
		ExcludeNamespaces: vap.DefaultExcludeNamespaces,
		Output:            vap.FormatYAML,
		IOStreams:         streams,
	}
}

func (o *VAPOptions) addSelectionFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringSliceVar(&o.Controls, "controls", nil, "control IDs to enforce (comma-separated); default: every translated control")
	f.StringVar(&o.Framework, "framework", "", "enforce the translated controls of this framework")
	f.StringSliceVar(&o.Actions, "action", o.Actions, "what a binding does to a failing object: Deny, Warn or Audit (Deny,Audit and Warn,Audit combine)")
	f.StringVar(&o.NamespaceSelector, "namespace-selector", "", "label selector of the namespaces to enforce in (e.g. env=prod,team!=infra); default: all")
	f.StringSliceVar(&o.ExcludeNamespaces, "exclude-namespaces", o.ExcludeNamespaces, "namespaces never enforced in (empty to enforce everywhere)")
}

// Complete loads the library and the translations, and selects the controls.
func (o *VAPOptions) Complete() error {
	lib, err := library.Load()
	if err != nil {
		return withCode(ExitError, err)
	}
	o.lib = lib
	var actions []string
	for _, a := range o.Actions {
		for _, part := range strings.Split(a, ",") {
			if part = strings.TrimSpace(part); part != "" {
				actions = append(actions, strings.ToUpper(part[:1])+strings.ToLower(part[1:]))
			}
		}
	}
	o.opts = vap.Options{Actions: actions, ExcludeNamespaces: o.ExcludeNamespaces}
	if o.NamespaceSelector != "" {
		sel, err := parseLabelSelector(o.NamespaceSelector)
		if err != nil {
			return usageError("--namespace-selector %q: %w", o.NamespaceSelector, err)
		}
		o.opts.NamespaceSelector = sel
	}
	return nil
}

// parseLabelSelector reads a selector as kubectl -l does (=, ==, !=, in,
// notin, key, !key) into the LabelSelector of a binding.
func parseLabelSelector(s string) (*metav1.LabelSelector, error) {
	parsed, err := labels.Parse(s)
	if err != nil {
		return nil, err
	}
	reqs, _ := parsed.Requirements()
	out := &metav1.LabelSelector{}
	for _, r := range reqs {
		var op metav1.LabelSelectorOperator
		switch r.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In:
			op = metav1.LabelSelectorOpIn
		case selection.NotEquals, selection.NotIn:
			op = metav1.LabelSelectorOpNotIn
		case selection.Exists:
			op = metav1.LabelSelectorOpExists
		case selection.DoesNotExist:
			op = metav1.LabelSelectorOpDoesNotExist
		default:
			return nil, fmt.Errorf("operator %q: a namespace selector takes =, !=, in, notin, key and !key", r.Operator())
		}
		out.MatchExpressions = append(out.MatchExpressions, metav1.LabelSelectorRequirement{Key: r.Key(), Operator: op, Values: r.Values().List()})
	}
	return out, nil
}

// Validate checks the flags and resolves the controls to translations.
func (o *VAPOptions) Validate() error {
	if o.Output != vap.FormatYAML && o.Output != vap.FormatJSON {
		return usageError("--output %q: want yaml or json", o.Output)
	}
	if err := o.opts.Validate(); err != nil {
		return usageError("%w", err)
	}
	if len(o.Controls) > 0 && o.Framework != "" {
		return usageError("--controls and --framework exclude each other")
	}
	status := map[string]vap.Status{}
	for _, s := range vap.Coverage(o.lib) {
		status[s.Control.ID] = s
	}
	switch {
	case len(o.Controls) > 0:
		for _, id := range o.Controls {
			c, ok := o.lib.Control(strings.TrimSpace(id))
			if !ok {
				return usageError("unknown control %q; run 'kubectl kubescape vap list' for the translated controls", id)
			}
			s := status[c.ID]
			if s.State != vap.StateTranslated {
				return usageError("control %s cannot be enforced by a ValidatingAdmissionPolicy: %s: %s", c.ID, s.State, s.Reason)
			}
			if !slices.Contains(o.selected, s.Translation) {
				o.selected = append(o.selected, s.Translation)
			}
		}
		slices.SortFunc(o.selected, func(a, b *vap.Translation) int { return strings.Compare(a.Control.ID, b.Control.ID) })
	case o.Framework != "":
		controls, err := o.lib.Select([]string{o.Framework}, nil)
		if err != nil {
			return usageError("%w", err)
		}
		for _, c := range controls {
			if s := status[c.ID]; s.State == vap.StateTranslated {
				o.selected = append(o.selected, s.Translation)
			}
		}
		if len(o.selected) == 0 {
			return usageError("framework %s has no translated control; run 'kubectl kubescape vap list'", o.Framework)
		}
	default:
		for _, s := range vap.Coverage(o.lib) {
			if s.State == vap.StateTranslated {
				o.selected = append(o.selected, s.Translation)
			}
		}
	}
	return nil
}

// manifests generates the selected controls' manifests.
func (o *VAPOptions) manifests() (*vap.Manifests, error) {
	m, err := vap.Generate(o.lib, o.selected, o.opts)
	if err != nil {
		return nil, withCode(ExitError, err)
	}
	for _, s := range m.Skipped {
		fmt.Fprintf(o.ErrOut, "warning: %s left out: %v\n", s.ControlID, s.Reason)
	}
	return m, nil
}

func newCmdVAPGenerate(streams genericiooptions.IOStreams) *cobra.Command {
	o := NewVAPOptions(streams)
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Print the ValidatingAdmissionPolicies, bindings and params of the translated controls",
		Long: `Print, in the order to apply them, the ControlConfiguration CRD and its default
instance (when a selected control has inputs), one ValidatingAdmissionPolicy per
control, and one ValidatingAdmissionPolicyBinding per policy.`,
		Example: `  # Every translated control, denying failing objects outside kube-system
  kubectl kubescape vap generate > policies.yaml

  # Two controls, warning only, in every namespace
  kubectl kubescape vap generate --controls C-0057,C-0013 --action Warn --exclude-namespaces ""`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			m, err := o.manifests()
			if err != nil {
				return err
			}
			if err := vap.Write(o.Out, m, o.Output); err != nil {
				return withCode(ExitError, err)
			}
			return nil
		},
	}
	o.addSelectionFlags(cmd)
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "output format: yaml or json")
	return cmd
}

func newCmdVAPApply(streams genericiooptions.IOStreams) *cobra.Command {
	o := NewVAPOptions(streams)
	o.ConfigFlags = newConfigFlags()
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Apply the policies to the current cluster (server-side apply)",
		Long: `Generate the policies as 'vap generate' does and apply them to the cluster of
the current kubeconfig context with server-side apply (field manager kubescape):
the CRD first (waiting until it is served), then the params, the policies and
the bindings. The API server loads new policies within seconds.`,
		Example: `  # Enforce every translated control
  kubectl kubescape vap apply

  # Audit the NSA framework's controls in another cluster
  kubectl kubescape vap apply --framework nsa --action Audit --context staging`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			m, err := o.manifests()
			if err != nil {
				return err
			}
			cfg, err := o.ConfigFlags.ToRESTConfig()
			if err != nil {
				return usageError("cluster configuration: %w", err)
			}
			if err := vap.Apply(c.Context(), cfg, m, o.Out); err != nil {
				return withCode(ExitError, err)
			}
			return nil
		},
	}
	o.addSelectionFlags(cmd)
	o.ConfigFlags.AddFlags(cmd.Flags())
	return cmd
}

func newCmdVAPDelete(streams genericiooptions.IOStreams) *cobra.Command {
	flags := newConfigFlags()
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Remove every policy, binding and params object that vap apply made",
		Long: `Delete, from the cluster of the current kubeconfig context, the bindings,
policies, ControlConfigurations and CRD labelled app.kubernetes.io/managed-by=kubescape.`,
		Example: `  kubectl kubescape vap delete`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := flags.ToRESTConfig()
			if err != nil {
				return usageError("cluster configuration: %w", err)
			}
			if err := vap.Delete(c.Context(), cfg, streams.Out); err != nil {
				return withCode(ExitError, err)
			}
			return nil
		},
	}
	flags.AddFlags(cmd.Flags())
	return cmd
}

// VAPListOptions are the options of vap list.
type VAPListOptions struct {
	Output string
	genericiooptions.IOStreams
}

type vapStatusInfo struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	State  string   `json:"state"`
	Kinds  []string `json:"kinds,omitempty"`
	Reason string   `json:"reason,omitempty"`
}

func newCmdVAPList(streams genericiooptions.IOStreams) *cobra.Command {
	o := &VAPListOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Show which controls are translated to policies, and why the others are not",
		Example: `  kubectl kubescape vap list
  kubectl kubescape vap list -o json`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if o.Output != "" && o.Output != "json" {
				return usageError("--output %q: want json or nothing", o.Output)
			}
			return o.Run()
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "output format: '' (table) or json")
	return cmd
}

// Run prints the coverage.
func (o *VAPListOptions) Run() error {
	lib, err := library.Load()
	if err != nil {
		return withCode(ExitError, err)
	}
	out := []vapStatusInfo{}
	counts := map[string]int{}
	for _, s := range vap.Coverage(lib) {
		info := vapStatusInfo{ID: s.Control.ID, Name: s.Control.Name, State: s.State, Reason: s.Reason}
		if s.Translation != nil {
			info.Kinds = s.Translation.Kinds
		}
		out = append(out, info)
		counts[s.State]++
	}
	if o.Output == "json" {
		return writeJSON(o.Out, out)
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tNAME\tREASON")
	for _, s := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.ID, s.State, s.Name, oneLine(s.Reason))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	capable := counts[vap.StateTranslated] + counts[vap.StateNotTranslated] + counts[vap.StateInvalid]
	_, err = fmt.Fprintf(o.Out, "\n%d of %d admission-capable controls translated (%d controls in all; %d not translated yet, %d invalid, %d not decidable at admission)\n",
		counts[vap.StateTranslated], capable, len(out), counts[vap.StateNotTranslated], counts[vap.StateInvalid], counts[vap.StateNotAdmission])
	return err
}

// oneLine keeps a table cell on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
