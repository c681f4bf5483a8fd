package testcluster

import "syscall"

// sysProcAttr puts a component in a process group of its own (so that
// stopping it stops everything it started) and has the kernel kill it when
// the test binary dies without cleaning up: a test timeout, ^C, a panic in
// TestMain's m.Run. The death signal follows the OS thread that started the
// process; the Go runtime keeps its threads alive unless a goroutine exits
// while locked to one, which this package never does.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
