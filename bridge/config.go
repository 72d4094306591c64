package bridge

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mynumber-shelter/shelter/internal/atomicfile"
	"os"
	"path/filepath"
)

// Config is the bridge's settings, kept in ConfigPath() (mode 0600) and changed by the app's
// device panel through PUT /v1/config. It holds no secret: keys live in the OS keychain.
type Config struct {
	// VeinPort is the vein sensor's serial port ("/dev/ttyUSB0", "COM3"); "" = no sensor.
	VeinPort string `json:"veinPort,omitempty"`
	// Scanners are the network scanners (eSCL / AirScan) by name and base URL
	// ("https://192.0.2.10/eSCL").
	Scanners []ScannerConfig `json:"scanners,omitempty"`
	// HotFolder is the folder a scanner drops files into; "" = none. Files are sealed to the
	// app's inbox key and removed from the folder.
	HotFolder string `json:"hotFolder,omitempty"`
	// Relay is the cloud relay the bridge syncs with (issue: cloud relay); empty = no sync.
	Relay *RelayConfig `json:"relay,omitempty"`
}

// ScannerConfig names one eSCL scanner.
type ScannerConfig struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	// CAPEM pins the scanner's self-signed certificate (PEM); empty = the system roots.
	CAPEM string `json:"caPem,omitempty"`
}

// RelayConfig is the enrolled relay: its URL and the CA its server certificate must chain to.
type RelayConfig struct {
	URL    string `json:"url"`
	CAPEM  string `json:"caPem"`
	Office string `json:"office,omitempty"` // set at enrolment
}

// StateDir is the bridge's private data directory (0700): inbox, sync state.
// SHELTER_BRIDGE_STATE overrides it; else <user config dir>/mynumber-shelter/bridge.
func StateDir() string {
	if d := os.Getenv("SHELTER_BRIDGE_STATE"); d != "" {
		return d
	}
	if d, err := os.UserConfigDir(); err == nil && d != "" {
		return filepath.Join(d, "mynumber-shelter", "bridge")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("mynumber-shelter-bridge-%d", os.Getuid()))
}

// ConfigPath is StateDir()/bridge.json.
func ConfigPath() string { return filepath.Join(StateDir(), "bridge.json") }

// LoadConfig reads path; a missing file is the zero Config.
func LoadConfig(path string) (Config, error) {
	var c Config
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
func SaveConfig(path string, c Config) error {
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
