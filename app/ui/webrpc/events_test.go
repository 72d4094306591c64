package webrpc

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestEvents: GET /events streams what Emit sends, as {name, data} on "data:" lines; the Events
// value is not bound as a service; without one the stream answers 204.
func TestEvents(t *testing.T) {
	ev := &Events{}
	srv := httptest.NewServer(Handler(dist, &Calc{}, ev))
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(res.Body)
	if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, ":") { // subscribed once the comment arrives
		t.Fatalf("first line %q", line)
	}
	ev.Emit("bridge:event", map[string]any{"type": "card_inserted", "device": "reader 1"})
	ev.Emit("bad", func() {}) // cannot marshal: dropped
	ev.Emit("bridge:state", map[string]any{"connected": true})
	var got []string
	for len(got) < 2 {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended after %v: %v", got, err)
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			var m struct {
				Name string         `json:"name"`
				Data map[string]any `json:"data"`
			}
			if err := json.Unmarshal([]byte(data), &m); err != nil {
				t.Fatalf("data line %q: %v", data, err)
			}
			got = append(got, m.Name)
			if m.Name == "bridge:event" && m.Data["type"] != "card_inserted" {
				t.Errorf("event data %v", m.Data)
			}
		}
	}
	if got[0] != "bridge:event" || got[1] != "bridge:state" {
		t.Errorf("events %v", got)
	}

	if code, _ := post(t, srv, "/rpc/Events/Emit", `["x", 1]`); code != http.StatusNotFound {
		t.Errorf("Events bound as a service: %d", code)
	}

	plain := httptest.NewServer(Handler(dist, &Calc{}))
	t.Cleanup(plain.Close)
	res2, err := http.Get(plain.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode != http.StatusNoContent {
		t.Errorf("without Events: %d, want 204", res2.StatusCode)
	}
	// The stream is behind the same loopback check as the calls.
	req3, _ := http.NewRequest("GET", srv.URL+"/events", nil)
	req3.Host = "evil.example"
	res3, err := http.DefaultClient.Do(req3)
	if err != nil {
		t.Fatal(err)
	}
	res3.Body.Close()
	if res3.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Host: %d", res3.StatusCode)
	}
}
