package simvein

import (
	"context"
	"hash/fnv"
	"time"

	"github.com/mynumber-shelter/shelter/devices/vein/wire"
)

// Model and Firmware are what the simulator reports in Info.
const (
	Model    = "MyNumber Shelter VeinSim"
	Firmware = "sim-1.0"
)

// handle answers one frame from the host. Requests that need a hand run
// in their own goroutine, so that pings and cancels are answered while
// they wait.
func (s *Sim) handle(p *plug, f wire.Frame) {
	s.mu.Lock()
	s.stats.Requests++
	s.mu.Unlock()
	fail := func(c wire.Code) { cmd, b := errorFrame(c); s.send(p, f.Seq, cmd, b) }

	switch f.Cmd {
	case wire.CmdPing:
		s.mu.Lock()
		s.stats.Pings++
		s.mu.Unlock()
		if len(f.Payload) > wire.MaxPing {
			fail(wire.CodeMalformed)
			return
		}
		s.send(p, f.Seq, wire.CmdPing.Reply(), f.Payload)

	case wire.CmdInfo:
		s.mu.Lock()
		m := wire.InfoReply{
			Protocol: wire.Version, Capacity: uint16(s.cfg.Capacity), Enrolled: uint16(len(s.templates)),
			Model: Model, Firmware: Firmware, Serial: s.cfg.Serial,
		}
		s.mu.Unlock()
		s.send(p, f.Seq, wire.CmdInfo.Reply(), m.Append(nil))

	case wire.CmdCancel:
		s.mu.Lock()
		s.stats.Cancels++
		s.enroll = nil
		s.mu.Unlock()
		p.opMu.Lock()
		op := p.op
		p.opMu.Unlock()
		if op != nil {
			op.cancel()
			<-op.done // it has sent its error
		}
		s.send(p, f.Seq, wire.CmdCancel.Reply(), nil)

	case wire.CmdEnrollStart:
		m, err := wire.ParseEnrollStart(f.Payload)
		if err != nil {
			fail(wire.CodeMalformed)
			return
		}
		if s.busy(p) {
			fail(wire.CodeBusy)
			return
		}
		s.mu.Lock()
		s.enroll = &enrolment{captures: m.Captures}
		s.mu.Unlock()
		s.send(p, f.Seq, wire.CmdEnrollStart.Reply(), nil)

	case wire.CmdEnrollCapture:
		m, err := wire.ParseEnrollCapture(f.Payload)
		if err != nil {
			fail(wire.CodeMalformed)
			return
		}
		s.mu.Lock()
		ok := s.enroll != nil && m.Index == s.enroll.next
		s.mu.Unlock()
		if !ok {
			fail(wire.CodeBadState)
			return
		}
		s.run(p, f.Seq, func(ctx context.Context) (wire.Command, []byte) { return s.enrollCapture(ctx, p, f.Seq, m.Index) })

	case wire.CmdVerify:
		m, err := wire.ParseVerify(f.Payload)
		if err != nil {
			fail(wire.CodeMalformed)
			return
		}
		s.mu.Lock()
		_, ok := s.templates[m.Template]
		s.mu.Unlock()
		if !ok {
			fail(wire.CodeUnknownTemplate)
			return
		}
		s.run(p, f.Seq, func(ctx context.Context) (wire.Command, []byte) { return s.verify(ctx, p, f.Seq, m.Template) })

	case wire.CmdDelete:
		m, err := wire.ParseDelete(f.Payload)
		if err != nil {
			fail(wire.CodeMalformed)
			return
		}
		if s.busy(p) {
			fail(wire.CodeBusy)
			return
		}
		s.mu.Lock()
		_, ok := s.templates[m.Template]
		delete(s.templates, m.Template)
		s.mu.Unlock()
		if !ok {
			fail(wire.CodeUnknownTemplate)
			return
		}
		s.send(p, f.Seq, wire.CmdDelete.Reply(), nil)

	case wire.CmdIdentify:
		if len(f.Payload) != 0 {
			fail(wire.CodeMalformed)
			return
		}
		s.run(p, f.Seq, func(ctx context.Context) (wire.Command, []byte) { return s.identify(ctx, p, f.Seq) })

	default:
		if !f.Cmd.IsReply() {
			fail(wire.CodeUnknownCommand)
		}
	}
}

func (s *Sim) busy(p *plug) bool {
	p.opMu.Lock()
	defer p.opMu.Unlock()
	return p.op != nil
}

// run starts op unless another operation is running. op returns its
// final frame (reply or error), which run sends once the device is idle
// again, so the host may send its next request as soon as it has it.
func (s *Sim) run(p *plug, seq uint8, op func(context.Context) (wire.Command, []byte)) {
	p.opMu.Lock()
	defer p.opMu.Unlock()
	if p.op != nil {
		cmd, b := errorFrame(wire.CodeBusy)
		s.send(p, seq, cmd, b)
		return
	}
	ctx, cancel := context.WithCancel(p.ctx)
	o := &operation{cancel: cancel, done: make(chan struct{})}
	p.op = o
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(o.done)
		defer cancel()
		cmd, payload := op(ctx)
		p.opMu.Lock()
		p.op = nil
		p.opMu.Unlock()
		s.send(p, seq, cmd, payload)
	}()
}

// capture prompts for a hand and takes one capture: lift first if asked,
// then place, then the capture delay. It returns the error code to send,
// or 0.
func (s *Sim) capture(ctx context.Context, p *plug, seq, index uint8, liftFirst bool) (Hand, uint8, wire.Code) {
	status := func(pr wire.Prompt, q uint8) {
		s.send(p, seq, wire.CmdStatus, wire.Status{Prompt: pr, Capture: index, Quality: q}.Append(nil))
	}
	if liftFirst {
		status(wire.PromptLiftHand, 0)
		if c := s.waitHand(ctx, false); c != 0 {
			return "", 0, s.failCapture(c, status)
		}
	}
	status(wire.PromptPlaceHand, 0)
	if c := s.waitHand(ctx, true); c != 0 {
		return "", 0, s.failCapture(c, status)
	}
	s.mu.Lock()
	h, delay := s.hand, s.delay
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-ctx.Done():
			return "", 0, wire.CodeCancelled
		case <-time.After(delay):
		}
	}
	q := quality(h, index)
	status(wire.PromptCaptureOK, q)
	return h, q, 0
}

func (s *Sim) failCapture(c wire.Code, status func(wire.Prompt, uint8)) wire.Code {
	if c == wire.CodeTimeout {
		status(wire.PromptTimeout, 0)
	}
	return c
}

// waitHand waits until a hand is (present) or is not (!present) on the
// sensor, the capture timeout passes, or ctx ends.
func (s *Sim) waitHand(ctx context.Context, present bool) wire.Code {
	s.mu.Lock()
	timeout := time.After(s.timeout)
	s.mu.Unlock()
	for {
		s.mu.Lock()
		now, ch := s.present, s.handCh
		s.mu.Unlock()
		if now == present {
			return 0
		}
		select {
		case <-ch:
		case <-timeout:
			return wire.CodeTimeout
		case <-ctx.Done():
			return wire.CodeCancelled
		}
	}
}

func errorFrame(c wire.Code) (wire.Command, []byte) {
	return wire.CmdError, wire.Error{Code: c}.Append(nil)
}

func (s *Sim) enrollCapture(ctx context.Context, p *plug, seq, index uint8) (wire.Command, []byte) {
	h, q, code := s.capture(ctx, p, seq, index, index > 0)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.enroll
	switch {
	case code != 0:
	case e == nil || e.next != index: // cancelled or unplugged meanwhile
		code = wire.CodeBadState
	case index > 0 && h != e.hand:
		code = wire.CodeCaptureMismatch
	case index+1 < e.captures:
		e.hand = h
		e.next++
		return wire.CmdEnrollCapture.Reply(), wire.EnrollCaptureReply{Index: index, Quality: q}.Append(nil)
	case s.enrolled(h) != 0:
		code = wire.CodeDuplicate
	case len(s.templates) >= s.cfg.Capacity:
		code = wire.CodeStorageFull
	default:
		id := s.nextID
		s.nextID++
		s.templates[id] = h
		s.enroll = nil
		return wire.CmdEnrollCapture.Reply(), wire.EnrollCaptureReply{Index: index, Quality: q, Template: id}.Append(nil)
	}
	s.enroll = nil
	return errorFrame(code)
}

// enrolled returns the id of h's template, or 0. s.mu is held.
func (s *Sim) enrolled(h Hand) uint32 {
	var best uint32
	for id, t := range s.templates {
		if t == h && (best == 0 || id < best) {
			best = id
		}
	}
	return best
}

func (s *Sim) verify(ctx context.Context, p *plug, seq uint8, id uint32) (wire.Command, []byte) {
	h, _, code := s.capture(ctx, p, seq, 0, false)
	if code != 0 {
		return errorFrame(code)
	}
	s.mu.Lock()
	t, ok := s.templates[id]
	s.mu.Unlock()
	if !ok {
		return errorFrame(wire.CodeUnknownTemplate)
	}
	return wire.CmdVerify.Reply(), wire.VerifyReply{Match: t == h, Score: score(h, id, t == h)}.Append(nil)
}

func (s *Sim) identify(ctx context.Context, p *plug, seq uint8) (wire.Command, []byte) {
	h, _, code := s.capture(ctx, p, seq, 0, false)
	if code != 0 {
		return errorFrame(code)
	}
	s.mu.Lock()
	id := s.enrolled(h)
	s.mu.Unlock()
	return wire.CmdIdentify.Reply(), wire.IdentifyReply{Match: id != 0, Template: id, Score: score(h, id, id != 0)}.Append(nil)
}

// quality is a capture's quality, 60..99, fixed for a hand and index.
func quality(h Hand, index uint8) uint8 {
	return uint8(60 + hash(string(h), index)%40)
}

// score is a match score: 800..999 for a match, 0..149 otherwise.
func score(h Hand, id uint32, match bool) uint16 {
	v := uint16(hash(string(h), byte(id), byte(id>>8), byte(id>>16), byte(id>>24)))
	if match {
		return 800 + v%200
	}
	return v % 150
}

func hash(s string, b ...byte) uint32 {
	f := fnv.New32a()
	f.Write([]byte(s))
	f.Write(b)
	return f.Sum32()
}
