// Command kubectl is the real kubectl, built from k8s.io/kubectl for tests
// (see hack/testcluster/build.sh).
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
)

func main() {
	cli.RunNoErrOutput(cmd.NewDefaultKubectlCommand())
}
