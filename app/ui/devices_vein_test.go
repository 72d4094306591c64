package ui

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// serveDriverBridge is serveBridgeAt with the bridge's drivers in driverDir (as beside the
// shipped bridge's executable).
func serveDriverBridge(t *testing.T, dir, state, driverDir string) (stop func()) {
	t.Helper()
	return serveBridgeWith(t, dir, state, driverDir)
}

// waitVeinRow polls the device list until the vein sensor's row satisfies ok.
func waitVeinRow(t *testing.T, a *App, ok func(DeviceRow) bool) DeviceRow {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // generous: two busy cores
	var last DeviceList
	for time.Now().Before(deadline) {
		l, err := a.Devices.List()
		if err != nil {
			t.Fatal(err)
		}
		last = l
		for _, d := range l.Devices {
			if d.Kind.Code == "vein" && ok(d) {
				return d
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("vein sensor row never as wanted: %+v", last.Devices)
	return DeviceRow{}
}

// TestDeviceVeinDriver: in M-4 the administrator chooses the external driver (the example
// driver) for the vein sensor; the bridge runs it at once, the panel says so in Japanese and
// the change is in the history. A driver name without a path, an unknown driver type and a
// missing executable are refused with a message for the field; the choice survives a bridge
// restart; choosing the serial connection again takes the driver out of the bridge's config.
func TestDeviceVeinDriver(t *testing.T) {
	f := newCollectFixture(t)
	a := f.app
	state := t.TempDir()
	t.Setenv("SHELTER_BRIDGE_STATE", state)
	dir := filepath.Join(t.TempDir(), "run")
	exe := testenv.VeinExampleDriver(t)
	stop := serveDriverBridge(t, dir, state, filepath.Dir(exe))
	pointAt(a, bridge.SocketIn(dir))
	hands := t.TempDir()
	args := []string{"-dir", hands, "-serial", "EXEC0042"}

	f.login("tanaka", collectPW)
	if _, err := a.Devices.SetConfig(DeviceConfig{VeinDriver: "exec", VeinDriverPath: exe, VeinDriverArgs: args}); code(t, err) != "forbidden" {
		t.Fatalf("a handler changed the vein driver: %v", err)
	}
	f.login("admin", adminPW)
	type refusal struct {
		in          DeviceConfig
		code, field string
		ja          string
	}
	var unix []refusal
	if runtime.GOOS != "windows" {
		// A driver of a later protocol: it answers hello with version 99.
		v99 := filepath.Join(t.TempDir(), "driver-v99")
		script := "#!/bin/sh\nread line\necho '{\"id\":1,\"version\":99,\"driver\":\"later\",\"matching\":\"module\"}'\ncat >/dev/null\n"
		if err := os.WriteFile(v99, []byte(script), 0o700); err != nil {
			t.Fatal(err)
		}
		notExec := filepath.Join(t.TempDir(), "driver.txt")
		if err := os.WriteFile(notExec, []byte("not a program"), 0o600); err != nil {
			t.Fatal(err)
		}
		unix = []refusal{
			{DeviceConfig{VeinDriver: "exec", VeinDriverPath: v99}, "vein_driver_version", "veinDriverPath", "プロトコルバージョン"},
			{DeviceConfig{VeinDriver: "exec", VeinDriverPath: notExec}, "vein_driver_not_executable", "veinDriverPath", "実行権限"},
		}
	}
	for _, c := range append([]refusal{
		{DeviceConfig{VeinDriver: "usb"}, "invalid", "veinDriver", "シリアル接続"},
		{DeviceConfig{VeinDriver: "exec"}, "invalid", "veinDriverPath", "実行ファイルを入力"},
		{DeviceConfig{VeinDriver: "exec", VeinDriverPath: filepath.Join("drivers", "shelter-vein-example")}, "invalid", "veinDriverPath", "絶対パス"},
		{DeviceConfig{VeinDriver: "exec", VeinDriverPath: "no-such-driver"}, "vein_driver_not_found", "veinDriverPath", "見つかりません"},
		{DeviceConfig{VeinDriver: "exec", VeinDriverPath: filepath.Join(t.TempDir(), "no-such-driver")}, "vein_driver_not_found", "veinDriverPath", "見つかりません"},
		{DeviceConfig{VeinDriver: "exec", VeinDriverPath: t.TempDir()}, "vein_driver_not_executable", "veinDriverPath", "実行できません"},
		{DeviceConfig{VeinDriver: "exec", VeinDriverPath: exe}, "vein_driver_no_answer", "veinDriverPath", "応答しませんでした"}, // no -dir: it exits
	}, unix...) {
		_, err := a.Devices.SetConfig(c.in)
		var e *Error
		if code(t, err) != c.code || field(err) != c.field || !errors.As(err, &e) || !strings.Contains(e.JA, c.ja) {
			t.Errorf("%+v: %v, want %s on %s", c.in, err, c.code, c.field)
		}
	}
	if cfg, err := a.Devices.Config(); err != nil || cfg.VeinDriver != "serial" || cfg.VeinDriverPath != "" {
		t.Fatalf("config after the refusals: %+v, %v", cfg, err)
	}
	// A change the bridge refused is not left in the history as made: its entry is followed by
	// one saying it was not applied, and why.
	hist, err := a.History.Query(HistoryFilter{Action: "setting_change"})
	if err != nil || len(hist.Entries) < 2 || hist.Entries[0].Result != "failed" || !strings.Contains(hist.Entries[0].Detail, "not applied") ||
		!strings.Contains(hist.Entries[1].Detail, "external driver") {
		t.Fatalf("history after a refused driver: %+v %v", hist.Entries, err)
	}

	// By name: the executable beside the bridge, saved as its absolute path.
	out, err := a.Devices.SetConfig(DeviceConfig{VeinDriver: "exec", VeinDriverPath: " " + filepath.Base(exe) + " ", VeinDriverArgs: append(args, " ")})
	if err != nil {
		t.Fatalf("choosing the example driver: %v", err)
	}
	if out.VeinDriver != "exec" || out.VeinDriverPath != exe || !slices.Equal(out.VeinDriverArgs, args) {
		t.Fatalf("saved: %+v", out)
	}
	row := waitVeinRow(t, a, func(d DeviceRow) bool { return d.State.Code == "ok" })
	if !strings.Contains(row.Detail, "EXEC0042") || !strings.Contains(row.Detail, "外部ドライバー shelter-vein-example") {
		t.Fatalf("vein row: %+v", row)
	}
	hist, err = a.History.Query(HistoryFilter{Action: "setting_change"})
	if err != nil || len(hist.Entries) == 0 || !strings.Contains(hist.Entries[0].Detail, "vein sensor external driver shelter-vein-example") {
		t.Fatalf("history: %+v %v", hist.Entries, err)
	}

	// A restart of the bridge keeps the choice.
	stop()
	serveDriverBridge(t, dir, state, filepath.Dir(exe))
	cfg, err := a.Devices.Config()
	if err != nil || cfg.VeinDriver != "exec" || cfg.VeinDriverPath != exe || !slices.Equal(cfg.VeinDriverArgs, args) {
		t.Fatalf("config after a bridge restart: %+v, %v", cfg, err)
	}
	waitVeinRow(t, a, func(d DeviceRow) bool { return d.State.Code == "ok" && strings.Contains(d.Detail, "EXEC0042") })

	// Back to the serial connection (no port: no sensor).
	if _, err := a.Devices.SetConfig(DeviceConfig{VeinDriver: "serial"}); err != nil {
		t.Fatal(err)
	}
	cfg, err = a.Devices.Config()
	if err != nil || cfg.VeinDriver != "serial" || cfg.VeinDriverPath != "" || len(cfg.VeinDriverArgs) != 0 {
		t.Fatalf("config after choosing serial: %+v, %v", cfg, err)
	}
	if row := waitVeinRow(t, a, func(d DeviceRow) bool { return d.State.Code == "absent" }); row.Detail != "静脈センサーが設定されていません" {
		t.Fatalf("vein row without a sensor: %+v", row)
	}
	hist, err = a.History.Query(HistoryFilter{Action: "setting_change"})
	if err != nil || len(hist.Entries) < 2 || !strings.Contains(hist.Entries[0].Detail, "vein sensor serial none") {
		t.Fatalf("history: %+v %v", hist.Entries, err)
	}
}
