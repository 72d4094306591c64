//go:build !unix

package testenv

import (
	"fmt"
	"testing"
)

// VPCDBasePort is the TCP port of vpcd's first virtual reader (slot 0).
const VPCDBasePort = 35963

// VPCDSlot returns the address and reader name of vpcd slot n. vpcd runs on Linux only; here
// nothing is locked.
func VPCDSlot(t testing.TB, n int) (addr, reader string) {
	return fmt.Sprintf("127.0.0.1:%d", VPCDBasePort+n), fmt.Sprintf("Virtual PCD 00 %02d", n)
}
