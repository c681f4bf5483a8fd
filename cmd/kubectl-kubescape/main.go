// Command kubectl-kubescape is the kubectl plugin: kubectl kubescape ...
package main

import (
	"os"

	"kubescape.io/kubescape/internal/cmd"
)

func main() {
	os.Exit(cmd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
