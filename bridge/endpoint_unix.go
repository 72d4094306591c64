//go:build !windows

package bridge

import (
	"context"
	"net"
	"path/filepath"
)

// SocketIn is the bridge's endpoint for the per-user directory dir: the Unix socket
// dir/bridge.sock, in a directory of mode 0700 that the daemon checks.
func SocketIn(dir string) string { return filepath.Join(dir, SocketName) }

// dial connects to the bridge at path. The daemon checks who is calling (SO_PEERCRED,
// LOCAL_PEERCRED); the socket's 0700 directory keeps everyone else from even reaching it.
func dial(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", path)
}
