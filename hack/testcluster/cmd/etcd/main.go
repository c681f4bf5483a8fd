// Command etcd is the real etcd server with its usual command line, built
// from go.etcd.io/etcd for tests (see hack/testcluster/build.sh).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
