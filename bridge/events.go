package bridge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
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
		writeErr(w, http.StatusInternalServerError, &Error{Code: "internal", Message: "streaming not supported"})
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

// Events subscribes to the bridge's event stream (GET /v1/events). It returns once the
// bridge has accepted the subscription, so no event published after it returns is missed
// (a consumer slower than the stream can still lose events: the bridge drops rather than
// wait). The channel is closed when ctx ends or the stream does (the bridge stopped); the
// caller reconnects.
func (c *Client) Events(ctx context.Context) (<-chan Event, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://bridge/v1/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.stream().Do(req)
	if err != nil {
		return nil, fmt.Errorf("bridge not reachable: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var e Error
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Code == "" {
			return nil, fmt.Errorf("bridge answered %s", resp.Status)
		}
		return nil, &e
	}
	out := make(chan Event, 64)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		var data bytes.Buffer
		for sc.Scan() {
			line := sc.Bytes()
			switch {
			case len(line) == 0: // end of one event
				if data.Len() == 0 {
					continue
				}
				var e Event
				err := json.Unmarshal(data.Bytes(), &e)
				data.Reset()
				if err != nil {
					continue
				}
				select {
				case out <- e:
				case <-ctx.Done():
					return
				}
			case bytes.HasPrefix(line, []byte("data:")):
				if data.Len() > 0 {
					data.WriteByte('\n')
				}
				data.Write(bytes.TrimPrefix(bytes.TrimPrefix(line, []byte("data:")), []byte(" ")))
			}
			// Comments (":") and other fields are ignored.
		}
	}()
	return out, nil
}
