//go:build windows

package daemon

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/Microsoft/go-winio"

	"github.com/mynumber-shelter/shelter/bridge"
)

// Listen creates dir (the bridge's per-user directory, for its state) and listens on the named
// pipe that belongs to it ([bridge.SocketIn]), created with a security descriptor that admits
// only this user ([pipeSDDL]). A pipe of that name that already exists — another bridge, or
// someone squatting on the name — makes Listen fail: the first instance is created with
// FILE_FLAG_FIRST_PIPE_INSTANCE semantics, so the daemon never joins a pipe made by another.
func Listen(dir string) (net.Listener, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the bridge's directory: %w", err)
	}
	sid, err := selfUser()
	if err != nil {
		return nil, fmt.Errorf("the bridge's user: %w", err)
	}
	sddl, err := pipeSDDL(sid)
	if err != nil {
		return nil, err
	}
	path := bridge.SocketIn(dir)
	l, err := winio.ListenPipe(path, &winio.PipeConfig{SecurityDescriptor: sddl, InputBufferSize: 64 << 10, OutputBufferSize: 64 << 10})
	if err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if c, derr := winio.DialPipeContext(ctx, path); derr == nil {
			c.Close()
			return nil, ErrRunning
		}
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	return l, nil
}

// WatchSocket on Windows never reports: a pipe vanishes with its server, and the per-user
// directory is not removed under a running bridge as a Linux runtime directory is.
func WatchSocket(ctx context.Context, path string, interval time.Duration) <-chan struct{} {
	return make(chan struct{})
}
