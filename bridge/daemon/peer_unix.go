//go:build !windows

package daemon

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// selfUser is the user id the daemon runs as.
func selfUser() (string, error) { return strconv.Itoa(os.Getuid()), nil }

// checkPrivateDir refuses a socket directory that others can enter or that belongs to another user.
func checkPrivateDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("socket directory %s has mode %v; it must be 0700", dir, fi.Mode().Perm())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("socket directory %s belongs to uid %d, not to this user", dir, st.Uid)
	}
	return nil
}
