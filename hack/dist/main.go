// Command dist builds the release of kubectl kubescape: it cross-builds the
// plugin for every platform, packs each binary with the README and LICENSE
// into an archive (zip for Windows, tar.gz elsewhere), writes their sha256
// sums, and renders the krew plugin manifest from krew/kubescape.yaml.tmpl.
//
//	go run ./hack/dist -version v1.2.3                   # every platform, into dist/
//	go run ./hack/dist -version v1.2.3 -platforms linux/amd64 -out /tmp/d
//
// Archives are reproducible: the same sources, version and Go toolchain give
// the same bytes (file times come from $SOURCE_DATE_EPOCH, else the commit).
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}
