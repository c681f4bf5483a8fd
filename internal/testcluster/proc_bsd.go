//go:build unix && !linux

package testcluster

import "syscall"

// sysProcAttr puts a component in a process group of its own, so that
// stopping it stops everything it started. Without Linux's parent-death
// signal, a test binary killed before its cleanup ran leaves the components
// running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
