package daemon

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"
)

// keepAlive is how often GET /v1/events writes a comment line, so that a dead peer is noticed
// and idle-connection reapers leave the stream alone.
const keepAlive = 15 * time.Second

// events serves GET /v1/events: Server-Sent Events, one "data: <Event JSON>" per event. The
// subscription exists before the response headers are written, so a client that has the
// headers misses nothing published afterwards.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeErr(w, http.StatusInternalServerError, &bridge.Error{Code: "internal", Message: "streaming not supported"})
		return
	}
	ch, unsubscribe := s.hub.subscribe()
	defer unsubscribe()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": shelter-bridge events\n\n")
	fl.Flush()
	t := time.NewTicker(keepAlive)
	defer t.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			fl.Flush()
		case e, ok := <-ch:
			if !ok {
				return
			}
			b, err := json.Marshal(e)
			if err != nil {
				continue
			}
			if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
				return
			}
			fl.Flush()
		}
	}
}
