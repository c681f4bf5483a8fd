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
// # Aggregated API servers
//
// The API server runs with its aggregation layer configured as in a real
// cluster: a front-proxy CA of its own (FrontProxyCAPEM), the aggregator's
// client certificate (common name FrontProxyClientName), the X-Remote-User,
// X-Remote-Group and X-Remote-Extra- request headers, all published in
// kube-system/extension-apiserver-authentication for delegated
// authentication, and --enable-aggregator-routing, so the aggregator dials
// an APIService's endpoint rather than its Service's ClusterIP (there is no
// kube-proxy). A test serves an API group from a plain process like this:
//
//	c := testcluster.Shared(t)
//	ip := testcluster.NonLoopbackAddress(t) // needs root; skips otherwise
//	port := testcluster.FreePort(t, ip)
//	kubeconfig := c.ExtensionServerKubeconfig(t, "system:kubescape-storage")
//	certFile, keyFile, caBundle := c.ExtensionServingCert(t, group, ip)
//	// start the server on ip:port with kubeconfig, certFile and keyFile
//	c.RegisterAPIService(t, group, version, ip, port, caBundle) // waits for it
//	// kubectl now reaches the server through the API server
//
// NonLoopbackAddress exists because the API server refuses loopback
// addresses in EndpointSlices: it gives the test an address of this host on
// a veth pair whose peer sits in a network namespace the test creates, and
// removes both when the test ends. ExtensionServerKubeconfig is an identity
// bound to system:auth-delegator and extension-apiserver-authentication-reader
// (BindDelegatedAuth), what a server built on k8s.io/apiserver needs to
// authenticate and authorize requests through the API server.
// RegisterAPIService creates the Service, EndpointSlice and APIService and
// returns once the APIService is Available and in discovery.
//
// The binaries come from the directory named by $KUBESCAPE_TESTCLUSTER_BIN
// (the Makefile sets it) or, when it is unset, from hack/testcluster/build.sh,
// which builds them once (several minutes) and then answers from its cache.
// In -short mode every test that needs a cluster is skipped.
package testcluster
