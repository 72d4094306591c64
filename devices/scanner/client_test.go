package scanner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	simescl "github.com/mynumber-shelter/shelter/devices/sim/escl"
)

// serve runs h over loopback TLS and returns a client for it with a fast busy backoff.
func serve(t testing.TB, h http.Handler) *Client {
	t.Helper()
	ts := httptest.NewTLSServer(h)
	t.Cleanup(ts.Close)
	return &Client{
		BaseURL: ts.URL + "/eSCL",
		HTTP:    ts.Client(),
		Busy:    Backoff{Initial: time.Millisecond, Max: 4 * time.Millisecond, Budget: 2 * time.Second},
	}
}

// collect scans and returns the pages and progress events.
func collect(ctx context.Context, c *Client, s Settings) ([]Page, []ProgressEvent, error) {
	var pages []Page
	var events []ProgressEvent
	c.Progress = func(p Progress) { events = append(events, p.Event) }
	err := c.Scan(ctx, s, func(p Page) error {
		pages = append(pages, p)
		return nil
	})
	return pages, events, err
}

// sameAsServed checks that pages are exactly what the simulator sent, in order.
func sameAsServed(t *testing.T, sim *simescl.Scanner, pages []Page) {
	t.Helper()
	served := sim.Served()
	if len(served) != len(pages) {
		t.Fatalf("got %d pages, simulator served %d", len(pages), len(served))
	}
	for i, p := range pages {
		if p.Number != i+1 || sha256.Sum256(p.Data) != served[i].SHA256 || p.ContentType != served[i].ContentType {
			t.Errorf("page %d (number %d, %s) differs from served page %d", i, p.Number, p.ContentType, served[i].Page)
		}
	}
}

func TestScanPlaten(t *testing.T) {
	sim := &simescl.Scanner{}
	c := serve(t, sim)
	pages, events, err := collect(context.Background(), c, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	sameAsServed(t, sim, pages)
	if len(pages) != 1 || pages[0].ContentType != FormatJPEG {
		t.Fatalf("pages = %d, type %q", len(pages), pages[0].ContentType)
	}
	if _, err := jpeg.Decode(bytes.NewReader(pages[0].Data)); err != nil {
		t.Errorf("page is not a JPEG: %v", err)
	}
	if want := []ProgressEvent{EventJobCreated, EventPage, EventDone}; !reflect.DeepEqual(events, want) {
		t.Errorf("progress = %v, want %v", events, want)
	}
	got := sim.Settings()
	if len(got) != 1 {
		t.Fatalf("simulator received %d settings", len(got))
	}
	s := got[0]
	if s.InputSource != "Platen" || s.ColorMode != "RGB24" || s.XResolution != 300 || s.YResolution != 300 ||
		s.DocumentFormatExt != FormatJPEG || s.Duplex || s.Region == nil ||
		s.Region.Units != "escl:ThreeHundredthsOfInches" || s.Region.Width != 2480 || s.Region.Height != 3508 {
		t.Errorf("settings received = %+v region %+v", s, s.Region)
	}
	if len(sim.Canceled()) != 0 {
		t.Error("a finished job was cancelled")
	}
}

func TestScanFeederDuplex(t *testing.T) {
	sim := &simescl.Scanner{Sheets: 3}
	c := serve(t, sim)
	pages, _, err := collect(context.Background(), c, Settings{Source: Feeder, Duplex: true, ColorMode: Grayscale8, Resolution: 75})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 6 {
		t.Fatalf("got %d pages, want 6 (3 sheets, both sides)", len(pages))
	}
	sameAsServed(t, sim, pages)
	var order []string
	seen := map[[32]byte]bool{}
	for _, s := range sim.Served() {
		side := "front"
		if s.Back {
			side = "back"
		}
		order = append(order, strings.Repeat("#", s.Sheet)+side)
		seen[s.SHA256] = true
	}
	want := []string{"#front", "#back", "##front", "##back", "###front", "###back"}
	if !reflect.DeepEqual(order, want) || len(seen) != 6 {
		t.Errorf("order = %v (%d distinct), want %v", order, len(seen), want)
	}
	if s := sim.Settings()[0]; s.InputSource != "Feeder" || !s.Duplex || s.ColorMode != "Grayscale8" || s.XResolution != 75 {
		t.Errorf("settings received = %+v", s)
	}
	st, err := c.Status(context.Background())
	if err != nil || st.ADF != ADFEmpty || st.State != StateIdle || len(st.Jobs) != 1 || st.Jobs[0].State != "Completed" {
		t.Errorf("status after the job = %+v, %v", st, err)
	}
}

func TestScanFormats(t *testing.T) {
	for _, format := range []string{FormatPNG, FormatPDF} {
		t.Run(format, func(t *testing.T) {
			sim := &simescl.Scanner{}
			pages, _, err := collect(context.Background(), serve(t, sim), Settings{Format: format, ColorMode: BlackAndWhite1, Resolution: 75})
			if err != nil {
				t.Fatal(err)
			}
			sameAsServed(t, sim, pages)
			switch p := pages[0]; format {
			case FormatPNG:
				if _, err := png.Decode(bytes.NewReader(p.Data)); err != nil {
					t.Error(err)
				}
			case FormatPDF:
				if !bytes.HasPrefix(p.Data, []byte("%PDF-1.4")) || !bytes.Contains(p.Data, []byte("/DCTDecode")) {
					t.Error("not a PDF with an image")
				}
			}
		})
	}
}

func TestScanBusyThenSuccess(t *testing.T) {
	sim := &simescl.Scanner{Sheets: 2, Busy: 3}
	c := serve(t, sim)
	pages, events, err := collect(context.Background(), c, Settings{Source: Feeder, Resolution: 75})
	if err != nil {
		t.Fatal(err)
	}
	sameAsServed(t, sim, pages)
	busy := 0
	for _, e := range events {
		if e == EventBusy {
			busy++
		}
	}
	n503 := 0
	for _, r := range sim.Requests() {
		if strings.HasSuffix(r, "/NextDocument 503") {
			n503++
		}
	}
	if len(pages) != 2 || busy != 6 || n503 != 6 {
		t.Errorf("pages %d, busy events %d, 503s %d; want 2, 6, 6", len(pages), busy, n503)
	}
}

func TestScanBusyBudget(t *testing.T) {
	sim := &simescl.Scanner{Busy: 1 << 20}
	c := serve(t, sim)
	c.Busy.Budget = 30 * time.Millisecond
	_, _, err := collect(context.Background(), c, Settings{})
	var de *DeviceError
	if !errors.Is(err, ErrScannerBusy) || !errors.As(err, &de) {
		t.Fatalf("err = %v, want ErrScannerBusy", err)
	}
	if got := sim.Canceled(); len(got) != 1 || got[0] != sim.Jobs()[0] {
		t.Errorf("cancelled = %v, want the job", got)
	}
}

func TestScanCancel(t *testing.T) {
	errBoom := errors.New("vault sealed")
	tests := []struct {
		name   string
		sim    *simescl.Scanner
		cancel func(n int, cancel context.CancelFunc) error // called per page
		onBusy bool                                         // cancel at the first busy event instead
		want   error
		pages  int
	}{
		{"ctx after page 2", &simescl.Scanner{Sheets: 3},
			func(n int, cancel context.CancelFunc) error {
				if n == 2 {
					cancel()
				}
				return nil
			}, false, context.Canceled, 2},
		{"callback fails", &simescl.Scanner{Sheets: 3},
			func(n int, _ context.CancelFunc) error { return errBoom }, false, errBoom, 1},
		{"ctx while busy", &simescl.Scanner{Sheets: 3, Busy: 1 << 20}, nil, true, context.Canceled, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := serve(t, tt.sim)
			c.Busy.Initial = 20 * time.Millisecond
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c.Progress = func(p Progress) {
				if tt.onBusy && p.Event == EventBusy {
					cancel()
				}
			}
			pages := 0
			err := c.Scan(ctx, Settings{Source: Feeder, Duplex: true, Resolution: 75}, func(p Page) error {
				pages++
				return tt.cancel(p.Number, cancel)
			})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if pages != tt.pages {
				t.Errorf("callback saw %d pages, want %d", pages, tt.pages)
			}
			jobs := tt.sim.Jobs()
			if got := tt.sim.Canceled(); len(jobs) != 1 || !reflect.DeepEqual(got, jobs) {
				t.Errorf("DELETE seen for %v, want %v", got, jobs)
			}
		})
	}
}

func TestScanRefusedByCapabilities(t *testing.T) {
	tests := []struct {
		sim  *simescl.Scanner
		s    Settings
		want string
	}{
		{&simescl.Scanner{NoFeeder: true}, Settings{Source: Feeder}, "this scanner has no document feeder"},
		{&simescl.Scanner{NoDuplex: true, Sheets: 1}, Settings{Source: Feeder, Duplex: true}, "this scanner's document feeder cannot scan both sides"},
		{&simescl.Scanner{NoPlaten: true}, Settings{}, "this scanner has no flatbed"},
		{&simescl.Scanner{}, Settings{Resolution: 1200}, "this scanner cannot scan at 1200 dpi"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, _, err := collect(context.Background(), serve(t, tt.sim), tt.s)
			var se *SettingsError
			if !errors.As(err, &se) || se.Error() != tt.want {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if n := len(tt.sim.Settings()); n != 0 {
				t.Errorf("%d jobs were posted; settings must be refused before", n)
			}
		})
	}
}

func TestScanJam(t *testing.T) {
	for _, code := range []int{http.StatusConflict, http.StatusNotFound, http.StatusInternalServerError} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			sim := &simescl.Scanner{Sheets: 3, JamAfter: 2, JamCode: code}
			pages, _, err := collect(context.Background(), serve(t, sim), Settings{Source: Feeder, Resolution: 75})
			var de *DeviceError
			if !errors.Is(err, ErrJammed) || !errors.As(err, &de) || de.ADF != ADFJam {
				t.Fatalf("err = %v, want a jam", err)
			}
			if len(pages) != 2 {
				t.Errorf("%d pages delivered before the jam, want 2", len(pages))
			}
		})
	}
}

func TestScanFeederEmpty(t *testing.T) {
	sim := &simescl.Scanner{}
	_, _, err := collect(context.Background(), serve(t, sim), Settings{Source: Feeder, Resolution: 75})
	if !errors.Is(err, ErrFeederEmpty) {
		t.Fatalf("err = %v, want ErrFeederEmpty", err)
	}
}

// stripLength hides Content-Length so the client must enforce the limit while reading.
type stripLength struct{ http.ResponseWriter }

func (w stripLength) WriteHeader(code int) {
	w.Header().Del("Content-Length")
	w.ResponseWriter.WriteHeader(code)
}

func TestScanOversizedPage(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		t.Run(map[bool]string{false: "content-length", true: "chunked"}[chunked], func(t *testing.T) {
			sim := &simescl.Scanner{PageBytes: 2 << 20}
			var h http.Handler = sim
			if chunked {
				h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sim.ServeHTTP(stripLength{w}, r) })
			}
			c := serve(t, h)
			c.MaxPageBytes = 1 << 20
			pages, _, err := collect(context.Background(), c, Settings{})
			if !errors.Is(err, ErrPageTooLarge) || len(pages) != 0 {
				t.Fatalf("err = %v, pages %d; want ErrPageTooLarge and none", err, len(pages))
			}
			if len(sim.Canceled()) != 1 {
				t.Error("the job was not cancelled")
			}
		})
	}
}

func TestScanTooManyPages(t *testing.T) {
	sim := &simescl.Scanner{Sheets: 5}
	c := serve(t, sim)
	c.MaxPages = 3
	pages, _, err := collect(context.Background(), c, Settings{Source: Feeder, Resolution: 75})
	if !errors.Is(err, ErrTooManyPages) || len(pages) != 3 {
		t.Fatalf("err = %v, pages %d", err, len(pages))
	}
}

// TestScanLocationPathOnly: a scanner that names another host in Location is still only
// asked on BaseURL's host.
func TestScanLocationPathOnly(t *testing.T) {
	sim := &simescl.Scanner{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sim.ServeHTTP(relocate{w}, r)
	})
	pages, _, err := collect(context.Background(), serve(t, h), Settings{})
	if err != nil || len(pages) != 1 {
		t.Fatalf("err = %v, pages %d", err, len(pages))
	}
}

type relocate struct{ http.ResponseWriter }

func (w relocate) WriteHeader(code int) {
	if loc := w.Header().Get("Location"); loc != "" {
		w.Header().Set("Location", "http://attacker.invalid:8080"+loc)
	}
	w.ResponseWriter.WriteHeader(code)
}

func TestClientBaseURL(t *testing.T) {
	for _, base := range []string{"", "192.0.2.1/eSCL", "ftp://192.0.2.1/eSCL", "http://%zz"} {
		c := &Client{BaseURL: base}
		if _, err := c.Capabilities(context.Background()); err == nil {
			t.Errorf("BaseURL %q accepted", base)
		}
	}
}
