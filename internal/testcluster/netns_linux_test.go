package testcluster

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNonLoopbackAddress checks that addresses are distinct, local and not
// loopback, that a killed test binary's namespace and veth pair are reaped,
// and that the end of the test removes everything it made.
func TestNonLoopbackAddress(t *testing.T) {
	if missing := missingCapabilities(); len(missing) > 0 {
		t.Skipf("needs root with %s", strings.Join(missing, " and "))
	}
	ipBin, err := findIPCommand()
	if err != nil {
		t.Fatal(err)
	}
	// What a test binary killed before its cleanup leaves behind.
	exited := exec.Command("true")
	if err := exited.Run(); err != nil {
		t.Fatal(err)
	}
	dead := exited.Process.Pid
	staleNS, staleHost := fmt.Sprintf("%s%d-1", netnsPrefix, dead), fmt.Sprintf("kt%dh1", dead)
	// Under the lock, or another test binary reaps them half made.
	unlock, err := lockNetwork(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	for _, args := range [][]string{
		{"netns", "add", staleNS},
		{"link", "add", staleHost, "type", "veth", "peer", "name", fmt.Sprintf("kt%dp1", dead), "netns", staleNS},
	} {
		if err := runIP(t.Context(), ipBin, args...); err != nil {
			t.Fatal(err)
		}
	}
	unlock()

	var ips []net.IP
	t.Run("addresses", func(t *testing.T) {
		ips = []net.IP{NonLoopbackAddress(t), NonLoopbackAddress(t)}
		if ips[0].Equal(ips[1]) {
			t.Errorf("two calls gave the same address %s", ips[0])
		}
		for _, ip := range ips {
			if ip.IsLoopback() || ip.To4() == nil || !addressBlock.Contains(ip) {
				t.Errorf("address %s: want a non-loopback IPv4 address in %s", ip, addressBlock.String())
			}
			// Local: a server can listen on it and be dialed from this namespace.
			ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
			if err != nil {
				t.Fatalf("listen on %s: %v", ip, err)
			}
			conn, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
			if err != nil {
				t.Errorf("dial %s: %v", ln.Addr(), err)
			} else {
				_ = conn.Close()
			}
			_ = ln.Close()
		}
		if _, err := os.Stat(filepath.Join(netnsDir, staleNS)); !os.IsNotExist(err) {
			t.Errorf("namespace %s of dead pid %d was not reaped", staleNS, dead)
		}
		waitGone(t, staleHost)
	})

	// The subtest's end removed its namespaces, links and addresses.
	own := fmt.Sprintf("kt%dh", os.Getpid())
	links, _ := net.Interfaces()
	for _, l := range links {
		if strings.HasPrefix(l.Name, own) {
			t.Errorf("link %s left behind", l.Name)
		}
	}
	entries, _ := os.ReadDir(netnsDir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), netnsPrefix+strconv.Itoa(os.Getpid())+"-") {
			t.Errorf("namespace %s left behind", e.Name())
		}
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		for _, ip := range ips {
			if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
				t.Errorf("address %s still on the host", ip)
			}
		}
	}
}

// waitGone waits for a link to go: deleting a namespace destroys its veth
// pair asynchronously.
func waitGone(t *testing.T, link string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := net.InterfaceByName(link); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("link %s of a dead test binary was not reaped", link)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
