package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/mynumber-shelter/shelter/internal/appdir"

	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/internal/atomicfile"
)

// StateDir is the bridge's private data directory (0700): inbox, sync state.
// SHELTER_BRIDGE_STATE overrides it; else on Windows %LOCALAPPDATA%\MyNumber Shelter\bridge,
// elsewhere <user config dir>/mynumber-shelter/bridge.
func StateDir() string {
	if d := os.Getenv("SHELTER_BRIDGE_STATE"); d != "" {
		return d
	}
	if runtime.GOOS == "windows" {
		// Local, beside the vault, not in Roaming: the bridge's keys are this computer's
		// Credential Manager entries.
		return filepath.Join(appdir.Data(), "bridge")
	}
	if d, err := os.UserConfigDir(); err == nil && d != "" {
		return filepath.Join(d, "mynumber-shelter", "bridge")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("mynumber-shelter-bridge-%d", os.Getuid()))
}

// ConfigPath is StateDir()/bridge.json.
func ConfigPath() string { return filepath.Join(StateDir(), "bridge.json") }

// LoadConfig reads path; a missing file is the zero Config.
func LoadConfig(path string) (bridge.Config, error) {
	var c bridge.Config
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("reading bridge config: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("bridge config %s is not valid JSON: %w", path, err)
	}
	return c, nil
}

// SaveConfig writes c to path atomically with mode 0600.
func SaveConfig(path string, c bridge.Config) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating bridge state directory: %w", err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("writing bridge config: %w", err)
	}
	return nil
}
