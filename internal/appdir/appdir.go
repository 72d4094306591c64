// Package appdir is the one per-user folder of MyNumber Shelter on each OS: the vault lives in
// it, and on Windows and macOS so do the bridge's state and its endpoint (on Linux the bridge
// keeps the XDG places: $XDG_RUNTIME_DIR for its socket, ~/.config for its settings).
package appdir

import (
	"os"
	"path/filepath"
	"runtime"
)

// Data is the per-user data folder: %LOCALAPPDATA%\MyNumber Shelter on Windows (local, not
// roaming: the keys in this computer's Credential Manager belong with it), ~/Library/Application
// Support/MyNumber Shelter on macOS, $XDG_DATA_HOME/mynumber-shelter or
// ~/.local/share/mynumber-shelter elsewhere.
func Data() string {
	return dataFor(runtime.GOOS, os.Getenv, os.UserHomeDir)
}

func dataFor(goos string, env func(string) string, home func() (string, error)) string {
	h, _ := home()
	switch goos {
	case "windows":
		if d := env("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "MyNumber Shelter")
		}
		return filepath.Join(h, "AppData", "Local", "MyNumber Shelter")
	case "darwin":
		return filepath.Join(h, "Library", "Application Support", "MyNumber Shelter")
	}
	if d := env("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "mynumber-shelter")
	}
	return filepath.Join(h, ".local", "share", "mynumber-shelter")
}
