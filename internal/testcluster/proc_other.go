//go:build !unix

package testcluster

import (
	"os/exec"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup kills the component; without Unix process groups there is no
// gentler way and nothing more to kill.
func killGroup(cmd *exec.Cmd, _ bool) {
	// The process may be gone already; there is nothing to report then.
	_ = cmd.Process.Kill()
}

// alive cannot tell without Unix signals, so every owner counts as alive
// and no cluster directory is reaped.
func alive(int) bool { return true }
