package daemon

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"

	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// startTemp is start with the bridge's state directory (and so its config file) in a fresh
// temporary directory.
func startTemp(t *testing.T, srv *Server) *bridge.Client {
	t.Helper()
	state := filepath.Join(t.TempDir(), "state")
	t.Setenv("SHELTER_BRIDGE_STATE", state)
	if srv.ConfigPath == "" {
		srv.ConfigPath = filepath.Join(state, "bridge.json")
	}
	if srv.Keychain == nil {
		srv.Keychain = &keychain.Mem{}
	}
	return start(t, srv)
}

// eventLog keeps every event of one subscription.
type eventLog struct {
	mu     sync.Mutex
	events []bridge.Event
	more   chan struct{} // closed and replaced on each event
	closed bool
}

func listenEvents(t *testing.T, c *bridge.Client) *eventLog {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := c.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := &eventLog{more: make(chan struct{})}
	go func() {
		for e := range ch {
			r.mu.Lock()
			r.events = append(r.events, e)
			close(r.more)
			r.more = make(chan struct{})
			r.mu.Unlock()
		}
		r.mu.Lock()
		r.closed = true
		close(r.more)
		r.more = make(chan struct{})
		r.mu.Unlock()
	}()
	return r
}

// wait returns the first event from index from on that ok accepts, and its index.
func (r *eventLog) wait(t *testing.T, what string, from int, d time.Duration, ok func(bridge.Event) bool) (bridge.Event, int) {
	t.Helper()
	deadline := time.After(d)
	for {
		r.mu.Lock()
		for i := from; i < len(r.events); i++ {
			if ok(r.events[i]) {
				e := r.events[i]
				r.mu.Unlock()
				return e, i
			}
		}
		from = len(r.events)
		more, closed := r.more, r.closed
		r.mu.Unlock()
		if closed {
			t.Fatalf("event stream ended while waiting for %s", what)
		}
		select {
		case <-more:
		case <-deadline:
			t.Fatalf("no %s event within %v", what, d)
		}
	}
}

func (r *eventLog) all() []bridge.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bridge.Event(nil), r.events...)
}

func TestEventStream(t *testing.T) {
	srv := &Server{OpenPCSC: noPCSC}
	c := startTemp(t, srv)
	rec := listenEvents(t, c)
	srv.publish(bridge.Event{Type: bridge.EventScanProgress, Device: "desk", Step: 2, Steps: 3})
	e, _ := rec.wait(t, "scan_progress", 0, 5*time.Second, func(e bridge.Event) bool { return e.Type == bridge.EventScanProgress })
	if e.Device != "desk" || e.Step != 2 || e.Steps != 3 || e.At == "" {
		t.Fatalf("event %+v", e)
	}
	// Several subscribers each get every event.
	rec2 := listenEvents(t, c)
	srv.publish(bridge.Event{Type: bridge.EventInboxPage, ID: "p1"})
	for _, r := range []*eventLog{rec, rec2} {
		r.wait(t, "inbox_page", 0, 5*time.Second, func(e bridge.Event) bool { return e.Type == bridge.EventInboxPage && e.ID == "p1" })
	}

	// The stream ends when the bridge stops, and the channel is closed.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv2 := &Server{OpenPCSC: noPCSC, Keychain: &keychain.Mem{}, ConfigPath: filepath.Join(t.TempDir(), "b.json")}
	dir := filepath.Join(t.TempDir(), "run")
	l, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv2.Serve(sctx, l) }()
	ch, err := (&bridge.Client{Path: bridge.SocketIn(dir)}).Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for range ch {
	}
	if ctx.Err() != nil {
		t.Fatal("the event channel stayed open after the bridge stopped")
	}
}

// TestPCSCDeviceWithoutService: without a smart card service the device panel says so.
func TestPCSCDeviceWithoutService(t *testing.T) {
	c := startTemp(t, &Server{OpenPCSC: noPCSC})
	d := waitDevice(t, c, "pcsc", pcscDevice, func(d bridge.DeviceState) bool { return d.State == "error" })
	if !strings.Contains(d.LastError, "not running") || d.LastErrorAt == "" {
		t.Fatalf("pcsc device %+v", d)
	}
}

// waitDevice polls GET /v1/devices until the device kind/name satisfies ok.
func waitDevice(t *testing.T, c *bridge.Client, kind, name string, ok func(bridge.DeviceState) bool) bridge.DeviceState {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // generous: CI runs on two busy cores
	var last []bridge.DeviceState
	for time.Now().Before(deadline) {
		ds, err := c.Devices(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		last = ds
		for _, d := range ds {
			if d.Kind == kind && d.Name == name && ok(d) {
				return d
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("device %s %q never reached the state wanted; devices: %+v", kind, name, last)
	return bridge.DeviceState{}
}
