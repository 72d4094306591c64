//go:build !windows

package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
)

func setupConsole(string) {}

// noWindow: only Windows opens a window for a console program.
func noWindow(*exec.Cmd) {}

// runLog: the service manager (systemd, launchd) keeps what the bridge writes to stderr.
func runLog() (io.Writer, func()) { return os.Stderr, func() {} }

// startDetached is used only by the Windows plan.
func startDetached([]string) error { return errors.New("not used on this OS") }
