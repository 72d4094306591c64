//go:build !windows

package daemon

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"
)

// A daemon's socket removed with its runtime directory (a throwaway session ending) is
// noticed, so the daemon can exit instead of lingering; while it stays, nothing is reported.
func TestWatchSocketGone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	l, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := bridge.SocketIn(dir)
	gone := WatchSocket(ctx, path, 10*time.Millisecond)
	probe := WatchSocket(ctx, path, 10*time.Millisecond)
	// A socket that stays is not reported gone (one check later it is still there).
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	select {
	case <-probe:
		t.Fatal("reported gone while the socket exists")
	default:
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("the removed socket was not noticed")
	}
	if ch := WatchSocket(ctx, path, time.Hour); ch != nil {
		select {
		case <-ch:
		default:
			t.Fatal("a missing socket is not reported at once")
		}
	}
}
