package daemon

import (
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"
)

// hub fans events out to subscribers and keeps the device states. Slow subscribers lose events
// rather than block a device.
type hub struct {
	mu      sync.Mutex
	subs    map[chan bridge.Event]struct{}
	devices map[string]bridge.DeviceState // kind + "\x00" + name
}

func (h *hub) subscribe() (<-chan bridge.Event, func()) {
	ch := make(chan bridge.Event, 64)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[chan bridge.Event]struct{}{}
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		if _, ok := h.subs[ch]; ok {
			delete(h.subs, ch)
			close(ch)
		}
		h.mu.Unlock()
	}
}

func (h *hub) publish(e bridge.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- e:
		default:
		}
	}
}

// publish stamps e and sends it to every subscriber of /v1/events.
func (s *Server) publish(e bridge.Event) {
	s.init()
	if e.At == "" {
		e.At = s.Now().UTC().Format(time.RFC3339)
	}
	s.hub.publish(e)
}

// setDevice records a device's state for /v1/devices; an error state keeps LastError, and a
// change is published as EventDeviceState.
func (s *Server) setDevice(d bridge.DeviceState) {
	s.init()
	key := d.Kind + "\x00" + d.Name
	s.hub.mu.Lock()
	if s.hub.devices == nil {
		s.hub.devices = map[string]bridge.DeviceState{}
	}
	old, had := s.hub.devices[key]
	if d.LastError == "" {
		d.LastError, d.LastErrorAt = old.LastError, old.LastErrorAt
	} else if d.LastErrorAt == "" {
		d.LastErrorAt = s.Now().UTC().Format(time.RFC3339)
	}
	s.hub.devices[key] = d
	s.hub.mu.Unlock()
	if !had || old.State != d.State || old.Detail != d.Detail || old.LastError != d.LastError {
		s.publish(bridge.Event{Type: bridge.EventDeviceState, Device: d.Name, Message: d.Kind + " " + d.State})
	}
}

// removeDevice forgets a device (a reader unplugged, a scanner removed from the config).
func (s *Server) removeDevice(kind, name string) {
	s.init()
	s.hub.mu.Lock()
	delete(s.hub.devices, kind+"\x00"+name)
	s.hub.mu.Unlock()
}

// deviceStates returns every known device state, ordered by kind then name.
func (s *Server) deviceStates() []bridge.DeviceState {
	s.init()
	s.hub.mu.Lock()
	out := make([]bridge.DeviceState, 0, len(s.hub.devices))
	for _, d := range s.hub.devices {
		out = append(out, d)
	}
	s.hub.mu.Unlock()
	sortDevices(out)
	return out
}

func sortDevices(ds []bridge.DeviceState) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && (ds[j].Kind < ds[j-1].Kind || ds[j].Kind == ds[j-1].Kind && ds[j].Name < ds[j-1].Name); j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}
