package ui

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"
)

// sinkRecorder collects what the App emits.
type sinkRecorder struct {
	mu     sync.Mutex
	states []BridgeState
	events []bridge.Event
}

func (r *sinkRecorder) sink(name string, data any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch name {
	case EventBridgeState:
		r.states = append(r.states, data.(BridgeState))
	case EventBridge:
		r.events = append(r.events, data.(bridge.Event))
	}
}

// waitFor polls cond for up to 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// eventAfterConfig changes the bridge's hot folder (which publishes a device_state event) and
// waits until the sink got an event.
func eventAfterConfig(t *testing.T, a *App, r *sinkRecorder, folder string) {
	t.Helper()
	r.mu.Lock()
	n := len(r.events)
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.sup.client.SetConfig(ctx, bridge.Config{HotFolder: folder}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a bridge event", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.events) > n
	})
}

// TestSupervisorReconnects: with a bridge that someone else runs, the app follows its event
// stream, notices when it stops and reconnects when one comes back; events flow again.
func TestSupervisorReconnects(t *testing.T) {
	f := newApp(t)
	a := f.app
	state := t.TempDir()
	t.Setenv("SHELTER_BRIDGE_STATE", state)
	dir := filepath.Join(t.TempDir(), "run")
	stop := serveBridgeAt(t, dir, state)
	pointAt(a, bridge.SocketIn(dir))
	a.sup.command = []string{} // never start one
	rec := &sinkRecorder{}
	a.SetEventSink(rec.sink)
	end := a.StartBridge()
	defer end()
	waitFor(t, "connected", func() bool { return a.BridgeState().Connected })
	eventAfterConfig(t, a, rec, t.TempDir())

	stop()
	waitFor(t, "disconnected", func() bool { return !a.BridgeState().Connected })
	serveBridgeAt(t, dir, state)
	waitFor(t, "reconnected", func() bool { return a.BridgeState().Connected })
	eventAfterConfig(t, a, rec, t.TempDir())
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var up, down int
	for _, s := range rec.states {
		if s.Connected {
			up++
		} else {
			down++
		}
	}
	if up < 2 || down < 1 {
		t.Fatalf("states %+v", rec.states)
	}
}

// TestSupervisorStartsBridge: with nothing on the socket the app starts shelter-bridge itself
// (a detached process); killed, it is started again and events flow; when the app stops
// supervising, the bridge keeps running.
func TestSupervisorStartsBridge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds shelter-bridge")
	}
	bin := filepath.Join(t.TempDir(), "shelter-bridge")
	build := exec.Command("go", "build", "-tags=webkit2_41", "-o", bin, "github.com/mynumber-shelter/shelter/bridge/cmd/shelter-bridge")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building shelter-bridge: %v\n%s", err, out)
	}
	f := newApp(t)
	a := f.app
	t.Setenv("SHELTER_BRIDGE_STATE", t.TempDir())
	dir := filepath.Join(t.TempDir(), "run")
	pointAt(a, bridge.SocketIn(dir))
	a.sup.command = []string{bin, "run"}
	var pids []int
	t.Cleanup(func() { // end only the processes this test started
		for _, pid := range pids {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Signal(os.Interrupt)
			}
		}
	})
	rec := &sinkRecorder{}
	a.SetEventSink(rec.sink)
	end := a.StartBridge()
	waitFor(t, "a started bridge", func() bool { return a.BridgeState().Connected })
	first := a.BridgeState()
	pids = append(pids, first.PID)
	if !first.Launched || first.PID == os.Getpid() {
		t.Fatalf("state %+v", first)
	}
	eventAfterConfig(t, a, rec, t.TempDir())

	if p, err := os.FindProcess(first.PID); err != nil {
		t.Fatal(err)
	} else if err := p.Kill(); err != nil { // SIGKILL; TerminateProcess on Windows
		t.Fatal(err)
	}
	waitFor(t, "a second bridge", func() bool {
		s := a.BridgeState()
		return s.Connected && s.PID != first.PID
	})
	second := a.BridgeState()
	pids = append(pids, second.PID)
	if !second.Launched {
		t.Fatalf("state %+v", second)
	}
	eventAfterConfig(t, a, rec, t.TempDir())

	end()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := a.sup.client.Status(ctx)
	if err != nil || st.PID != second.PID {
		t.Fatalf("the bridge did not outlive the app's supervision: %+v %v", st, err)
	}
	if err := ownProcessGroup(second.PID); err != nil {
		t.Fatal(err)
	}
}
