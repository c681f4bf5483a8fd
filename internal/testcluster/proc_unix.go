//go:build unix

package testcluster

import (
	"os/exec"
	"syscall"
)

// killGroup signals the process group the component leads: SIGTERM to ask
// it to stop, SIGKILL to make it.
func killGroup(cmd *exec.Cmd, force bool) {
	sig := syscall.SIGTERM
	if force {
		sig = syscall.SIGKILL
	}
	// The group may be gone already; there is nothing to report then.
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}

// alive reports whether process pid exists. A process of another user
// counts as alive (EPERM): only a process known gone lets its files go.
func alive(pid int) bool {
	return syscall.Kill(pid, 0) != syscall.ESRCH
}
