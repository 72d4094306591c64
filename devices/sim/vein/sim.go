// Package simvein is a simulated vein sensor on a pseudo-terminal pair. It
// owns the master side, speaks the protocol of
// github.com/mynumber-shelter/shelter/devices/vein/wire, stores templates,
// and lets a test play the person and the cable: place a hand, place the
// wrong hand, lift it, be slow, inject line noise and partial frames, pull
// the cable and plug it back in.
//
// The driver under test opens [Sim.Path] with tarm/serial exactly as it
// opens a real sensor. That path is a symbolic link standing in for
// /dev/serial/by-id/...: it disappears on [Sim.Unplug] and comes back,
// pointing at a new /dev/pts/N, on [Sim.Replug].
//
// A template is an id and the secret value of a simulated [Hand]; a hand
// matches a template when the values are equal. The simulator is for tests
// and for an explicit, clearly labelled demo mode; it must never stand in
// for a real sensor silently, and it holds no biometric data.
//
// It needs Linux (/dev/ptmx); elsewhere [Start] returns an error matching
// errors.ErrUnsupported.
package simvein

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/devices/vein/wire"
)

// Hand is the secret that stands for one person's hand.
type Hand string

// Config configures a Sim. Zero fields take the documented defaults.
type Config struct {
	// Dir holds the stable link to the current pty. "" means a new
	// temporary directory, removed by Close.
	Dir string
	// Serial is the serial number reported by Info and used in the link's
	// name. "" means "SIM0001".
	Serial string
	// Capacity is the number of templates the device holds. 0 means 100.
	Capacity int
	// CaptureTimeout is how long the device waits for a hand to be placed
	// or lifted. 0 means 10 s.
	CaptureTimeout time.Duration
	// CaptureDelay is how long taking a capture takes once a hand is
	// there. 0 means none.
	CaptureDelay time.Duration
	// Seed seeds the noise. 0 means 1, so runs repeat.
	Seed uint64
}

// Noise is line noise the device adds before the frames it sends.
type Noise struct {
	// Garbage is the most random bytes written before each frame.
	Garbage int
	// Partial is the probability (0..1) that a frame is preceded by a
	// truncated copy of itself, as when a device resets mid-frame.
	Partial float64
}

// Stats counts what the simulator did.
type Stats struct {
	Requests      int // frames received from the host
	Pings         int
	Cancels       int
	NoiseBytes    int // garbage bytes injected
	PartialFrames int // truncated frames injected
	Dropped       int // frames not sent because the line is muted
}

// Sim is a simulated sensor. Its methods are safe for concurrent use.
type Sim struct {
	cfg    Config
	dir    string
	ownDir bool
	link   string

	mu        sync.Mutex
	present   bool
	hand      Hand
	handCh    chan struct{} // closed and replaced when the hand changes
	templates map[uint32]Hand
	nextID    uint32
	enroll    *enrolment
	delay     time.Duration
	timeout   time.Duration
	noise     Noise
	mute      bool
	rng       *rand.Rand
	plug      *plug
	closed    bool
	stats     Stats
}

type enrolment struct {
	captures, next uint8
	hand           Hand
}

// Start creates a pty pair, serves the protocol on its master and links
// Path to its slave.
func Start(cfg Config) (*Sim, error) {
	s := &Sim{
		cfg:       cfg,
		dir:       cfg.Dir,
		handCh:    make(chan struct{}),
		templates: map[uint32]Hand{},
		nextID:    1,
		delay:     cfg.CaptureDelay,
		timeout:   cfg.CaptureTimeout,
		rng:       rand.New(rand.NewPCG(max(cfg.Seed, 1), 0x5eed)),
	}
	if s.cfg.Serial == "" {
		s.cfg.Serial = "SIM0001"
	}
	if s.cfg.Capacity == 0 {
		s.cfg.Capacity = 100
	}
	if s.timeout == 0 {
		s.timeout = 10 * time.Second
	}
	if s.dir == "" {
		d, err := os.MkdirTemp("", "simvein")
		if err != nil {
			return nil, fmt.Errorf("simvein: %w", err)
		}
		s.dir, s.ownDir = d, true
	}
	s.link = filepath.Join(s.dir, "usb-MyNumberShelter_VeinSim_"+s.cfg.Serial+"-if00")
	if err := s.Replug(); err != nil {
		if s.ownDir {
			os.RemoveAll(s.dir)
		}
		return nil, err
	}
	return s, nil
}

// Path returns the stable path of the device, a link to the current
// /dev/pts/N. It does not exist while the device is unplugged.
func (s *Sim) Path() string { return s.link }

// PTY returns the current slave path, "" while unplugged.
func (s *Sim) PTY() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.plug == nil {
		return ""
	}
	return s.plug.pts
}

// Place puts hand h on the sensor (replacing any hand there).
func (s *Sim) Place(h Hand) { s.setHand(true, h) }

// Lift takes the hand off the sensor.
func (s *Sim) Lift() { s.setHand(false, "") }

func (s *Sim) setHand(present bool, h Hand) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.present, s.hand = present, h
	close(s.handCh)
	s.handCh = make(chan struct{})
}

// SetCaptureDelay sets how long each capture takes from now on.
func (s *Sim) SetCaptureDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// SetCaptureTimeout sets how long the device waits for a hand from now on.
func (s *Sim) SetCaptureTimeout(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timeout = d
}

// SetNoise sets the noise added to what the device sends from now on.
func (s *Sim) SetNoise(n Noise) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noise = n
}

// SetMute makes the device keep working but send nothing, as when an
// RS-232 cable is pulled and the port stays open.
func (s *Sim) SetMute(mute bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mute = mute
}

// Templates returns the number of templates stored.
func (s *Sim) Templates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.templates)
}

// Stats returns the counters so far.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Unplug pulls the cable: Path disappears, the pty master is closed (the
// driver's reads return EOF, its writes EIO), any request in progress is
// dropped. Templates survive, as in a real device's flash. Unplugging an
// unplugged device does nothing.
func (s *Sim) Unplug() error {
	s.mu.Lock()
	p := s.plug
	s.plug = nil
	s.enroll = nil
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	err := os.Remove(s.link)
	p.stop()
	return err
}

// Replug plugs the device in again on a new pty and points Path at it.
// Replugging a plugged device does nothing.
func (s *Sim) Replug() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("simvein: closed")
	}
	if s.plug != nil {
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()

	p, err := s.newPlug()
	if err != nil {
		return fmt.Errorf("simvein: %w", err)
	}
	// Like udev: the link appears once the device is ready.
	tmp := s.link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(p.pts, tmp); err != nil {
		p.stop()
		return fmt.Errorf("simvein: %w", err)
	}
	if err := os.Rename(tmp, s.link); err != nil {
		p.stop()
		return fmt.Errorf("simvein: %w", err)
	}
	s.mu.Lock()
	s.plug = p
	s.mu.Unlock()
	return nil
}

// Close unplugs the device for good and removes its directory if Start
// made it.
func (s *Sim) Close() error {
	err := s.Unplug()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	if s.ownDir {
		if rerr := os.RemoveAll(s.dir); err == nil {
			err = rerr
		}
	}
	return err
}

// plug is one pty pair: one period of the device being plugged in.
type plug struct {
	master *os.File
	hold   *os.File // a slave fd kept open: without it, master reads fail with EIO whenever the driver has the slave closed
	pts    string
	wmu    sync.Mutex

	ctx    context.Context // ends on unplug
	cancel context.CancelFunc
	wg     sync.WaitGroup // serve loop and operations

	opMu sync.Mutex
	op   *operation
}

type operation struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (s *Sim) newPlug() (*plug, error) {
	m, pts, err := openPTY()
	if err != nil {
		return nil, err
	}
	hold, err := openSlave(pts)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("opening %s: %w", pts, err)
	}
	p := &plug{master: m, hold: hold, pts: pts}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		s.serve(p)
	}()
	return p, nil
}

func (p *plug) stop() {
	p.cancel()
	p.master.Close()
	p.hold.Close()
	p.wg.Wait()
}

// masterPort reads the master with a short deadline so that the frame
// reader sees quiet periods, and so that Close ends the read.
type masterPort struct{ f *os.File }

func (m masterPort) Read(b []byte) (int, error) {
	m.f.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	n, err := m.f.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, nil
	}
	return n, err
}

func (s *Sim) serve(p *plug) {
	r := wire.NewReader(masterPort{p.master})
	for {
		f, err := r.ReadFrame()
		if errors.Is(err, wire.ErrIdle) {
			continue
		}
		if err != nil {
			return
		}
		s.handle(p, f)
	}
}

// send writes one frame, with noise if configured.
func (s *Sim) send(p *plug, seq uint8, cmd wire.Command, payload []byte) {
	frame, err := wire.AppendFrame(nil, wire.Frame{Seq: seq, Cmd: cmd, Payload: payload})
	if err != nil {
		panic(err) // our own payloads are short
	}
	s.mu.Lock()
	if s.mute {
		s.stats.Dropped++
		s.mu.Unlock()
		return
	}
	var out []byte
	if s.noise.Garbage > 0 {
		n := s.rng.IntN(s.noise.Garbage + 1)
		for range n {
			out = append(out, byte(s.rng.UintN(256)))
		}
		s.stats.NoiseBytes += n
	}
	if s.noise.Partial > 0 && s.rng.Float64() < s.noise.Partial {
		out = append(out, frame[:1+s.rng.IntN(len(frame)-1)]...)
		s.stats.PartialFrames++
	}
	s.mu.Unlock()
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.master.Write(append(out, frame...)) // fails only once unplugged
}
