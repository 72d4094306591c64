package vein

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mynumber-shelter/shelter/devices/vein/wire"
)

// call is one Sensor call in progress. It holds the device until end.
type call struct {
	s      *Serial
	cancel <-chan struct{}
}

func (s *Serial) begin(ctx context.Context) (*call, error) {
	s.setup()
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctxErr(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		<-s.sem
		return nil, ErrClosed
	}
	ch := make(chan struct{})
	s.cancel = ch
	return &call{s: s, cancel: ch}, nil
}

func (c *call) end() {
	c.s.mu.Lock()
	c.s.cancel = nil
	c.s.mu.Unlock()
	<-c.s.sem
}

func (c *call) nextSeq() uint8 {
	c.s.seq++
	if c.s.seq == 0 {
		c.s.seq = 1
	}
	return c.s.seq
}

func ctxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrTimeout, context.Cause(ctx))
	}
	return fmt.Errorf("%w: %w", ErrCancelled, context.Cause(ctx))
}

// connect returns the open link, reopening Path with backoff when there is
// none or it failed, until ctx ends or the call is cancelled.
func (c *call) connect(ctx context.Context) (*link, error) {
	s := c.s
	s.mu.Lock()
	l, closed := s.link, s.closed
	s.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if l != nil && !l.failed() {
		l.drain()
		return l, nil
	}
	if l != nil {
		l.close()
		s.log().Info("vein: line failed, reopening", "path", s.Path, "err", l.err)
	}
	// Reopening is bounded by OpenTimeout, not by the person's deadline: a port with
	// nothing plugged in fails within seconds.
	ctx, cancel := context.WithTimeout(ctx, s.openTimeout())
	defer cancel()
	backoff := orDefault(s.MinBackoff, 50*time.Millisecond)
	for attempt := 1; ; attempt++ {
		l, err := c.dial(ctx)
		if err == nil {
			s.log().Info("vein: line open", "path", s.Path, "attempt", attempt)
			return l, nil
		}
		if errors.Is(err, ErrWrongDevice) || errors.Is(err, ErrProtocol) || errors.Is(err, ErrClosed) {
			return nil, err // reopening will not help
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: %w (last attempt: %w)", ErrDisconnected, context.Cause(ctx), err)
		case <-c.cancel:
			t.Stop()
			return nil, ErrCancelled
		}
		backoff = min(2*backoff, orDefault(s.MaxBackoff, 2*time.Second))
	}
}

// dial opens Path, checks that the sensor there speaks our protocol and
// is the expected one, and installs the new link.
func (c *call) dial(ctx context.Context) (*link, error) {
	s := c.s
	p, err := s.open(s.Path)
	if err != nil {
		return nil, err
	}
	l := startLink(p)
	hctx, cancel := context.WithTimeout(ctx, s.commandTimeout())
	defer cancel()
	seq := c.nextSeq()
	var f wire.Frame
	if err = l.send(seq, wire.CmdInfo, nil); err == nil {
		f, err = c.wait(hctx, l, seq, wire.CmdInfo, false, nil)
	}
	var info wire.InfoReply
	if err == nil {
		if info, err = wire.ParseInfoReply(f.Payload); err != nil {
			err = fmt.Errorf("%w: %w", ErrProtocol, err)
		}
	}
	if err == nil && info.Protocol != wire.Version {
		err = fmt.Errorf("%w: device speaks protocol %d", ErrProtocol, info.Protocol)
	}
	if errors.Is(err, ErrTimeout) {
		// Silence, not a person's timeout: say so, so that it is not taken for one.
		err = fmt.Errorf("%w: no answer within %v", ErrDisconnected, s.commandTimeout())
	}
	if err != nil {
		l.close()
		return nil, fmt.Errorf("handshake: %w", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	want := s.DeviceSerial
	if want == "" {
		want = s.pinned
	}
	switch {
	case s.closed:
		err = ErrClosed
	case want == "":
		s.pinned = info.Serial
	case info.Serial != want:
		err = ErrWrongDevice
	}
	if err != nil {
		l.close()
		return nil, err
	}
	if s.link != nil {
		s.stats = addStats(s.stats, s.link.snapshot())
	}
	s.link = l
	return l, nil
}

// request sends one request and waits for its reply. hand says the
// request waits for a person: CommandTimeout does not apply, and if it
// ends early the device is told to abort.
func (c *call) request(ctx context.Context, cmd wire.Command, payload []byte, hand bool, prompts func(Prompt)) (wire.Frame, error) {
	if !hand {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.s.commandTimeout())
		defer cancel()
	}
	l, err := c.connect(ctx)
	if err != nil {
		return wire.Frame{}, err
	}
	seq := c.nextSeq()
	if err := l.send(seq, cmd, payload); err != nil {
		// The device never got the request: reopen once and resend.
		l.close()
		<-l.dead
		if l, err = c.connect(ctx); err != nil {
			return wire.Frame{}, err
		}
		if err := l.send(seq, cmd, payload); err != nil {
			l.close()
			return wire.Frame{}, fmt.Errorf("%w: %w", ErrDisconnected, err)
		}
	}
	return c.wait(ctx, l, seq, cmd, hand, prompts)
}

var errSilent = errors.New("no answer to pings")

// wait waits for the reply to request seq, passing prompts on, pinging a
// quiet line and giving up on a silent one.
func (c *call) wait(ctx context.Context, l *link, seq uint8, cmd wire.Command, hand bool, prompts func(Prompt)) (wire.Frame, error) {
	stop := func(cause error) error {
		if hand {
			return c.abort(l, cause)
		}
		return cause
	}
	hb := c.s.heartbeat()
	tick := time.NewTicker(hb / 4)
	defer tick.Stop()
	// A line quiet for a heartbeat gets a ping; a ping unanswered for
	// two more means the line is gone.
	lastRx, pinged, pingAt := time.Now(), false, time.Time{}
	for {
		select {
		case f := <-l.frames:
			lastRx, pinged = time.Now(), false
			if f.Seq != seq {
				continue // a ping's reply, or left over from an abandoned request
			}
			switch f.Cmd {
			case cmd.Reply():
				return f, nil
			case wire.CmdError:
				e, err := wire.ParseError(f.Payload)
				if err != nil {
					return wire.Frame{}, fmt.Errorf("%w: %w", ErrProtocol, err)
				}
				return wire.Frame{}, &DeviceError{Code: e.Code}
			case wire.CmdStatus:
				st, err := wire.ParseStatus(f.Payload)
				if err != nil {
					c.s.log().Warn("vein: dropping malformed status", "err", err)
					continue
				}
				if prompts != nil {
					prompts(Prompt{Kind: PromptKind(st.Prompt), Capture: int(st.Capture), Quality: int(st.Quality)})
				}
			default:
				c.s.log().Warn("vein: dropping unexpected frame", "cmd", f.Cmd, "want", cmd.Reply())
			}
		case <-l.dead:
			if c.s.isClosed() {
				return wire.Frame{}, ErrClosed
			}
			return wire.Frame{}, fmt.Errorf("%w: %w", ErrDisconnected, l.err)
		case <-ctx.Done():
			return wire.Frame{}, stop(ctxErr(ctx))
		case <-c.cancel:
			return wire.Frame{}, stop(ErrCancelled)
		case now := <-tick.C:
			switch {
			case pinged && now.Sub(pingAt) >= 2*hb:
				l.close()
				c.s.log().Warn("vein: line silent, dropping it", "path", c.s.Path)
				return wire.Frame{}, fmt.Errorf("%w: %w", ErrDisconnected, errSilent)
			case !pinged && now.Sub(lastRx) >= hb:
				pinged, pingAt = true, now
				if err := l.send(c.nextSeq(), wire.CmdPing, nil); err != nil {
					l.close()
					return wire.Frame{}, fmt.Errorf("%w: %w", ErrDisconnected, err)
				}
			}
		}
	}
}

// abort tells the device to drop the request in progress and waits,
// within CommandTimeout, for it to confirm, so that the next request
// finds the device idle. It returns cause.
func (c *call) abort(l *link, cause error) error {
	seq := c.nextSeq()
	if err := l.send(seq, wire.CmdCancel, nil); err != nil {
		l.close()
		return cause
	}
	t := time.NewTimer(c.s.commandTimeout())
	defer t.Stop()
	for {
		select {
		case f := <-l.frames:
			if f.Seq == seq && (f.Cmd == wire.CmdCancel.Reply() || f.Cmd == wire.CmdError) {
				return cause
			}
		case <-l.dead:
			return cause
		case <-t.C:
			c.s.log().Warn("vein: device did not confirm cancel", "path", c.s.Path)
			return cause
		}
	}
}
