package vein

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/devices/vein/wire"
)

// Serial is a Sensor on a serial line speaking the wire protocol. Set Path
// (and any other field) before the first call and do not change or copy it
// afterwards. The line is opened by the first call, not before.
type Serial struct {
	// Path is the device path: a stable one such as
	// /dev/serial/by-id/usb-...-if00, because after a failure the driver
	// reopens exactly this path.
	Path string

	// Baud is the line speed. 0 means DefaultBaud.
	Baud int

	// Open opens the line. nil means OpenPort(path, Baud).
	Open func(path string) (Port, error)

	// CommandTimeout bounds the requests that need no hand (device info,
	// starting an enrolment, the handshake on opening the line, confirming
	// a cancel) on top of the context's deadline. 0 means 3 s.
	CommandTimeout time.Duration

	// OpenTimeout bounds how long one call tries to (re)open Path, handshake included, with
	// backoff between attempts, on top of the context's deadline: a configured port with
	// nothing plugged in, or a device that does not answer, fails the call within it
	// (ErrDisconnected) instead of holding it until the person's deadline. 0 means 3 s.
	OpenTimeout time.Duration

	// Heartbeat is how long a call waits on a quiet line before it pings
	// the device; a ping unanswered for two more heartbeats means the
	// line is gone (a pulled cable). 0 means 1 s.
	Heartbeat time.Duration

	// MinBackoff and MaxBackoff bound the wait between attempts to reopen
	// Path. 0 means 50 ms and 2 s.
	MinBackoff, MaxBackoff time.Duration

	// DeviceSerial, if set, is the serial number of the only sensor the
	// driver will talk to. If empty, the driver pins the serial number of
	// the first sensor it opens. Either way a different sensor on Path
	// (another device plugged into the same port) gets ErrWrongDevice:
	// its template ids name other people.
	DeviceSerial string

	// Log receives connection events, never payloads. nil means none.
	Log *slog.Logger

	once sync.Once
	sem  chan struct{} // held by the call in progress
	seq  uint8         // guarded by sem

	mu     sync.Mutex
	link   *link
	cancel chan struct{} // of the call in progress; nil when none
	closed bool
	pinned string     // serial number of the sensor seen first
	stats  wire.Stats // of links already replaced
}

var _ Sensor = (*Serial)(nil)

func (s *Serial) setup() { s.once.Do(func() { s.sem = make(chan struct{}, 1) }) }

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func (s *Serial) commandTimeout() time.Duration { return orDefault(s.CommandTimeout, 3*time.Second) }
func (s *Serial) heartbeat() time.Duration      { return orDefault(s.Heartbeat, time.Second) }
func (s *Serial) openTimeout() time.Duration    { return orDefault(s.OpenTimeout, 3*time.Second) }

func (s *Serial) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func (s *Serial) open(path string) (Port, error) {
	if s.Open != nil {
		return s.Open(path)
	}
	return OpenPort(path, s.Baud)
}

// Info implements Sensor.
func (s *Serial) Info(ctx context.Context) (Info, error) {
	c, err := s.begin(ctx)
	if err != nil {
		return Info{}, fmt.Errorf("info: %w", err)
	}
	defer c.end()
	f, err := c.request(ctx, wire.CmdInfo, nil, false, nil)
	if err != nil {
		return Info{}, fmt.Errorf("info: %w", err)
	}
	m, err := wire.ParseInfoReply(f.Payload)
	if err != nil {
		return Info{}, fmt.Errorf("info: %w: %w", ErrProtocol, err)
	}
	return Info{
		Model: m.Model, Firmware: m.Firmware, Serial: m.Serial,
		Protocol: int(m.Protocol), Capacity: int(m.Capacity), Enrolled: int(m.Enrolled),
	}, nil
}

// Enroll implements Sensor.
func (s *Serial) Enroll(ctx context.Context, captures int, prompts func(Prompt)) (TemplateID, error) {
	if captures < 1 || captures > wire.MaxCaptures {
		return 0, fmt.Errorf("enroll: %d captures, want 1..%d", captures, wire.MaxCaptures)
	}
	c, err := s.begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("enroll: %w", err)
	}
	defer c.end()
	start := wire.EnrollStart{Captures: uint8(captures)}
	if _, err := c.request(ctx, wire.CmdEnrollStart, start.Append(nil), false, nil); err != nil {
		return 0, fmt.Errorf("enroll: %w", err)
	}
	for i := range captures {
		req := wire.EnrollCapture{Index: uint8(i)}
		f, err := c.request(ctx, wire.CmdEnrollCapture, req.Append(nil), true, prompts)
		if err != nil {
			return 0, fmt.Errorf("enroll capture %d: %w", i, err)
		}
		r, err := wire.ParseEnrollCaptureReply(f.Payload)
		if err != nil {
			return 0, fmt.Errorf("enroll capture %d: %w: %w", i, ErrProtocol, err)
		}
		last := i == captures-1
		if int(r.Index) != i || last != (r.Template != 0) {
			return 0, fmt.Errorf("enroll capture %d: %w: reply for capture %d, template %d", i, ErrProtocol, r.Index, r.Template)
		}
		if last {
			return TemplateID(r.Template), nil
		}
	}
	panic("unreachable")
}

// Verify implements Sensor.
func (s *Serial) Verify(ctx context.Context, id TemplateID, prompts func(Prompt)) (Match, error) {
	if id == 0 {
		return Match{}, fmt.Errorf("verify: %w: template 0", ErrUnknownTemplate)
	}
	c, err := s.begin(ctx)
	if err != nil {
		return Match{}, fmt.Errorf("verify: %w", err)
	}
	defer c.end()
	f, err := c.request(ctx, wire.CmdVerify, wire.Verify{Template: uint32(id)}.Append(nil), true, prompts)
	if err != nil {
		return Match{}, fmt.Errorf("verify: %w", err)
	}
	r, err := wire.ParseVerifyReply(f.Payload)
	if err != nil {
		return Match{}, fmt.Errorf("verify: %w: %w", ErrProtocol, err)
	}
	if !r.Match {
		return Match{Score: int(r.Score)}, fmt.Errorf("verify: %w", ErrNoMatch)
	}
	return Match{Template: id, Score: int(r.Score)}, nil
}

// Identify implements Sensor.
func (s *Serial) Identify(ctx context.Context, prompts func(Prompt)) (Match, error) {
	c, err := s.begin(ctx)
	if err != nil {
		return Match{}, fmt.Errorf("identify: %w", err)
	}
	defer c.end()
	f, err := c.request(ctx, wire.CmdIdentify, nil, true, prompts)
	if err != nil {
		return Match{}, fmt.Errorf("identify: %w", err)
	}
	r, err := wire.ParseIdentifyReply(f.Payload)
	if err != nil {
		return Match{}, fmt.Errorf("identify: %w: %w", ErrProtocol, err)
	}
	if !r.Match {
		return Match{Score: int(r.Score)}, fmt.Errorf("identify: %w", ErrNoMatch)
	}
	return Match{Template: TemplateID(r.Template), Score: int(r.Score)}, nil
}

// Delete implements Sensor.
func (s *Serial) Delete(ctx context.Context, id TemplateID) error {
	if id == 0 {
		return fmt.Errorf("delete: %w: template 0", ErrUnknownTemplate)
	}
	c, err := s.begin(ctx)
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	defer c.end()
	f, err := c.request(ctx, wire.CmdDelete, wire.Delete{Template: uint32(id)}.Append(nil), false, nil)
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if len(f.Payload) != 0 {
		return fmt.Errorf("delete: %w: reply of %d bytes", ErrProtocol, len(f.Payload))
	}
	return nil
}

// Cancel implements Sensor.
func (s *Serial) Cancel() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		close(s.cancel)
		s.cancel = nil
	}
	return nil
}

// Close implements Sensor. It waits, at most a second, for the reading
// goroutine to stop.
func (s *Serial) Close() error {
	s.mu.Lock()
	l := s.link
	already := s.closed
	s.closed = true
	s.mu.Unlock()
	if already || l == nil {
		return nil
	}
	l.close()
	select {
	case <-l.dead:
	case <-time.After(time.Second):
	}
	return nil
}

// Stats returns the frame parser's counters over every line opened so
// far: a measure of line quality.
func (s *Serial) Stats() wire.Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	if s.link != nil {
		st = addStats(st, s.link.snapshot())
	}
	return st
}

func (s *Serial) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
