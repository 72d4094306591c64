package testenv

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// WinePrefix is the Wine prefix scripts/with-wine.sh made for this run: 64-bit, headless, with
// the ProcessPrng shim that lets Go's Windows binaries start under Wine 8.
type WinePrefix struct {
	// Dir is the prefix (WINEPREFIX); its C: drive is Dir/drive_c.
	Dir string
}

// Wine returns the prefix of scripts/with-wine.sh (SHELTER_TEST_WINEPREFIX) when wine is on
// PATH; otherwise it skips, or fails under SHELTER_REQUIRE_WINE=1 (as `make test` sets).
func Wine(t testing.TB) *WinePrefix {
	t.Helper()
	if _, err := exec.LookPath("wine"); err != nil {
		unavailable(t, "SHELTER_REQUIRE_WINE", "Wine", "wine is not on PATH; apt-get install wine wine64 gcc-mingw-w64-x86-64")
	}
	dir := os.Getenv("SHELTER_TEST_WINEPREFIX")
	if dir == "" {
		unavailable(t, "SHELTER_REQUIRE_WINE", "Wine", "SHELTER_TEST_WINEPREFIX is not set; run under scripts/with-wine.sh")
	}
	if _, err := os.Stat(filepath.Join(dir, "drive_c", "windows", "system32", "bcryptprimitives.dll")); err != nil {
		unavailable(t, "SHELTER_REQUIRE_WINE", "Wine", "the prefix "+dir+" has no ProcessPrng shim; run under scripts/with-wine.sh")
	}
	return &WinePrefix{Dir: dir}
}

// Path is the Linux path of the Windows path win (`C:\users\山田\vault`) in the prefix; only
// the C: drive is mapped.
func (w *WinePrefix) Path(win string) string {
	if len(win) < 2 || !strings.EqualFold(win[:2], "C:") {
		panic("testenv: not a C: path: " + win)
	}
	return filepath.Join(w.Dir, "drive_c", filepath.FromSlash(strings.ReplaceAll(win[2:], `\`, "/")))
}

// Command is `wine exe args...` in the prefix, with [WinePrefix.Env]. exe may be a Linux path
// (Wine maps / as Z:) or a Windows one.
func (w *WinePrefix) Command(ctx context.Context, exe string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "wine", append([]string{exe}, args...)...)
	cmd.Env = w.Env()
	return cmd
}

// Env is this process's environment for running wine in the prefix: headless and quiet (no
// DISPLAY, WINEDEBUG=-all, no Mono or Gecko prompts), the ProcessPrng shim preferred.
func (w *WinePrefix) Env() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "DISPLAY", "WAYLAND_DISPLAY", "WINEPREFIX", "WINEDEBUG", "WINEDLLOVERRIDES":
		default:
			env = append(env, kv)
		}
	}
	return append(env, "WINEPREFIX="+w.Dir, "WINEDEBUG=-all",
		"WINEDLLOVERRIDES=mscoree=d;mshtml=d;winemenubuilder.exe=d;bcryptprimitives=n,b")
}
