// Package testcluster starts a real Kubernetes control plane for tests: an
// etcd and a kube-apiserver, built from the Go module proxy by
// hack/testcluster/build.sh, on free loopback ports, with RBAC, an admin
// identity and a least-privileged one, and the real kubectl to drive them.
//
// A test starts its own cluster with Start; the tests of a package share one
// with Main (from TestMain) and Shared. Everything a cluster runs is stopped
// when the test ends, also when it fails or panics; on Linux the processes
// also die with the test binary (a timeout or ^C). Logs of etcd and the API
// server are printed only when a test fails.
//
// There is no controller-manager, scheduler or kubelet: objects are stored
// and admitted exactly as in a real cluster, but a Deployment never gets
// Pods. What the controller-manager would do for admission is done by the
// harness: every namespace gets its "default" ServiceAccount, so the
// ServiceAccount admission plugin stays enabled and Pods are admitted (and
// mutated) as in a real cluster.
//
// The binaries come from the directory named by $KUBESCAPE_TESTCLUSTER_BIN
// (the Makefile sets it) or, when it is unset, from hack/testcluster/build.sh,
// which builds them once (several minutes) and then answers from its cache.
// In -short mode every test that needs a cluster is skipped.
package testcluster
