package testcluster

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"
)

// process is one component of the cluster (etcd, kube-apiserver), running
// in a process group of its own with its output in a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when the process has exited
	err     error         // why it exited; read after done
}

func startProcess(name, bin, logPath string, args []string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s log: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	fmt.Fprintf(logFile, "--- %s %s\n", bin, strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// exitedWith reports whether the process has exited, and why.
func (p *process) exitedWith() (bool, error) {
	select {
	case <-p.done:
		if p.err == nil {
			return true, fmt.Errorf("%s exited", p.name)
		}
		return true, fmt.Errorf("%s exited: %w", p.name, p.err)
	default:
		return false, nil
	}
}

// stop asks the process group to terminate, and kills it after grace.
func (p *process) stop(grace time.Duration) {
	select {
	case <-p.done:
		// The process is gone, but something it started may not be.
		killGroup(p.cmd, true)
		return
	default:
	}
	killGroup(p.cmd, false)
	select {
	case <-p.done:
	case <-time.After(grace):
	}
	killGroup(p.cmd, true)
	<-p.done
}

// addrInUse reports whether the process failed because its port was taken
// between freePort and its own bind: the caller then retries on another port.
func (p *process) addrInUse() bool {
	log, err := os.ReadFile(p.logPath)
	return err == nil && bytes.Contains(log, []byte("address already in use"))
}

// freePort returns a loopback TCP port that was free a moment ago. Another
// process may take it before the component binds it, so callers retry on
// "address already in use".
func freePort() (int, error) {
	return freePortOn(net.IPv4(127, 0, 0, 1))
}

// freePortOn returns a TCP port of ip that was free a moment ago.
func freePortOn(ip net.IP) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port on %s: %w", ip, err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("release port %d: %w", port, err)
	}
	return port, nil
}

// tail returns the last n lines of a file, for failure reports.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(read %s: %v)", path, err)
	}
	lines := strings.SplitAfter(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("... (%d earlier lines in %s)\n", len(lines)-n, path)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "")
}
