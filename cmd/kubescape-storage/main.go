// Command kubescape-storage is the storage server of the cluster components:
// the results.kubescape.io aggregated API (storage/server).
package main

import (
	"os"

	"k8s.io/component-base/cli"

	"kubescape.io/kubescape/storage/server"
)

func main() {
	os.Exit(cli.Run(server.NewServeCommand("kubescape-storage")))
}
