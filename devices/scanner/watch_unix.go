//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package scanner

import (
	"os"
	"syscall"
)

// openFlags: do not follow a link planted in place of the file, and do not block if the
// name has become a FIFO.
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// extraLinks reports whether the file has more than one name. A hard link in the hot folder
// to a file elsewhere would otherwise let whoever can write the folder feed that file into a
// person's record.
func extraLinks(info os.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && uint64(st.Nlink) > 1
}
