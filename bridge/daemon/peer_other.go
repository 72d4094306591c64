//go:build !linux && !darwin && !windows

package daemon

import (
	"fmt"
	"net"
	"os"
	"strconv"
)

// peerUser is not implemented on this OS (the BSDs): the 0700 socket directory is the guard
// (documented in the package comment). It returns the daemon's own uid so the check passes.
func peerUser(net.Conn) (string, error) { return selfUser() }

// selfUser is the user id the daemon runs as.
func selfUser() (string, error) { return strconv.Itoa(os.Getuid()), nil }

// checkPrivateDir refuses a socket directory that others can enter.
func checkPrivateDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("socket directory %s has mode %v; it must be 0700", dir, fi.Mode().Perm())
	}
	return nil
}
