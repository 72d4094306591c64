// Package testenv decides whether a test that needs a real part of the machine (the OS keychain,
// Chromium) can run. When the part is missing the test is skipped, unless the environment asks
// for it (SHELTER_REQUIRE_KEYRING=1, SHELTER_REQUIRE_BROWSER=1, as `make test` and CI do): then
// the test fails, so a green run always means the real part was exercised.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/zalando/go-keyring"
)

// unavailable skips, or fails when env is "1".
func unavailable(t testing.TB, env, what, why string) {
	t.Helper()
	if os.Getenv(env) == "1" {
		t.Fatalf("%s=1 but %s is not available: %s", env, what, why)
	}
	t.Skipf("%s not available (%s)", what, why)
}

// Keyring returns when the OS keychain (Secret Service over D-Bus on Linux) works, after a
// real write and delete; otherwise it skips or fails the test. Run tests under
// scripts/with-keyring.sh to have one.
func Keyring(t testing.TB) {
	t.Helper()
	// Without an address, godbus would try to autolaunch a bus; do not.
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		unavailable(t, "SHELTER_REQUIRE_KEYRING", "the OS keychain", "DBUS_SESSION_BUS_ADDRESS is not set; run under scripts/with-keyring.sh")
	}
	b := make([]byte, 8)
	rand.Read(b)
	probe := "test/probe-" + hex.EncodeToString(b)
	if err := keyring.Set("MyNumber Shelter", probe, "x"); err != nil {
		unavailable(t, "SHELTER_REQUIRE_KEYRING", "the OS keychain", "Set: "+err.Error())
	}
	if err := keyring.Delete("MyNumber Shelter", probe); err != nil {
		unavailable(t, "SHELTER_REQUIRE_KEYRING", "the OS keychain", "Delete: "+err.Error())
	}
}

// Chromium returns the path of the Chromium binary, or skips / fails the test.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("SHELTER_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	unavailable(t, "SHELTER_REQUIRE_BROWSER", "Chromium", "no /usr/bin/chromium; apt-get install chromium")
	return ""
}

// SANE returns when scanimage (sane-utils) and the sane-airscan backend are installed;
// otherwise it skips, or fails under SHELTER_REQUIRE_SANE=1 (as `make test` sets).
func SANE(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("scanimage"); err != nil {
		unavailable(t, "SHELTER_REQUIRE_SANE", "SANE with sane-airscan", "scanimage is not on PATH; apt-get install sane-utils sane-airscan")
	}
	found, _ := filepath.Glob("/usr/lib/*/sane/libsane-airscan.so*")
	if len(found) == 0 {
		unavailable(t, "SHELTER_REQUIRE_SANE", "SANE with sane-airscan", "the airscan backend is missing; apt-get install sane-airscan")
	}
}
