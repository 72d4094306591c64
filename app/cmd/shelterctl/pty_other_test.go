//go:build !linux

package main

import (
	"os"
	"testing"
)

// terminalInput is Linux's (pty_linux_test.go); elsewhere there is none (nil).
func terminalInput(t *testing.T, typed string) *os.File { return nil }
