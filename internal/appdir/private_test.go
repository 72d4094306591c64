//go:build !windows

package appdir

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMkdirPrivate: a new folder is 0700, and an existing one open to others is narrowed to 0700.
func TestMkdirPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "vault")
	if err := MkdirPrivate(dir); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("new folder mode %v", fi.Mode().Perm())
	}
	open := t.TempDir()
	os.Chmod(open, 0o755)
	if err := MkdirPrivate(open); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(open); fi.Mode().Perm() != 0o700 {
		t.Errorf("existing folder mode %v", fi.Mode().Perm())
	}
}
