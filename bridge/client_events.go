package bridge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

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
