package testcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const (
	// netnsDir is where ip(8) keeps named network namespaces.
	netnsDir = "/run/netns"
	// netnsPrefix names the namespaces of NonLoopbackAddress:
	// kubescape-tc-<pid of the test binary>-<sequence>.
	netnsPrefix = "kubescape-tc-"
	// networkLock is an abstract Unix socket: holding it serializes the
	// address choice and /run/netns between test binaries, and the kernel
	// releases it when its holder dies, leaving no file behind.
	networkLock = "@kubescape-testcluster-network"
	// lockTimeout bounds the wait for another test binary's network change.
	lockTimeout = 30 * time.Second
)

// addressBlock is where the /30 networks of NonLoopbackAddress come from:
// private, and apart from the Service ranges the harness and real clusters
// use by default.
var addressBlock = net.IPNet{IP: net.IPv4(10, 213, 0, 0).To4(), Mask: net.CIDRMask(16, 32)}

// vethName matches the veth pairs of NonLoopbackAddress: kt<pid>h<n> on
// the host, kt<pid>p<n> in the namespace (at most 15 bytes, the kernel's
// limit for interface names).
var vethName = regexp.MustCompile(`^kt([0-9]+)[hp]([0-9]+)$`)

var linkSeq atomic.Int64

// Capabilities NonLoopbackAddress needs: network configuration, and the
// mounts and unshare of ip netns.
const (
	capNetAdmin = 12
	capSysAdmin = 21
)

// NonLoopbackAddress gives the test an IPv4 address of this host that is
// not loopback, for a server the real API server must reach through an
// EndpointSlice (which refuses loopback addresses), such as an extension
// API server registered with RegisterAPIService.
//
// It creates a network namespace kubescape-tc-<pid>-<n> and a veth pair
// whose host end gets x.x.x.1 of a free /30 in 10.213.0.0/16 and whose
// other end sits in the namespace. The returned address is the host end's:
// a server started as a plain process listens on it and still reaches the
// API server on 127.0.0.1, and the API server reaches it through the
// host's local routing. No packet leaves the host. Everything goes when
// the test ends, also when it fails; what a killed test binary left behind
// is removed by the next call in any test binary.
//
// It needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2's ip, and
// skips the test without root.
func NonLoopbackAddress(t testing.TB) net.IP {
	t.Helper()
	if missing := missingCapabilities(); len(missing) > 0 {
		t.Skipf("NonLoopbackAddress needs root with %s: it creates a network namespace and a veth pair (ip netns add, ip link add) "+
			"to give the test a non-loopback address; run the test as root, as CI does", strings.Join(missing, " and "))
	}
	l, err := newLocalLink(t.Context())
	if err != nil {
		t.Fatalf("non-loopback address: %v", err)
	}
	t.Cleanup(func() {
		if err := l.remove(); err != nil {
			t.Errorf("remove non-loopback address %s: %v", l.ip, err)
		}
	})
	return l.ip
}

// missingCapabilities names the capabilities NonLoopbackAddress needs that
// the process does not have in its effective set.
func missingCapabilities() []string {
	if os.Geteuid() != 0 {
		return []string{"CAP_NET_ADMIN", "CAP_SYS_ADMIN"}
	}
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return []string{"CAP_NET_ADMIN", "CAP_SYS_ADMIN (cannot read /proc/self/status)"}
	}
	defer f.Close()
	var eff uint64
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "CapEff:"); ok {
			eff, _ = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	var missing []string
	for _, c := range []struct {
		bit  uint
		name string
	}{{capNetAdmin, "CAP_NET_ADMIN"}, {capSysAdmin, "CAP_SYS_ADMIN"}} {
		if eff&(1<<c.bit) == 0 {
			missing = append(missing, c.name)
		}
	}
	return missing
}

// localLink is a veth pair with its host end addressed and its peer in a
// network namespace of its own.
type localLink struct {
	ipBin string
	netns string // namespace name, under /run/netns
	host  string // host end
	peer  string // end in the namespace
	ip    net.IP // address of the host end
}

func newLocalLink(ctx context.Context) (*localLink, error) {
	ipBin, err := findIPCommand()
	if err != nil {
		return nil, err
	}
	unlock, err := lockNetwork(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	reapStaleLinks(ctx, ipBin)

	pid, n := os.Getpid(), linkSeq.Add(1)
	l := &localLink{
		ipBin: ipBin,
		netns: fmt.Sprintf("%s%d-%d", netnsPrefix, pid, n),
		host:  fmt.Sprintf("kt%dh%d", pid, n),
		peer:  fmt.Sprintf("kt%dp%d", pid, n),
	}
	block, err := freeBlock()
	if err != nil {
		return nil, err
	}
	if err := l.create(ctx, block); err != nil {
		// Undo the steps that worked; the error that matters is the first.
		_ = l.removeLocked()
		return nil, err
	}
	return l, nil
}

// create makes the namespace and the veth pair; the peer end is brought up
// too, so the host end has carrier like any real link.
func (l *localLink) create(ctx context.Context, block net.IP) error {
	hostIP, peerIP := addIP(block, 1), addIP(block, 2)
	steps := [][]string{
		{"netns", "add", l.netns},
		{"link", "add", l.host, "type", "veth", "peer", "name", l.peer, "netns", l.netns},
		{"addr", "add", hostIP.String() + "/30", "dev", l.host},
		{"link", "set", l.host, "up"},
		{"-n", l.netns, "addr", "add", peerIP.String() + "/30", "dev", l.peer},
		{"-n", l.netns, "link", "set", l.peer, "up"},
	}
	for _, args := range steps {
		if err := runIP(ctx, l.ipBin, args...); err != nil {
			return err
		}
	}
	l.ip = hostIP
	return nil
}

func (l *localLink) remove() error {
	ctx, cancel := context.WithTimeout(context.Background(), lockTimeout)
	defer cancel()
	unlock, err := lockNetwork(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return l.removeLocked()
}

// removeLocked deletes the veth pair (both ends go together) and the
// namespace, then /run/netns when nothing else uses it.
func (l *localLink) removeLocked() error {
	ctx, cancel := context.WithTimeout(context.Background(), lockTimeout)
	defer cancel()
	var errs []error
	if _, err := net.InterfaceByName(l.host); err == nil {
		errs = append(errs, runIP(ctx, l.ipBin, "link", "del", l.host))
	}
	if _, err := os.Stat(filepath.Join(netnsDir, l.netns)); err == nil {
		errs = append(errs, runIP(ctx, l.ipBin, "netns", "del", l.netns))
	}
	errs = append(errs, releaseNetnsDir())
	return errors.Join(errs...)
}

// reapStaleLinks removes the namespaces and veth pairs of test binaries
// that died without cleaning up (a timeout, ^C). Best effort: what cannot
// go now is tried again by the next call.
func reapStaleLinks(ctx context.Context, ipBin string) {
	entries, _ := os.ReadDir(netnsDir)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), netnsPrefix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		if pid, err := strconv.Atoi(pidText); err == nil && stale(pid) {
			_ = runIP(ctx, ipBin, "netns", "del", e.Name())
		}
	}
	links, _ := net.Interfaces()
	for _, link := range links {
		m := vethName.FindStringSubmatch(link.Name)
		if m == nil {
			continue
		}
		if pid, err := strconv.Atoi(m[1]); err == nil && stale(pid) {
			_ = runIP(ctx, ipBin, "link", "del", link.Name)
		}
	}
	_ = releaseNetnsDir()
}

// stale reports whether pid names a test binary that is gone.
func stale(pid int) bool {
	return pid > 0 && pid != os.Getpid() && !alive(pid)
}

// releaseNetnsDir unmounts and removes /run/netns when it holds no
// namespace: ip netns add made it a mount point, and the next one makes it
// again. It leaves alone a directory that is in use.
func releaseNetnsDir() error {
	entries, err := os.ReadDir(netnsDir)
	switch {
	case os.IsNotExist(err):
		return nil
	case err != nil:
		return fmt.Errorf("read %s: %w", netnsDir, err)
	case len(entries) > 0:
		return nil
	}
	mounted, err := isMountPoint(netnsDir)
	if err != nil {
		return err
	}
	if mounted {
		if err := syscall.Unmount(netnsDir, syscall.MNT_DETACH); err != nil {
			return fmt.Errorf("unmount %s: %w", netnsDir, err)
		}
	}
	if err := os.Remove(netnsDir); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove %s: %w", netnsDir, err)
	}
	return nil
}

// isMountPoint reports whether dir is a mount point in this process's
// mount namespace.
func isMountPoint(dir string) (bool, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		// Field 5 is the mount point (see proc(5)).
		if fields := strings.Fields(s.Text()); len(fields) > 4 && fields[4] == dir {
			return true, nil
		}
	}
	return false, s.Err()
}

// freeBlock returns the first /30 of addressBlock that no address of this
// host falls in and no network of this host covers.
func freeBlock() (net.IP, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("list the host's addresses: %w", err)
	}
	var nets []*net.IPNet
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			nets = append(nets, n)
		}
	}
	size, _ := addressBlock.Mask.Size()
	for i := range 1 << (32 - size - 2) {
		block := addIP(addressBlock.IP, 4*i)
		blockNet := &net.IPNet{IP: block, Mask: net.CIDRMask(30, 32)}
		used := false
		for _, n := range nets {
			if n.Contains(block) || blockNet.Contains(n.IP) {
				used = true
				break
			}
		}
		if !used {
			return block, nil
		}
	}
	return nil, fmt.Errorf("every /30 of %s is in use on this host: remove stale veth links (ip -br addr)", addressBlock.String())
}

// addIP returns the IPv4 address n after ip.
func addIP(ip net.IP, n int) net.IP {
	v := ip.To4()
	u := uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
	u += uint32(n)
	return net.IPv4(byte(u>>24), byte(u>>16), byte(u>>8), byte(u)).To4()
}

// lockNetwork takes the harness's host-wide network lock, waiting for
// another test binary that holds it, and returns its release, which may be
// called more than once.
func lockNetwork(ctx context.Context) (func(), error) {
	ctx, cancel := context.WithTimeout(ctx, lockTimeout)
	defer cancel()
	for {
		l, err := net.ListenUnix("unix", &net.UnixAddr{Name: networkLock, Net: "unix"})
		if err == nil {
			return sync.OnceFunc(func() { _ = l.Close() }), nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("take network lock %s: %w", networkLock, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("network lock %s: held by another test binary for %s", networkLock, lockTimeout)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// findIPCommand returns the path of iproute2's ip, which is often in
// /usr/sbin, outside a user's $PATH.
func findIPCommand() (string, error) {
	if p, err := exec.LookPath("ip"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("iproute2's ip command is not installed: run hack/test-deps.sh (or apt-get install iproute2)")
}

func runIP(ctx context.Context, ipBin string, args ...string) error {
	out, err := exec.CommandContext(ctx, ipBin, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
