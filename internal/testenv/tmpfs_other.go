//go:build !linux

package testenv

import "testing"

// Tmpfs is Linux only: elsewhere the full-disk tests skip.
func Tmpfs(t testing.TB, size int) string {
	t.Helper()
	unavailable(t, "SHELTER_REQUIRE_TMPFS", "a tmpfs mount", "Linux only")
	return ""
}
