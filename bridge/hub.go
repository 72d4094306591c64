package bridge

import (
	"sync"
	"time"
)

// Event is one entry of the bridge's event stream (GET /v1/events, Server-Sent Events with one
// JSON object per "data:" line). It never carries a PIN, a number, card data, an image or a key.
type Event struct {
	// Type is one of the Event* constants.
	Type string `json:"type"`
	At   string `json:"at"` // RFC 3339
	// Device names what the event is about: a reader name, "vein", a scanner name, "hotfolder", "sync".
	Device string `json:"device,omitempty"`
	// Message is a short English description for logs; the UI words its own text from Type.
	Message string `json:"message,omitempty"`
	// Retries is the PIN tries left (EventPINPrompt).
	Retries int `json:"retries,omitempty"`
	// Step and Steps count progress: vein captures, scanned pages, synced items.
	Step  int `json:"step,omitempty"`
	Steps int `json:"steps,omitempty"`
	// ID is an item id (an inbox page id, a sync item id).
	ID string `json:"id,omitempty"`
}

// Event types.
const (
	EventReaderAdded   = "reader_added"
	EventReaderRemoved = "reader_removed"
	EventCardInserted  = "card_inserted"
	EventCardRemoved   = "card_removed"
	EventPINPrompt     = "pin_prompt"    // an operation that needs a PIN started
	EventVeinPrompt    = "vein_prompt"   // place the hand on the sensor (Step of Steps captures)
	EventVeinDone      = "vein_done"     // the vein operation ended (Message: ok, no_match, cancelled, timeout, error)
	EventScanProgress  = "scan_progress" // Step pages scanned so far
	EventScanDone      = "scan_done"
	EventInboxPage     = "inbox_page" // the hot folder picked up a page; ID is its inbox id
	EventSyncProgress  = "sync_progress"
	EventDeviceState   = "device_state" // a DeviceState changed; Device names it
)

// DeviceState is one row of GET /v1/devices: the administrator's device panel.
type DeviceState struct {
	// Kind is "pcsc", "reader", "vein", "scanner", "hotfolder" or "sync".
	Kind string `json:"kind"`
	// Name identifies the device within its kind (reader name, scanner name, folder path…).
	Name string `json:"name"`
	// State is "ok", "busy", "absent", "disabled" or "error".
	State string `json:"state"`
	// Detail is a short English description of the state (model, serial, card present…).
	Detail      string `json:"detail,omitempty"`
	LastError   string `json:"lastError,omitempty"`
	LastErrorAt string `json:"lastErrorAt,omitempty"` // RFC 3339
}

// hub fans events out to subscribers and keeps the device states. Slow subscribers lose events
// rather than block a device.
type hub struct {
	mu      sync.Mutex
	subs    map[chan Event]struct{}
	devices map[string]DeviceState // kind + "\x00" + name
}

func (h *hub) subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 64)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[chan Event]struct{}{}
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

func (h *hub) publish(e Event) {
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
func (s *Server) publish(e Event) {
	s.init()
	if e.At == "" {
		e.At = s.Now().UTC().Format(time.RFC3339)
	}
	s.hub.publish(e)
}

// setDevice records a device's state for /v1/devices; an error state keeps LastError, and a
// change is published as EventDeviceState.
func (s *Server) setDevice(d DeviceState) {
	s.init()
	key := d.Kind + "\x00" + d.Name
	s.hub.mu.Lock()
	if s.hub.devices == nil {
		s.hub.devices = map[string]DeviceState{}
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
		s.publish(Event{Type: EventDeviceState, Device: d.Name, Message: d.Kind + " " + d.State})
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
func (s *Server) deviceStates() []DeviceState {
	s.init()
	s.hub.mu.Lock()
	out := make([]DeviceState, 0, len(s.hub.devices))
	for _, d := range s.hub.devices {
		out = append(out, d)
	}
	s.hub.mu.Unlock()
	sortDevices(out)
	return out
}

func sortDevices(ds []DeviceState) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && (ds[j].Kind < ds[j-1].Kind || ds[j].Kind == ds[j-1].Kind && ds[j].Name < ds[j-1].Name); j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}
