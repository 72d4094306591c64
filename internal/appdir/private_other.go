//go:build !windows

package appdir

import "os"

// restrict narrows dir to mode 0700.
func restrict(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm() != 0o700 {
		return os.Chmod(dir, 0o700)
	}
	return nil
}
