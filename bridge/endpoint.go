package bridge

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/mynumber-shelter/shelter/internal/appdir"
)

// SocketName is the socket's file name inside the per-user directory (Linux, macOS).
const SocketName = "bridge.sock"

// SocketDir returns the bridge's per-user directory: on Windows "run" in the app's one data
// folder (%LOCALAPPDATA%\MyNumber Shelter\run, which names the pipe); elsewhere
// $XDG_RUNTIME_DIR/mynumber-shelter when set, else <user cache dir>/mynumber-shelter/run
// (~/Library/Caches on macOS), else /tmp/mynumber-shelter-<uid>. SHELTER_BRIDGE_DIR overrides it
// (tests, several vaults).
func SocketDir() string {
	if d := os.Getenv("SHELTER_BRIDGE_DIR"); d != "" {
		return d
	}
	if runtime.GOOS == "windows" {
		return filepath.Join(appdir.Data(), "run")
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "mynumber-shelter")
	}
	if d, err := os.UserCacheDir(); err == nil && d != "" {
		return filepath.Join(d, "mynumber-shelter", "run")
	}
	return filepath.Join(os.TempDir(), "mynumber-shelter-"+strconv.Itoa(os.Getuid()))
}

// SocketPath is where the daemon listens and the app dials: the Unix socket SocketDir()/bridge.sock,
// or on Windows the named pipe that belongs to SocketDir() (see [SocketIn]).
func SocketPath() string { return SocketIn(SocketDir()) }
