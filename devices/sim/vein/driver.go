package simvein

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/devices/vein/driver"
)

// Driver is the simulator as an out-of-process driver: a [driver.Handler] (Handle) for
// [driver.Serve], run by the example executable devices/vein/cmd/shelter-vein-example. It
// matches as [Sim] does (a hand matches a template when their secret values are equal; the
// same scores and capture qualities), and it works on every OS: it needs no pty.
//
// The person at the sensor is a file: Dir/hand holds the [Hand] on the sensor, and no file
// (or an empty one) means no hand; [PlaceHand] and [LiftHand] write it. A module-matching
// Driver keeps its templates in Dir/templates.json, as a real module keeps them in flash
// across restarts; a host-matching one keeps nothing and returns each template to the bridge.
type Driver struct {
	// Dir is the directory of the hand file and the templates.
	Dir string
	// Serial is the serial number Info reports; "" means "SIMX0001".
	Serial string
	// Matching is driver.MatchOnModule ("" too) or driver.MatchOnHost.
	Matching string
	// CaptureTimeout is how long a capture waits for a hand. 0 means 10 s.
	CaptureTimeout time.Duration
	// Poll is how often the hand file is read. 0 means 20 ms.
	Poll time.Duration

	mu sync.Mutex // guards the templates file
}

// Capacity is how many templates a module-matching Driver holds.
const Capacity = 100

// hostTemplatePrefix starts the opaque template a host-matching Driver returns.
const hostTemplatePrefix = "simvein-template/1:"

// PlaceHand puts hand h on the sensor of the Driver in dir.
func PlaceHand(dir string, h Hand) error { return writeFile(filepath.Join(dir, "hand"), []byte(h)) }

// LiftHand takes the hand off the sensor of the Driver in dir.
func LiftHand(dir string) error { return writeFile(filepath.Join(dir, "hand"), nil) }

func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (d *Driver) host() bool { return d.Matching == driver.MatchOnHost }

// Handle answers one request; see package devices/vein/driver.
func (d *Driver) Handle(ctx context.Context, req driver.Request, prompt func(driver.Prompt)) (driver.Message, error) {
	switch req.Op {
	case driver.OpHello:
		m := driver.MatchOnModule
		if d.host() {
			m = driver.MatchOnHost
		}
		return driver.Message{Version: driver.Version, Driver: "shelter-vein-example " + Firmware, Matching: m}, nil
	case driver.OpInfo:
		ts, err := d.templates()
		if err != nil {
			return driver.Message{}, err
		}
		serial := d.Serial
		if serial == "" {
			serial = "SIMX0001"
		}
		return driver.Message{Model: Model, Firmware: Firmware, Serial: serial, Capacity: Capacity, Enrolled: len(ts)}, nil
	case driver.OpEnrol:
		return d.enrol(ctx, req.Captures, prompt)
	case driver.OpVerify:
		return d.verify(ctx, req, prompt)
	case driver.OpIdentify:
		return d.identify(ctx, req, prompt)
	case driver.OpDelete:
		return driver.Message{}, d.delete(req.TemplateID)
	}
	return driver.Message{}, &driver.Error{Code: driver.CodeBadRequest, Message: "unknown op " + req.Op}
}

func (d *Driver) enrol(ctx context.Context, captures int, prompt func(driver.Prompt)) (driver.Message, error) {
	if captures < 1 || captures > 10 {
		return driver.Message{}, &driver.Error{Code: driver.CodeBadRequest, Message: "captures must be 1..10"}
	}
	var first Hand
	for i := range captures {
		h, _, err := d.capture(ctx, i, i > 0, prompt)
		if err != nil {
			return driver.Message{}, err
		}
		if i == 0 {
			first = h
		} else if h != first {
			return driver.Message{}, &driver.Error{Code: driver.CodeCaptureMismatch}
		}
	}
	if d.host() {
		return driver.Message{Template: []byte(hostTemplatePrefix + string(first))}, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ts, err := d.templates()
	if err != nil {
		return driver.Message{}, err
	}
	var next uint32 = 1
	for id, h := range ts {
		if h == first {
			return driver.Message{}, &driver.Error{Code: driver.CodeDuplicate}
		}
		next = max(next, id+1)
	}
	if len(ts) >= Capacity {
		return driver.Message{}, &driver.Error{Code: driver.CodeStorageFull}
	}
	ts[next] = first
	if err := d.save(ts); err != nil {
		return driver.Message{}, err
	}
	return driver.Message{TemplateID: next}, nil
}

func (d *Driver) verify(ctx context.Context, req driver.Request, prompt func(driver.Prompt)) (driver.Message, error) {
	var want Hand
	id := req.TemplateID
	if d.host() {
		h, ok := parseHostTemplate(req.Template)
		if !ok {
			return driver.Message{}, &driver.Error{Code: driver.CodeUnknownTemplate, Message: "not a template of this driver"}
		}
		want = h
	} else {
		ts, err := d.templates()
		if err != nil {
			return driver.Message{}, err
		}
		h, ok := ts[id]
		if !ok {
			return driver.Message{}, &driver.Error{Code: driver.CodeUnknownTemplate}
		}
		want = h
	}
	h, _, err := d.capture(ctx, 0, false, prompt)
	if err != nil {
		return driver.Message{}, err
	}
	return driver.Message{Match: h == want, Score: int(score(h, id, h == want))}, nil
}

func (d *Driver) identify(ctx context.Context, req driver.Request, prompt func(driver.Prompt)) (driver.Message, error) {
	h, _, err := d.capture(ctx, 0, false, prompt)
	if err != nil {
		return driver.Message{}, err
	}
	ts := map[uint32]Hand{}
	if d.host() {
		for _, t := range req.Templates {
			if th, ok := parseHostTemplate(t.Template); ok {
				ts[t.TemplateID] = th
			}
		}
	} else if ts, err = d.templates(); err != nil {
		return driver.Message{}, err
	}
	var best uint32
	for id, t := range ts {
		if t == h && (best == 0 || id < best) {
			best = id
		}
	}
	return driver.Message{Match: best != 0, TemplateID: best, Score: int(score(h, best, best != 0))}, nil
}

func (d *Driver) delete(id uint32) error {
	if d.host() {
		return &driver.Error{Code: driver.CodeBadRequest, Message: "a host-matching driver keeps no templates"}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ts, err := d.templates()
	if err != nil {
		return err
	}
	if _, ok := ts[id]; !ok {
		return &driver.Error{Code: driver.CodeUnknownTemplate}
	}
	delete(ts, id)
	return d.save(ts)
}

func parseHostTemplate(b []byte) (Hand, bool) {
	h, ok := bytes.CutPrefix(b, []byte(hostTemplatePrefix))
	return Hand(h), ok && len(h) > 0
}

// capture prompts for a hand and takes one capture, as Sim does: lift first if asked, then
// place.
func (d *Driver) capture(ctx context.Context, index int, liftFirst bool, prompt func(driver.Prompt)) (Hand, int, error) {
	status := func(p string, q int) { prompt(driver.Prompt{Prompt: p, Capture: index, Quality: q}) }
	if liftFirst {
		status("lift-hand", 0)
		if _, err := d.waitHand(ctx, false); err != nil {
			return "", 0, d.failCapture(err, status)
		}
	}
	status("place-hand", 0)
	h, err := d.waitHand(ctx, true)
	if err != nil {
		return "", 0, d.failCapture(err, status)
	}
	q := int(quality(h, uint8(index)))
	status("capture-ok", q)
	return h, q, nil
}

func (d *Driver) failCapture(err error, status func(string, int)) error {
	var e *driver.Error
	if errors.As(err, &e) && e.Code == driver.CodeTimeout {
		status("timeout", 0)
	}
	return err
}

// waitHand reads the hand file until a hand is (present) or is not (!present) there.
func (d *Driver) waitHand(ctx context.Context, present bool) (Hand, error) {
	timeout := time.NewTimer(orDefault(d.CaptureTimeout, 10*time.Second))
	defer timeout.Stop()
	tick := time.NewTicker(orDefault(d.Poll, 20*time.Millisecond))
	defer tick.Stop()
	for {
		b, err := os.ReadFile(filepath.Join(d.Dir, "hand"))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("reading the hand: %w", err)
		}
		h := Hand(strings.TrimSpace(string(b)))
		if (h != "") == present {
			return h, nil
		}
		select {
		case <-ctx.Done():
			return "", &driver.Error{Code: driver.CodeCancelled}
		case <-timeout.C:
			return "", &driver.Error{Code: driver.CodeTimeout, Message: "no hand came in time"}
		case <-tick.C:
		}
	}
}

func orDefault(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

// templates reads the module's templates (id → hand).
func (d *Driver) templates() (map[uint32]Hand, error) {
	ts := map[uint32]Hand{}
	if d.host() {
		return ts, nil
	}
	b, err := os.ReadFile(filepath.Join(d.Dir, "templates.json"))
	if errors.Is(err, os.ErrNotExist) {
		return ts, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading templates: %w", err)
	}
	if err := json.Unmarshal(b, &ts); err != nil {
		return nil, fmt.Errorf("templates.json: %w", err)
	}
	return ts, nil
}

func (d *Driver) save(ts map[uint32]Hand) error {
	b, err := json.Marshal(ts)
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(d.Dir, "templates.json"), b)
}
