//go:build unix

package ui

import (
	"fmt"
	"syscall"
)

// ownProcessGroup checks that pid leads a process group of its own (a started bridge outlives
// the app's terminal and its signals).
func ownProcessGroup(pid int) error {
	pgid, err := syscall.Getpgid(pid)
	if err != nil || pgid != pid {
		return fmt.Errorf("the bridge is not in its own process group: %d %v", pgid, err)
	}
	return nil
}
