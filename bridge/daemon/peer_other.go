//go:build !linux

package daemon

import (
	"fmt"
	"net"
	"os"
)

// peerUID is not available here: the 0700 socket directory is the guard (documented in the
// package comment). It returns the daemon's own uid so the check passes.
func peerUID(net.Conn) (int, error) { return os.Getuid(), nil }

// checkPrivateDir refuses a socket directory that others can enter (where modes mean something).
func checkPrivateDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 && os.PathSeparator == '/' {
		return fmt.Errorf("socket directory %s has mode %v; it must be 0700", dir, fi.Mode().Perm())
	}
	return nil
}
