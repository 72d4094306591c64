package daemon

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"
	simvein "github.com/mynumber-shelter/shelter/devices/sim/vein"
	"github.com/mynumber-shelter/shelter/devices/vein"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// execDriver is the example driver as the bridge's vein sensor: dir is its hand file and
// module flash.
type execDriver struct {
	exe, dir string
}

func newExecDriver(t *testing.T) execDriver {
	return execDriver{exe: testenv.VeinExampleDriver(t), dir: t.TempDir()}
}

func (d execDriver) config(args ...string) bridge.Config {
	return bridge.Config{VeinDriver: "exec", VeinDriverPath: d.exe, VeinDriverArgs: append([]string{"-dir", d.dir}, args...)}
}

func (d execDriver) place(h simvein.Hand) {
	if err := simvein.PlaceHand(d.dir, h); err != nil {
		panic(err)
	}
}

func (d execDriver) lift() {
	if err := simvein.LiftHand(d.dir); err != nil {
		panic(err)
	}
}

// pid is the process id the running driver wrote.
func (d execDriver) pid(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(d.dir, "pid"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestVeinExecDriver: the example out-of-process driver (module matching) behind the bridge's
// routes: the same enrol, verify, identify, delete and cancel as the serial simulator; then
// the driver killed in the middle of a capture fails that call and is started again by the
// next one, which works with the templates the "module" kept.
func TestVeinExecDriver(t *testing.T) {
	d := newExecDriver(t)
	srv := &Server{OpenPCSC: noPCSC}
	c := startTemp(t, srv)
	ctx := context.Background()
	p, rec := newVeinPersonAt(t, c, d.place, d.lift)
	if err := c.SetConfig(ctx, d.config("-serial", "EXEC0042")); err != nil {
		t.Fatal(err)
	}
	dev := waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool { return d.State == "ok" })
	if !strings.Contains(dev.Detail, simvein.Model) || !strings.Contains(dev.Detail, "EXEC0042") || !strings.Contains(dev.Detail, "driver shelter-vein-example") {
		t.Fatalf("vein device %+v", dev)
	}
	veinFlow(t, c, p, rec, "EXEC0042")

	// Killed mid-call.
	p.be("bob")
	bob, err := c.VeinEnrol(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.be("")
	first := d.pid(t)
	from := len(rec.all())
	res := make(chan error, 1)
	go func() {
		_, err := c.VeinVerify(ctx, bob)
		res <- err
	}()
	rec.wait(t, "place-hand prompt", from, 10*time.Second, func(e bridge.Event) bool {
		return e.Type == bridge.EventVeinPrompt && e.Message == vein.PromptPlaceHand.String()
	})
	proc, err := os.FindProcess(first)
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-res:
		if code(err) != "sensor_error" {
			t.Fatalf("verify with the driver killed: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("verify did not end when its driver was killed")
	}
	waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool { return d.State == "error" })
	p.be("bob")
	if ok, err := c.VeinVerify(ctx, bob); err != nil || !ok {
		t.Fatalf("verify after the driver was started again: %v, %v", ok, err)
	}
	if again := d.pid(t); again == first {
		t.Fatalf("the driver was not started again (pid %d)", again)
	}
	waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool { return d.State == "ok" })
}

// TestVeinExecDriverHostTemplates: a driver that matches on the host returns templates; the
// bridge keeps them sealed under a keychain key, bound to their ids, gives the app only ids,
// and never reuses an id.
func TestVeinExecDriverHostTemplates(t *testing.T) {
	d := newExecDriver(t)
	kc := &keychain.Mem{}
	srv := &Server{OpenPCSC: noPCSC, Keychain: kc}
	c := startTemp(t, srv)
	ctx := context.Background()
	p, rec := newVeinPersonAt(t, c, d.place, d.lift)
	if err := c.SetConfig(ctx, d.config("-matching", "host", "-serial", "HOST0001")); err != nil {
		t.Fatal(err)
	}
	waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool { return d.State == "ok" })
	veinFlow(t, c, p, rec, "HOST0001")

	p.be("carol-left")
	id, err := c.VeinEnrol(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(filepath.Dir(srv.ConfigPath), VeinTemplateDirName)
	box, err := os.ReadFile(filepath.Join(dir, id+".box"))
	if err != nil {
		t.Fatalf("sealed template: %v", err)
	}
	if bytes.Contains(box, []byte("carol-left")) {
		t.Fatal("the template is stored in clear")
	}
	if _, err := kc.Get(veinTemplateKey); err != nil {
		t.Fatalf("template key: %v", err)
	}
	// The box is bound to its id: renamed to another id, it does not open.
	store := srv.veinTemplates()
	n, _ := strconv.ParseUint(id, 10, 32)
	if _, err := store.Get(vein.TemplateID(n)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "999.box"), box, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(999); err == nil {
		t.Fatal("a template moved to another id opened")
	}
	os.Remove(filepath.Join(dir, "999.box"))

	if ok, err := c.VeinVerify(ctx, id); err != nil || !ok {
		t.Fatalf("verify: %v, %v", ok, err)
	}
	if got, err := c.VeinIdentify(ctx); err != nil || got != id {
		t.Fatalf("identify: %q, %v; want %q", got, err, id)
	}
	if info, err := c.VeinInfo(ctx); err != nil || info.Templates != 1 {
		t.Fatalf("info: %+v, %v", info, err)
	}
	if err := c.VeinDelete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, id+".box")); !os.IsNotExist(err) {
		t.Fatalf("deleted template still on disk: %v", err)
	}
	p.be("dave")
	id2, err := c.VeinEnrol(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id2 == id {
		t.Fatalf("template id %s reused", id)
	}
}

// TestVeinExecDriverSilent: a driver that never answers hello (configured in the file the
// bridge starts with: PUT /v1/config refuses it, TestVeinDriverChoice) fails within seconds,
// with an error that says so.
func TestVeinExecDriverSilent(t *testing.T) {
	d := newExecDriver(t)
	srv := &Server{OpenPCSC: noPCSC, ConfigPath: filepath.Join(t.TempDir(), "state", "bridge.json")}
	if err := SaveConfig(srv.ConfigPath, d.config("-silent")); err != nil {
		t.Fatal(err)
	}
	c := startTemp(t, srv)
	ctx := context.Background()
	dev := waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool { return d.State == "error" })
	if !strings.Contains(dev.LastError, "did not answer hello") {
		t.Fatalf("vein device %+v", dev)
	}
	start := time.Now()
	if _, err := c.VeinIdentify(ctx); code(err) != "sensor_error" {
		t.Fatalf("identify on a silent driver: %v", err)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("a silent driver failed after %v", d)
	} else {
		t.Logf("a silent driver failed after %v", d)
	}
}
