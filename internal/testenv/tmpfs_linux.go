package testenv

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

// Tmpfs mounts a tmpfs of size bytes on a new temporary directory for the rest of the test
// (unmounted at cleanup) and returns its path: a disk that fills up, for full-disk tests. It
// needs root (as make test and CI run); otherwise it skips, or fails under
// SHELTER_REQUIRE_TMPFS=1.
func Tmpfs(t testing.TB, size int) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "shelter-fulldisk-")
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		os.Remove(dir)
		unavailable(t, "SHELTER_REQUIRE_TMPFS", "a tmpfs mount", err.Error()+" (needs root)")
	}
	t.Cleanup(func() {
		syscall.Unmount(dir, syscall.MNT_DETACH)
		os.Remove(dir)
	})
	return dir
}
