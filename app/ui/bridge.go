package ui

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"
)

// Event names the App emits to the frontend through the sink of [App.SetEventSink].
const (
	// EventBridge carries one [bridge.Event] of the bridge's stream (card inserted, scan
	// progress, device state…). It never holds a number, a PIN, card data or an image.
	EventBridge = "bridge:event"
	// EventBridgeState carries a [BridgeState] whenever the connection changes.
	EventBridgeState = "bridge:state"
)

// BridgeState is the app's connection to the shelter-bridge daemon.
type BridgeState struct {
	Connected bool   `json:"connected"`
	Version   string `json:"version"`
	PID       int    `json:"pid"`
	Started   string `json:"started"` // RFC 3339
	// Launched is true when this app started the running bridge process.
	Launched bool `json:"launched"`
	// Error is a short English reason while not connected ("not running", "shelter-bridge not
	// found"); the UI words its own text.
	Error string `json:"error,omitempty"`
}

// Reconnection backoff of the supervisor.
const (
	bridgeMinBackoff = 200 * time.Millisecond
	bridgeMaxBackoff = 5 * time.Second
	// bridgeStartGrace is how long a bridge this app started gets to answer before another
	// start is tried.
	bridgeStartGrace = 5 * time.Second
)

// supervisor keeps the app connected to the bridge: it dials the socket, starts the daemon when
// nothing answers (as a detached process that outlives the window), follows the event stream
// and reconnects with backoff when the stream ends. It forwards events and its own state to the
// sink; the client is shared by the services that call the bridge.
type supervisor struct {
	a      *App
	socket string
	// command starts the daemon; nil: shelter-bridge beside the executable or in PATH; empty:
	// never start one.
	command []string

	client *bridge.Client

	mu       sync.Mutex
	sink     func(name string, data any)
	state    BridgeState
	child    *exec.Cmd
	childOut chan struct{} // closed when child exits
	launched time.Time
	running  bool
	hooks    []func(context.Context, *bridge.Client)
}

func newSupervisor(a *App, socket string, command []string) *supervisor {
	if socket == "" {
		socket = bridge.SocketPath()
	}
	return &supervisor{a: a, socket: socket, command: command, client: &bridge.Client{Path: socket},
		state: BridgeState{Error: "not connected yet"}}
}

// SetEventSink sets where bridge events and connection changes go (main.go: Wails'
// runtime.EventsEmit; browser tests: webrpc.Events.Emit). nil stops forwarding. The sink is
// called from the supervisor's goroutine and must not block for long.
func (a *App) SetEventSink(sink func(name string, data any)) {
	s := a.sup
	s.mu.Lock()
	s.sink = sink
	s.mu.Unlock()
}

// StartBridge connects to the bridge in the background, starting the daemon when it does not
// answer (Config.BridgeCommand), and keeps the connection: after the bridge stops it reconnects
// (and starts a new one) with backoff. It returns at once; stop ends the supervision (the
// daemon keeps running: it serves the hot folder and sync while the window is closed). Calling
// it again while it runs does nothing but return a stop function.
func (a *App) StartBridge() (stop func()) {
	s := a.sup
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		cancel()
		return func() {}
	}
	s.running = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.run(ctx)
	}()
	return func() {
		cancel()
		<-done
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}
}

// BridgeState returns the current connection state.
func (a *App) BridgeState() BridgeState { return a.sup.current() }

func (s *supervisor) current() BridgeState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// onConnect registers fn to run (in the supervisor's goroutine) after every connection.
func (s *supervisor) onConnect(fn func(context.Context, *bridge.Client)) {
	s.mu.Lock()
	s.hooks = append(s.hooks, fn)
	s.mu.Unlock()
}

func (s *supervisor) emit(name string, data any) {
	s.mu.Lock()
	sink := s.sink
	s.mu.Unlock()
	if sink != nil {
		sink(name, data)
	}
}

func (s *supervisor) setState(st BridgeState) {
	s.mu.Lock()
	changed := s.state != st
	s.state = st
	s.mu.Unlock()
	if changed {
		s.emit(EventBridgeState, st)
	}
}

func (s *supervisor) run(ctx context.Context) {
	backoff := bridgeMinBackoff
	for ctx.Err() == nil {
		if err := s.follow(ctx); err != nil {
			s.setState(BridgeState{Error: err.Error()})
			s.maybeLaunch()
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, bridgeMaxBackoff)
			continue
		}
		backoff = bridgeMinBackoff
	}
}

// follow connects, forwards the event stream until it ends and returns nil, or returns why it
// could not connect.
func (s *supervisor) follow(ctx context.Context) error {
	sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	st, err := s.client.Status(sctx)
	cancel()
	if err != nil {
		return errors.New("not running")
	}
	ectx, ecancel := context.WithCancel(ctx)
	defer ecancel()
	events, err := s.client.Events(ectx)
	if err != nil {
		return errors.New("event stream refused")
	}
	s.mu.Lock()
	launched := s.child != nil && s.child.Process != nil && s.child.Process.Pid == st.PID
	hooks := append([]func(context.Context, *bridge.Client){}, s.hooks...)
	s.mu.Unlock()
	s.setState(BridgeState{Connected: true, Version: st.Version, PID: st.PID, Started: st.Started, Launched: launched})
	for _, h := range hooks {
		hctx, hcancel := context.WithTimeout(ctx, 10*time.Second)
		h(hctx, s.client)
		hcancel()
	}
	for e := range events {
		s.emit(EventBridge, e)
	}
	if ctx.Err() == nil {
		s.setState(BridgeState{Error: "the bridge stopped"})
	}
	return nil
}

// maybeLaunch starts the daemon unless one this app started is still starting up.
func (s *supervisor) maybeLaunch() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.child != nil {
		select {
		case <-s.childOut:
		default:
			if time.Since(s.launched) < bridgeStartGrace {
				return // still starting (or running but not answering yet)
			}
		}
	}
	argv, err := s.resolveCommand()
	if err != nil {
		s.state.Error = err.Error()
		return
	}
	if argv == nil {
		return
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "SHELTER_BRIDGE_DIR="+filepath.Dir(s.socket))
	detach(cmd)
	if err := cmd.Start(); err != nil {
		s.a.log.Warn("starting shelter-bridge", "err", err)
		s.state.Error = "shelter-bridge could not be started"
		return
	}
	s.a.log.Info("started shelter-bridge", "pid", cmd.Process.Pid)
	out := make(chan struct{})
	go func() { _ = cmd.Wait(); close(out) }() // reap it if it ends while the app runs
	s.child, s.childOut, s.launched = cmd, out, time.Now()
}

// errNoBridgeBinary is the state's reason when no shelter-bridge executable is found.
var errNoBridgeBinary = errors.New("shelter-bridge not found")

// resolveCommand returns the command that starts the daemon; nil without error means never
// start one.
func (s *supervisor) resolveCommand() ([]string, error) {
	if s.command != nil {
		if len(s.command) == 0 {
			return nil, nil
		}
		return s.command, nil
	}
	name := "shelter-bridge"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return []string{p, "run"}, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return []string{p, "run"}, nil
	}
	return nil, errNoBridgeBinary
}
