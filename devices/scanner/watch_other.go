//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package scanner

import "os"

// openFlags: Windows has no O_NOFOLLOW; read checks with Lstat and SameFile instead.
const openFlags = 0

// extraLinks cannot be told portably here (Windows reports link counts only through
// GetFileInformationByHandle); the Lstat and SameFile checks in read still apply.
func extraLinks(os.FileInfo) bool { return false }
