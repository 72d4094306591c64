//go:build windows

package daemon

import (
	"net"

	"github.com/mynumber-shelter/shelter/bridge"
)

// peerUser returns the SID of the user running the client process at the other end of the
// bridge's named pipe (client process id → its token → its user).
func peerUser(c net.Conn) (string, error) { return bridge.PipePeerSID(c, false) }

// selfUser is the SID of the user the daemon runs as.
func selfUser() (string, error) { return bridge.CurrentUserSID() }
