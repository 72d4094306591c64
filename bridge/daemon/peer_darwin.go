//go:build darwin

package daemon

import (
	"fmt"
	"net"
	"strconv"

	"golang.org/x/sys/unix"
)

// peerUser returns the user id of the process at the other end of a Unix socket (LOCAL_PEERCRED,
// what getpeereid(3) reads).
func peerUser(c net.Conn) (string, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return "", fmt.Errorf("not a unix socket connection")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return "", err
	}
	var cred *unix.Xucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptXucred(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	}); err != nil {
		return "", err
	}
	if cerr != nil {
		return "", cerr
	}
	return strconv.Itoa(int(cred.Uid)), nil
}
