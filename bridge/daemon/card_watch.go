package daemon

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"

	"github.com/mynumber-shelter/shelter/devices/card"
)

// readerPoll is how often the reader watch lists the readers, to notice one unplugged (PC/SC
// reports card changes but not a reader that went away) and the service stopping.
const readerPoll = time.Second

// pcscDevice is the name of the smart card service's row in /v1/devices.
const pcscDevice = "pcsc"

// readerWatch is what the reader watch knows: the readers and whether each holds a card. It
// publishes the changes as events and device states.
type readerWatch struct {
	s     *Server
	mu    sync.Mutex
	known map[string]bool // reader → card present
	up    bool            // the service answered last time
}

// watchReaders runs until ctx ends: it opens its own PC/SC context (so that its blocking
// waits never hold up a card operation, and a cancelled wait of an operation never cancels
// it), publishes reader_added / reader_removed / card_inserted / card_removed and keeps the
// "pcsc" and "reader" device states. When the service is missing it retries with backoff;
// when the service restarts, card.PCSC re-establishes the context.
func (s *Server) watchReaders(ctx context.Context) {
	w := &readerWatch{s: s, known: map[string]bool{}}
	backoff := readerPoll
	for ctx.Err() == nil {
		p, err := s.OpenPCSC()
		if err != nil {
			w.down(err)
			sleepCtx(ctx, backoff)
			backoff = min(2*backoff, 10*time.Second)
			continue
		}
		backoff = readerPoll
		w.run(ctx, p)
		p.Close()
	}
}

// run watches with p until ctx ends. Each pass lists the readers, then runs card.PCSC.Watch
// until the list changes or the service goes, then starts again: a fresh Watch reports
// every reader's state once more, so a reader unplugged and plugged back is seen right.
func (w *readerWatch) run(ctx context.Context, p *card.PCSC) {
	for ctx.Err() == nil {
		names, err := p.Readers()
		if err != nil {
			w.down(err)
			sleepCtx(ctx, readerPoll)
			continue
		}
		w.sync(names, true)
		wctx, cancel := context.WithCancel(ctx)
		polled := make(chan struct{})
		go func() {
			defer close(polled)
			t := time.NewTicker(readerPoll)
			defer t.Stop()
			for {
				select {
				case <-wctx.Done():
					return
				case <-t.C:
					now, err := p.Readers()
					if err != nil || !sameSet(now, names) {
						cancel()
						return
					}
				}
			}
		}()
		err = p.Watch(wctx, "", func(e card.Event) bool {
			w.card(e.Reader, e.Present)
			return true
		})
		cancel()
		<-polled
		if err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) {
			w.s.Log.Warn("reader watch failed; restarting it", "err", err)
			sleepCtx(ctx, readerPoll)
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// down records that the service is not there; its readers are gone with it.
func (w *readerWatch) down(err error) {
	w.mu.Lock()
	was := w.up
	w.up = false
	w.mu.Unlock()
	w.sync(nil, false)
	if was {
		w.s.Log.Warn("smart card service lost", "err", err)
	}
	w.s.setDevice(bridge.DeviceState{Kind: "pcsc", Name: pcscDevice, State: "error",
		Detail: "smart card service not available", LastError: cardError(err).Message})
}

// sync makes the known readers the ones in names, publishing what changed; up says the
// service answered (names may then be empty).
func (w *readerWatch) sync(names []string, up bool) {
	w.mu.Lock()
	var gone []string
	for r := range w.known {
		if !slices.Contains(names, r) {
			gone = append(gone, r)
		}
	}
	slices.Sort(gone)
	for _, r := range gone {
		w.removeLocked(r)
	}
	for _, r := range names {
		if _, ok := w.known[r]; !ok {
			w.addLocked(r)
		}
	}
	if up && !w.up {
		w.up = true
		w.s.Log.Info("smart card service available", "readers", len(names))
	}
	n := len(w.known)
	w.mu.Unlock()
	if up {
		w.s.setDevice(bridge.DeviceState{Kind: "pcsc", Name: pcscDevice, State: "ok", Detail: plural(n, "reader")})
	}
}

// card records whether reader holds a card.
func (w *readerWatch) card(reader string, present bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had, ok := w.known[reader]
	if !ok {
		w.addLocked(reader)
	}
	if had == present {
		return
	}
	w.known[reader] = present
	typ, detail := bridge.EventCardRemoved, "no card"
	if present {
		typ, detail = bridge.EventCardInserted, "card present"
	}
	w.s.setDevice(bridge.DeviceState{Kind: "reader", Name: reader, State: "ok", Detail: detail})
	w.s.publish(bridge.Event{Type: typ, Device: reader})
}

func (w *readerWatch) addLocked(reader string) {
	w.known[reader] = false
	w.s.setDevice(bridge.DeviceState{Kind: "reader", Name: reader, State: "ok", Detail: "no card"})
	w.s.publish(bridge.Event{Type: bridge.EventReaderAdded, Device: reader})
}

func (w *readerWatch) removeLocked(reader string) {
	if w.known[reader] {
		w.s.publish(bridge.Event{Type: bridge.EventCardRemoved, Device: reader})
	}
	delete(w.known, reader)
	w.s.removeDevice("reader", reader)
	w.s.publish(bridge.Event{Type: bridge.EventReaderRemoved, Device: reader})
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
