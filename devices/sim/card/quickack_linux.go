package simcard

import (
	"net"
	"syscall"
)

// quickAck turns on TCP_QUICKACK, which Linux clears again after a while, so it is set
// before every read. vpcd sends a frame's length and its payload in two send calls; with
// delayed ACKs on this side, Nagle's algorithm on vpcd's side holds the payload back for
// about 40 ms per APDU. Acknowledging at once removes that wait.
func quickAck(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
