package cmd

import (
	"strings"

	"github.com/spf13/cobra"

	"kubescape.io/kubescape/library"
)

// fixedValues completes a flag from a fixed list; a comma list completes its
// last element.
func fixedValues(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		prefix := ""
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			prefix = toComplete[:i+1]
		}
		out := make([]string, 0, len(values))
		for _, v := range values {
			if strings.HasPrefix(prefix+v, toComplete) {
				out = append(out, prefix+v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// completeScanArgs completes "scan": the words framework and control, then
// framework names or control IDs, then paths.
func completeScanArgs(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	switch {
	case len(args) == 0:
		var words []string
		for _, w := range []string{"framework\tscan against frameworks", "control\tscan against controls"} {
			if strings.HasPrefix(w, toComplete) {
				words = append(words, w)
			}
		}
		// Paths complete too: the shell's file completion (directive default).
		return words, cobra.ShellCompDirectiveDefault
	case len(args) == 1 && (args[0] == "framework" || args[0] == "control"):
		lib, err := library.Load()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var names []string
		if args[0] == "framework" {
			for _, fw := range lib.Frameworks() {
				names = append(names, fw.Name)
			}
		} else {
			for _, c := range lib.Controls() {
				names = append(names, c.ID+"\t"+c.Name)
			}
		}
		values, directive := fixedValues(names...)(nil, nil, toComplete)
		return values, directive
	}
	return nil, cobra.ShellCompDirectiveDefault
}
