//go:build unix

package ui

import (
	"os/exec"
	"syscall"
)

// detach puts the daemon in its own process group, so that closing the window (or a Ctrl-C in
// the terminal that started the app) does not stop it.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
