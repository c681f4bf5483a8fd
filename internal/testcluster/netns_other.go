//go:build !linux

package testcluster

import (
	"net"
	"testing"
)

// NonLoopbackAddress skips the test: the address comes from a Linux
// network namespace and veth pair (see the Linux implementation).
func NonLoopbackAddress(t testing.TB) net.IP {
	t.Helper()
	t.Skip("NonLoopbackAddress needs Linux: it gives the test a non-loopback address on a veth pair whose peer sits in a network namespace of its own")
	return nil
}
