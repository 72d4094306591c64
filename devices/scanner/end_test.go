package scanner

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"net/http"
	"strings"
	"testing"

	simescl "github.com/mynumber-shelter/shelter/devices/sim/escl"
)

// TestScanFeederEnds: a feeder batch ends normally however the scanner says "no more pages":
// 404, or 409 Conflict with the feeder empty and the job Completed (HP and others). A job that
// ended by itself is not DELETEd.
func TestScanFeederEnds(t *testing.T) {
	for _, end := range []simescl.EndStyle{simescl.EndNotFound, simescl.EndConflict} {
		t.Run(map[simescl.EndStyle]string{simescl.EndNotFound: "404", simescl.EndConflict: "409"}[end], func(t *testing.T) {
			sim := &simescl.Scanner{Sheets: 3, End: end, Busy: 1, RetryAfter: 1}
			c := serve(t, sim)
			pages, events, err := collect(context.Background(), c, Settings{Source: Feeder, Duplex: true, Resolution: 75})
			if err != nil {
				t.Fatalf("err = %v, want a normal end", err)
			}
			sameAsServed(t, sim, pages)
			if len(pages) != 6 || events[len(events)-1] != EventDone {
				t.Errorf("pages %d, last event %v", len(pages), events[len(events)-1])
			}
			if got := sim.Canceled(); len(got) != 0 {
				t.Errorf("the finished job was DELETEd: %v", got)
			}
		})
	}
}

// TestScanPageFails: a scanner that fails mid-read answers 200 with an empty or truncated body
// and aborts the job. That is an error naming the page, never a page; pages before it stay
// delivered.
func TestScanPageFails(t *testing.T) {
	tests := []struct {
		name     string
		sim      *simescl.Scanner
		s        Settings
		before   int
		truncate bool
	}{
		{"platen empty", &simescl.Scanner{FailPage: 1}, Settings{Resolution: 75}, 0, false},
		{"platen truncated", &simescl.Scanner{FailPage: 1, Truncate: true}, Settings{Resolution: 75}, 0, true},
		{"feeder empty", &simescl.Scanner{Sheets: 3, FailPage: 2}, Settings{Source: Feeder, Resolution: 75}, 1, false},
		{"feeder truncated", &simescl.Scanner{Sheets: 3, FailPage: 3, Truncate: true}, Settings{Source: Feeder, Resolution: 75}, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages, _, err := collect(context.Background(), serve(t, tt.sim), tt.s)
			if !errors.Is(err, ErrPageIncomplete) {
				t.Fatalf("err = %v, want ErrPageIncomplete", err)
			}
			if !tt.truncate && !errors.Is(err, ErrJobAborted) {
				t.Errorf("err = %v, want the job's final state (aborted) too", err)
			}
			if len(pages) != tt.before {
				t.Errorf("%d pages delivered, want %d", len(pages), tt.before)
			}
			for _, p := range pages {
				if len(p.Data) == 0 {
					t.Error("an empty page was delivered")
				}
			}
		})
	}
}

// cancelAfterPage wraps the simulator: once the first page is out, the scanner aborts the
// job by itself (as a device fault after the read would) and then answers 404.
type cancelAfterPage struct {
	sim *simescl.Scanner
}

func (h cancelAfterPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.sim.ServeHTTP(w, r)
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/NextDocument") && len(h.sim.Served()) == 1 {
		job := strings.TrimSuffix(r.URL.Path, "/NextDocument")
		req, _ := http.NewRequest(http.MethodDelete, job, nil)
		h.sim.ServeHTTP(discardWriter{}, req)
	}
}

type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}

// TestScanPlatenFinalState: a flatbed scan also ends by reading the job's final state; a job
// the scanner aborted after its page is an error even though the page arrived.
func TestScanPlatenFinalState(t *testing.T) {
	sim := &simescl.Scanner{}
	pages, _, err := collect(context.Background(), serve(t, cancelAfterPage{sim}), Settings{Resolution: 75})
	if !errors.Is(err, ErrJobAborted) {
		t.Fatalf("err = %v, want ErrJobAborted", err)
	}
	if len(pages) != 1 {
		t.Errorf("%d pages delivered, want the 1 before the abort", len(pages))
	}
}

// TestScanCoverOpen: the feeder hatch opened mid-batch is a cover error after the pages so far.
func TestScanCoverOpen(t *testing.T) {
	sim := &simescl.Scanner{Sheets: 4, CoverOpenAfter: 2}
	pages, _, err := collect(context.Background(), serve(t, sim), Settings{Source: Feeder, Resolution: 75})
	if !errors.Is(err, ErrCoverOpen) || len(pages) != 2 {
		t.Fatalf("err = %v, pages %d; want ErrCoverOpen after 2", err, len(pages))
	}
}

// TestScanPageSize: the simulator sends what was asked for, so a default A4 page at 300 dpi is
// a full-size image of megabytes.
func TestScanPageSize(t *testing.T) {
	sim := &simescl.Scanner{}
	pages, _, err := collect(context.Background(), serve(t, sim), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(pages[0].Data))
	if err != nil || cfg.Width != 2480 || cfg.Height != 3508 {
		t.Fatalf("page is %d×%d (%v), want A4 at 300 dpi", cfg.Width, cfg.Height, err)
	}
	if n := len(pages[0].Data); n < 1<<20 {
		t.Errorf("A4 page at 300 dpi is %d bytes; a real one is megabytes", n)
	}
}
