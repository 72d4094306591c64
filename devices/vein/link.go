package vein

import (
	"errors"
	"fmt"
	"sync"

	"github.com/mynumber-shelter/shelter/devices/vein/wire"
)

// link is one open Port and the goroutine reading frames from it. A link
// that failed stays failed; Serial replaces it.
type link struct {
	port   Port
	frames chan wire.Frame
	dead   chan struct{} // closed when the reader has stopped; err says why
	err    error

	stopOnce sync.Once
	stop     chan struct{}

	mu    sync.Mutex
	stats wire.Stats
}

var errLinkClosed = errors.New("line closed by the driver")

func startLink(p Port) *link {
	l := &link{
		port:   p,
		frames: make(chan wire.Frame, 16),
		dead:   make(chan struct{}),
		stop:   make(chan struct{}),
	}
	go l.read()
	return l
}

func (l *link) read() {
	defer close(l.dead)
	r := wire.NewReader(l.port)
	for {
		f, err := r.ReadFrame()
		l.mu.Lock()
		l.stats = r.Stats()
		l.mu.Unlock()
		select {
		case <-l.stop:
			l.err = errLinkClosed
			return
		default:
		}
		if errors.Is(err, wire.ErrIdle) {
			continue
		}
		if err != nil {
			l.err = err
			return
		}
		select {
		case l.frames <- f:
		case <-l.stop:
			l.err = errLinkClosed
			return
		}
	}
}

// send writes one frame.
func (l *link) send(seq uint8, cmd wire.Command, payload []byte) error {
	b, err := wire.AppendFrame(make([]byte, 0, wire.HeaderLen+len(payload)+wire.TrailerLen), wire.Frame{Seq: seq, Cmd: cmd, Payload: payload})
	if err != nil {
		return err
	}
	if _, err := l.port.Write(b); err != nil {
		return fmt.Errorf("writing %v: %w", cmd, err)
	}
	return nil
}

// close stops the reader and closes the port. It does not wait.
func (l *link) close() {
	l.stopOnce.Do(func() {
		close(l.stop)
		l.port.Close()
	})
}

// failed reports whether the reader has stopped.
func (l *link) failed() bool {
	select {
	case <-l.dead:
		return true
	default:
		return false
	}
}

// drain drops frames left over from earlier requests.
func (l *link) drain() {
	for {
		select {
		case <-l.frames:
		default:
			return
		}
	}
}

func (l *link) snapshot() wire.Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

func addStats(a, b wire.Stats) wire.Stats {
	return wire.Stats{
		Bytes:     a.Bytes + b.Bytes,
		Frames:    a.Frames + b.Frames,
		Dropped:   a.Dropped + b.Dropped,
		BadHeader: a.BadHeader + b.BadHeader,
		BadCRC:    a.BadCRC + b.BadCRC,
		Stale:     a.Stale + b.Stale,
	}
}
