package testcluster

import (
	"net"
	"testing"
)

// FreePort returns a TCP port of ip that was free a moment ago, for a
// server the test starts with an explicit port (such as an extension API
// server on an address from NonLoopbackAddress). Another process may take
// it first: a server that fails with "address already in use" is restarted
// on another port.
func FreePort(t testing.TB, ip net.IP) int {
	t.Helper()
	port, err := freePortOn(ip)
	if err != nil {
		t.Fatal(err)
	}
	return port
}
