package daemon

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// fakeDriverScript writes a shell script that answers hello with reply (one JSON line) and then
// reads its input to the end. Unix only.
func fakeDriverScript(t *testing.T, reply string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake driver is a shell script")
	}
	p := filepath.Join(t.TempDir(), "fake-driver")
	script := "#!/bin/sh\nread line\necho '" + reply + "'\ncat >/dev/null\n"
	if err := os.WriteFile(p, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestVeinDriverChoice: PUT /v1/config switches the sensor from the serial protocol to the
// example exec driver and back without a restart; an exec driver that is missing, not
// executable, speaks another protocol version or never answers hello is refused with its own
// code, and the running sensor and the saved config stay as they were; the choice survives a
// bridge restart.
func TestVeinDriverChoice(t *testing.T) {
	sim := startVeinSim(t)
	d := newExecDriver(t)
	state := filepath.Join(t.TempDir(), "state")
	t.Setenv("SHELTER_BRIDGE_STATE", state)
	kc := &keychain.Mem{}
	newSrv := func() *Server {
		return &Server{OpenPCSC: noPCSC, Keychain: kc, ConfigPath: filepath.Join(state, "bridge.json"), DriverDir: filepath.Dir(d.exe)}
	}
	c, stop := runBridge(t, newSrv())
	ctx := context.Background()

	if err := c.SetConfig(ctx, bridge.Config{VeinPort: sim.Path()}); err != nil {
		t.Fatal(err)
	}
	waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool { return d.State == "ok" })
	if info, err := c.VeinInfo(ctx); err != nil || info.Serial != "SIM0007" {
		t.Fatalf("serial sensor: %+v, %v", info, err)
	}

	// By name: the driver beside the bridge (DriverDir), saved as its absolute path.
	exec := d.config("-serial", "EXEC0042")
	exec.VeinDriverPath = filepath.Base(d.exe)
	if err := c.SetConfig(ctx, exec); err != nil {
		t.Fatalf("switching to the example driver: %v", err)
	}
	if got, err := c.Config(ctx); err != nil || got.VeinDriverPath != d.exe {
		t.Fatalf("a driver given by name saved as %+v, %v", got, err)
	}
	waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool {
		return d.State == "ok" && strings.Contains(d.Detail, "driver shelter-vein-example")
	})
	if info, err := c.VeinInfo(ctx); err != nil || info.Serial != "EXEC0042" {
		t.Fatalf("exec driver: %+v, %v", info, err)
	}

	notExec := filepath.Join(t.TempDir(), "driver.txt")
	if err := os.WriteFile(notExec, []byte("not a program"), 0o600); err != nil {
		t.Fatal(err)
	}
	refused := []struct {
		name, path string
		args       []string
		code       string
	}{
		{"missing", filepath.Join(t.TempDir(), "no-such-driver"), nil, CodeVeinDriverNotFound},
		{"missing beside the bridge", "no-such-driver", nil, CodeVeinDriverNotFound},
		{"relative path", filepath.Join("drivers", "shelter-vein-example"), nil, "bad_config"},
		{"folder", t.TempDir(), nil, CodeVeinDriverNotExecutable},
		{"silent at hello", d.exe, []string{"-dir", d.dir, "-silent"}, CodeVeinDriverNoAnswer},
		{"exits at once", d.exe, nil, CodeVeinDriverNoAnswer}, // no -dir: usage, exit 2
	}
	if runtime.GOOS != "windows" {
		refused = append(refused,
			struct {
				name, path string
				args       []string
				code       string
			}{"no execute permission", notExec, nil, CodeVeinDriverNotExecutable},
			struct {
				name, path string
				args       []string
				code       string
			}{"protocol version 99", fakeDriverScript(t, `{"id":1,"version":99,"driver":"fake","matching":"module"}`), nil, CodeVeinDriverVersion},
			struct {
				name, path string
				args       []string
				code       string
			}{"no matching", fakeDriverScript(t, `{"id":1,"version":1,"driver":"fake"}`), nil, CodeVeinDriverProtocol})
	}
	for _, r := range refused {
		err := c.SetConfig(ctx, bridge.Config{VeinDriver: "exec", VeinDriverPath: r.path, VeinDriverArgs: r.args})
		if code(err) != r.code {
			t.Errorf("%s: %v, want %s", r.name, err, r.code)
		}
		got, err := c.Config(ctx)
		if err != nil || got.VeinDriverPath != d.exe || !slices.Equal(got.VeinDriverArgs, exec.VeinDriverArgs) {
			t.Fatalf("%s: config after the refusal: %+v, %v", r.name, got, err)
		}
		if info, err := c.VeinInfo(ctx); err != nil || info.Serial != "EXEC0042" {
			t.Fatalf("%s: the running driver after the refusal: %+v, %v", r.name, info, err)
		}
	}

	// A restart keeps the choice.
	stop()
	c, stop = runBridge(t, newSrv())
	got, err := c.Config(ctx)
	if err != nil || got.VeinDriver != "exec" || got.VeinDriverPath != d.exe {
		t.Fatalf("config after a restart: %+v, %v", got, err)
	}
	waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool { return d.State == "ok" })
	if info, err := c.VeinInfo(ctx); err != nil || info.Serial != "EXEC0042" {
		t.Fatalf("exec driver after a restart: %+v, %v", info, err)
	}

	// And back to the serial protocol.
	if err := c.SetConfig(ctx, bridge.Config{VeinPort: sim.Path()}); err != nil {
		t.Fatal(err)
	}
	waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool {
		return d.State == "ok" && strings.Contains(d.Detail, "SIM0007")
	})
	if info, err := c.VeinInfo(ctx); err != nil || info.Serial != "SIM0007" {
		t.Fatalf("serial sensor again: %+v, %v", info, err)
	}
	stop()
}
