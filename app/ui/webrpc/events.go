package webrpc

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Events carries the Go → frontend events that Wails delivers with runtime.EventsEmit to a
// browser, as Server-Sent Events at GET /events. Give it to [Handler] next to the services (it
// is not bound as a service) and plug [Events.Emit] into whatever emits events (for the app:
// ui.App.SetEventSink). The binding script's window.runtime.EventsOn listens to the stream, so
// the frontend subscribes the same way inside Wails and in a browser.
//
// Each event is one "data:" line holding {"name": …, "data": …}. A subscriber that does not
// keep up loses events rather than slowing the emitter. The zero value is ready to use.
type Events struct {
	mu   sync.Mutex
	subs map[chan []byte]struct{}
}

// Emit sends one event to every open stream. data must marshal to JSON; an event that does not
// is dropped (events are notifications, never the only copy of anything).
func (e *Events) Emit(name string, data any) {
	b, err := json.Marshal(struct {
		Name string `json:"name"`
		Data any    `json:"data"`
	}{name, data})
	if err != nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for ch := range e.subs {
		select {
		case ch <- b:
		default:
		}
	}
}

func (e *Events) subscribe() (<-chan []byte, func()) {
	ch := make(chan []byte, 64)
	e.mu.Lock()
	if e.subs == nil {
		e.subs = map[chan []byte]struct{}{}
	}
	e.subs[ch] = struct{}{}
	e.mu.Unlock()
	return ch, func() {
		e.mu.Lock()
		delete(e.subs, ch)
		e.mu.Unlock()
	}
}

// keepAlive is how often an idle stream gets a comment line.
const keepAlive = 15 * time.Second

// serveEvents streams events until the client goes away. Without an Events it answers 204,
// which tells a browser's EventSource not to reconnect.
func (h *handler) serveEvents(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	fl, ok := w.(http.Flusher)
	if h.events == nil || !ok {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ch, unsubscribe := h.events.subscribe()
	defer unsubscribe()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(": events\n\n"))
	fl.Flush()
	t := time.NewTicker(keepAlive)
	defer t.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case b := <-ch:
			if _, err := w.Write(append(append([]byte("data: "), b...), '\n', '\n')); err != nil {
				return
			}
			fl.Flush()
		case <-t.C:
			if _, err := w.Write([]byte(": keep-alive\n\n")); err != nil {
				return
			}
			fl.Flush()
		}
	}
}
