//go:build !windows

package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"
)

// Listen creates dir with mode 0700 (refusing an existing one that others can enter or that
// belongs to someone else), removes a stale socket, and listens on dir/SocketName.
func Listen(dir string) (net.Listener, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating socket directory: %w", err)
	}
	if err := checkPrivateDir(dir); err != nil {
		return nil, err
	}
	path := bridge.SocketIn(dir)
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return nil, ErrRunning
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("removing stale socket: %w", err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("restricting socket: %w", err)
	}
	return l, nil
}

// WatchSocket returns a channel that is closed once the socket file at path is removed or
// replaced by another file (checked every interval until ctx ends). A daemon whose socket is
// gone can be reached by no one — its runtime directory was deleted, as a throwaway session's
// is when it ends (scripts/with-keyring.sh, make run-xvfb) — so it should exit instead of
// lingering as an orphan.
func WatchSocket(ctx context.Context, path string, interval time.Duration) <-chan struct{} {
	gone := make(chan struct{})
	first, err := os.Stat(path)
	if err != nil {
		close(gone)
		return gone
	}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if fi, err := os.Stat(path); err != nil || !os.SameFile(first, fi) {
				close(gone)
				return
			}
		}
	}()
	return gone
}
