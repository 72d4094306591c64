package daemon

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"

	simvein "github.com/mynumber-shelter/shelter/devices/sim/vein"
	"github.com/mynumber-shelter/shelter/devices/vein"
)

func startVeinSim(t *testing.T) *simvein.Sim {
	t.Helper()
	sim, err := simvein.Start(simvein.Config{Dir: t.TempDir(), Serial: "SIM0007"})
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip("the vein simulator needs Linux ptys")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim
}

// veinPerson plays the person at the sensor from the bridge's event stream: it places its hand
// on vein_prompt "place-hand" and lifts it on "lift-hand". An empty hand never comes.
//
// Prompts can arrive late: a verify or identify whose hand is still on the sensor finishes at
// once, and its "place-hand" prompt may reach the person only after the test has called be
// for the next person. mu is held from reading the hand to placing it, and by be, so that such
// a late prompt places either the old hand before be lifts it or the new one, never the old
// hand after be.
type veinPerson struct {
	place func(simvein.Hand)
	lift  func()
	mu    sync.Mutex // held while the sensor is touched
	hand  simvein.Hand
}

func newVeinPerson(t *testing.T, c *bridge.Client, sim *simvein.Sim) (*veinPerson, *eventLog) {
	return newVeinPersonAt(t, c, sim.Place, sim.Lift)
}

// newVeinPersonAt is newVeinPerson for a sensor touched through place and lift.
func newVeinPersonAt(t *testing.T, c *bridge.Client, place func(simvein.Hand), lift func()) (*veinPerson, *eventLog) {
	p := &veinPerson{place: place, lift: lift}
	rec := listenEvents(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := c.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for e := range ch {
			if e.Type != bridge.EventVeinPrompt {
				continue
			}
			p.mu.Lock()
			switch e.Message {
			case vein.PromptPlaceHand.String():
				if p.hand != "" {
					p.place(p.hand)
				}
			case vein.PromptLiftHand.String():
				p.lift()
			}
			p.mu.Unlock()
		}
	}()
	return p, rec
}

// be makes h the person at the sensor, after the last one lifted their hand.
func (p *veinPerson) be(h simvein.Hand) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lift()
	p.hand = h
}

func TestVeinThroughBridge(t *testing.T) {
	sim := startVeinSim(t)
	srv := &Server{OpenPCSC: noPCSC}
	c := startTemp(t, srv)
	ctx := context.Background()

	waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool { return d.State == "absent" })
	if _, err := c.VeinInfo(ctx); code(err) != "no_sensor" {
		t.Fatalf("info without a sensor: %v", err)
	}
	if _, err := c.VeinEnrol(ctx); code(err) != "no_sensor" {
		t.Fatalf("enrol without a sensor: %v", err)
	}

	p, rec := newVeinPerson(t, c, sim)
	if err := c.SetConfig(ctx, bridge.Config{VeinPort: sim.Path()}); err != nil {
		t.Fatal(err)
	}
	d := waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool { return d.State == "ok" })
	if !strings.Contains(d.Detail, simvein.Model) || !strings.Contains(d.Detail, "SIM0007") {
		t.Fatalf("vein device %+v", d)
	}
	veinFlow(t, c, p, rec, "SIM0007")
}

// veinFlow runs enrol, verify, identify, delete and cancel through the bridge's routes on a
// sensor with serial number serial and no templates, whichever its driver.
func veinFlow(t *testing.T, c *bridge.Client, p *veinPerson, rec *eventLog, serial string) {
	ctx := context.Background()
	info, err := c.VeinInfo(ctx)
	if err != nil || info.Model != simvein.Model || info.Serial != serial || info.Firmware != simvein.Firmware || info.Templates != 0 {
		t.Fatalf("info %+v, %v", info, err)
	}

	// Enrol: three captures, each prompted with its step, then vein_done ok.
	p.be("alice-right")
	from := len(rec.all())
	id, err := c.VeinEnrol(ctx)
	if err != nil || id == "" {
		t.Fatalf("enrol: %q, %v", id, err)
	}
	done, end := rec.wait(t, "vein_done", from, 5*time.Second, func(e bridge.Event) bool { return e.Type == bridge.EventVeinDone })
	if done.Message != "ok" {
		t.Fatalf("vein_done %+v", done)
	}
	steps := map[int]bool{}
	for _, e := range rec.all()[from:end] {
		if e.Type == bridge.EventVeinPrompt {
			if e.Steps != 3 || e.Device != veinDevice {
				t.Fatalf("prompt %+v", e)
			}
			steps[e.Step] = true
		}
	}
	if len(steps) != 3 || !steps[1] || !steps[2] || !steps[3] {
		t.Fatalf("prompted steps %v, want 1, 2, 3", steps)
	}
	if info, _ := c.VeinInfo(ctx); info.Templates != 1 {
		t.Fatalf("templates after enrol: %d", info.Templates)
	}

	// nextDone returns the next vein_done event, each one once.
	from = end + 1
	nextDone := func() string {
		t.Helper()
		e, i := rec.wait(t, "vein_done", from, 5*time.Second, func(e bridge.Event) bool { return e.Type == bridge.EventVeinDone })
		from = i + 1
		return e.Message
	}

	// Verify 1:1 and identify 1:N, the right hand and another one.
	if ok, err := c.VeinVerify(ctx, id); err != nil || !ok {
		t.Fatalf("verify the enrolled hand: %v, %v", ok, err)
	}
	if m := nextDone(); m != "ok" {
		t.Fatalf("vein_done after a match: %q", m)
	}
	p.be("mallory")
	if ok, err := c.VeinVerify(ctx, id); err != nil || ok {
		t.Fatalf("verify another hand: %v, %v", ok, err)
	}
	if m := nextDone(); m != "no_match" {
		t.Fatalf("vein_done after no match: %q", m)
	}
	if got, err := c.VeinIdentify(ctx); err != nil || got != "" {
		t.Fatalf("identify another hand: %q, %v", got, err)
	}
	nextDone()
	p.be("alice-right")
	if got, err := c.VeinIdentify(ctx); err != nil || got != id {
		t.Fatalf("identify the enrolled hand: %q, %v; want %q", got, err, id)
	}
	nextDone()
	if _, err := c.VeinVerify(ctx, "x1"); code(err) != "bad_request" {
		t.Fatalf("verify a malformed id: %v", err)
	}

	// Delete: the template is gone.
	if err := c.VeinDelete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.VeinVerify(ctx, id); code(err) != "unknown_template" {
		t.Fatalf("verify a deleted template: %v", err)
	}
	if m := nextDone(); m != "unknown_template" {
		t.Fatalf("vein_done after an unknown template: %q", m)
	}
	if err := c.VeinDelete(ctx, id); code(err) != "unknown_template" {
		t.Fatalf("delete twice: %v", err)
	}
	if err := c.VeinDelete(ctx, "0"); code(err) != "bad_request" {
		t.Fatalf("delete template 0: %v", err)
	}

	// Cancel during a capture: nobody comes to the sensor.
	p.be("")
	res := make(chan error, 1)
	go func() {
		_, err := c.VeinIdentify(ctx)
		res <- err
	}()
	rec.wait(t, "place-hand prompt", from, 5*time.Second, func(e bridge.Event) bool {
		return e.Type == bridge.EventVeinPrompt && e.Message == vein.PromptPlaceHand.String()
	})
	if err := c.VeinCancel(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-res:
		if code(err) != "cancelled" {
			t.Fatalf("cancelled identify: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("identify did not end after cancel")
	}
	if m := nextDone(); m != "cancelled" {
		t.Fatalf("vein_done after cancel: %q", m)
	}
	// The sensor works again afterwards.
	if _, err := c.VeinInfo(ctx); err != nil {
		t.Fatalf("info after cancel: %v", err)
	}
}

// TestVeinPortChanges: a port with no sensor is an error on the device panel; pointing the
// config at the sensor reopens it; removing the port closes it.
func TestVeinPortChanges(t *testing.T) {
	sim := startVeinSim(t)
	// A short first-contact limit, so that the missing sensor is given up on quickly.
	srv := &Server{OpenPCSC: noPCSC, veinOpen: 300 * time.Millisecond}
	c := startTemp(t, srv)
	ctx := context.Background()

	if err := c.SetConfig(ctx, bridge.Config{VeinPort: "/dev/serial/by-id/no-such-sensor"}); err != nil {
		t.Fatal(err)
	}
	d := waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool { return d.State == "error" })
	if d.LastError == "" || d.LastErrorAt == "" {
		t.Fatalf("vein device without its error: %+v", d)
	}
	// The simulator must be given time to answer: on two busy cores under -race, opening its
	// pty and the handshake can take longer than 300 ms.
	srv.veinMu.Lock()
	srv.veinOpen = 30 * time.Second
	srv.veinMu.Unlock()

	if err := c.SetConfig(ctx, bridge.Config{VeinPort: sim.Path()}); err != nil {
		t.Fatal(err)
	}
	waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool { return d.State == "ok" })
	if info, err := c.VeinInfo(ctx); err != nil || info.Serial != "SIM0007" {
		t.Fatalf("info after reopening: %+v, %v", info, err)
	}

	if err := c.SetConfig(ctx, bridge.Config{}); err != nil {
		t.Fatal(err)
	}
	waitDevice(t, c, "vein", veinDevice, func(d bridge.DeviceState) bool { return d.State == "absent" })
	if _, err := c.VeinInfo(ctx); code(err) != "no_sensor" {
		t.Fatalf("info after removing the port: %v", err)
	}
}
