package testenv

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// VeinExampleDriver builds the example external vein driver (devices/vein/cmd/
// shelter-vein-example, the simulator's matching behind the driver protocol) into a temporary
// directory and returns its path.
func VeinExampleDriver(t testing.TB) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "shelter-vein-example")
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", exe, "github.com/mynumber-shelter/shelter/devices/vein/cmd/shelter-vein-example").CombinedOutput()
	if err != nil {
		t.Fatalf("building the example driver: %v\n%s", err, out)
	}
	return exe
}
