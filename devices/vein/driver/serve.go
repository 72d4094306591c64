package driver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Handler answers one request for [Serve]: hello, info, enrol, verify, identify or delete
// (Serve answers cancel itself). ctx ends when the bridge cancels the request. prompt sends a
// prompt event for it. The returned Message is the reply (Serve sets its ID); an error ends
// the request instead, with its code when it is an *Error and CodeDevice otherwise.
type Handler func(ctx context.Context, req Request, prompt func(Prompt)) (Message, error)

// Serve speaks the protocol on r (the bridge's requests, normally os.Stdin) and w (normally
// os.Stdout) until r ends, as when the bridge exits, or ctx ends. Requests run one at a time in
// their own goroutine, so that cancel is read while one runs; a request arriving while another
// runs is answered "busy".
func Serve(ctx context.Context, r io.Reader, w io.Writer, h Handler) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	s := &server{w: w}
	defer s.wait()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	for sc.Scan() {
		var req Request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil || req.ID == 0 {
			s.write(Message{ID: req.ID, Error: &Error{Code: CodeBadRequest, Message: "not a request line"}})
			continue
		}
		if req.Op == OpCancel {
			s.cancelRunning()
			s.write(Message{ID: req.ID})
			continue
		}
		s.start(ctx, req, h)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading requests: %w", err)
	}
	return nil
}

type server struct {
	wmu sync.Mutex
	w   io.Writer

	mu      sync.Mutex
	cancel  context.CancelFunc // of the running request; nil when none
	done    chan struct{}      // closed when it has replied
	running sync.WaitGroup
}

func (s *server) write(m Message) {
	b, err := marshal(m)
	if err != nil {
		b, _ = marshal(Message{ID: m.ID, Error: &Error{Code: CodeDevice, Message: "reply does not encode"}})
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.w.Write(b) // a bridge that went away ends r too
}

func (s *server) start(ctx context.Context, req Request, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		s.write(Message{ID: req.ID, Error: &Error{Code: CodeBusy, Message: "another request is running"}})
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	s.cancel, s.done = cancel, done
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		defer close(done)
		defer cancel()
		prompt := func(p Prompt) {
			s.write(Message{ID: req.ID, Event: EventPrompt, Prompt: p.Prompt, Capture: p.Capture, Quality: p.Quality})
		}
		m, err := h(ctx, req, prompt)
		if req.Op == OpHello && m.Version == 0 {
			m.Version = Version
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				e = &Error{Code: CodeDevice, Message: err.Error()}
			}
			m = Message{Error: e}
		}
		m.ID, m.Event = req.ID, ""
		s.mu.Lock()
		s.cancel, s.done = nil, nil
		s.mu.Unlock()
		s.write(m)
	}()
}

// cancelRunning cancels the running request and waits until it has replied.
func (s *server) cancelRunning() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

func (s *server) wait() {
	s.mu.Lock()
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	s.running.Wait()
}
