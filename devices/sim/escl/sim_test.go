package simescl

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const settingsDoc = `<?xml version="1.0" encoding="UTF-8"?>
<scan:ScanSettings xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm" xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03">
<pwg:Version>2.0</pwg:Version>
<pwg:ScanRegions><pwg:ScanRegion><pwg:ContentRegionUnits>escl:ThreeHundredthsOfInches</pwg:ContentRegionUnits>
<pwg:XOffset>0</pwg:XOffset><pwg:YOffset>0</pwg:YOffset><pwg:Width>1011</pwg:Width><pwg:Height>638</pwg:Height></pwg:ScanRegion></pwg:ScanRegions>
<pwg:InputSource>%s</pwg:InputSource><scan:ColorMode>%s</scan:ColorMode>
<pwg:DocumentFormat>%s</pwg:DocumentFormat>
<scan:XResolution>%d</scan:XResolution><scan:YResolution>%d</scan:YResolution><scan:Duplex>%v</scan:Duplex>
</scan:ScanSettings>`

func settings(src, mode, format string, dpi int, duplex bool) string {
	return fmt.Sprintf(settingsDoc, src, mode, format, dpi, dpi, duplex)
}

func TestParseSettings(t *testing.T) {
	s, err := ParseSettings([]byte(settings("Feeder", "Grayscale8", "image/png", 300, true)))
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{Version: "2.0", InputSource: "Feeder", ColorMode: "Grayscale8", XResolution: 300, YResolution: 300,
		DocumentFormat: "image/png", Duplex: true,
		Region: &Region{Units: "escl:ThreeHundredthsOfInches", Width: 1011, Height: 638}}
	if !reflect.DeepEqual(s, want) || s.Format() != "image/png" {
		t.Errorf("got %+v\nwant %+v", s, want)
	}
	if s, _ := ParseSettings([]byte(`<ScanSettings/>`)); s.InputSource != "Platen" || s.Format() != "image/jpeg" {
		t.Errorf("defaults: %+v", s)
	}
	if _, err := ParseSettings([]byte(`<ScannerStatus/>`)); err == nil {
		t.Error("wrong root accepted")
	}
}

func FuzzParseSettings(f *testing.F) {
	f.Add([]byte(settings("Platen", "RGB24", "image/jpeg", 300, false)))
	f.Add([]byte(`<ScanSettings><ScanRegions><ScanRegion/></ScanRegions></ScanSettings>`))
	f.Add([]byte(`<`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, err := ParseSettings(doc)
		if err == nil && s.InputSource == "" {
			t.Fatal("accepted settings without a source")
		}
	})
}

func post(t *testing.T, base string, c *http.Client, doc string) *http.Response {
	t.Helper()
	resp, err := c.Post(base+"/eSCL/ScanJobs", "text/xml", strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func get(t *testing.T, c *http.Client, url string) (int, []byte) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name string
		sim  *Scanner
		doc  string
		want int
	}{
		{"platen ok", &Scanner{}, settings("Platen", "RGB24", "image/jpeg", 300, false), http.StatusCreated},
		{"no platen", &Scanner{NoPlaten: true}, settings("Platen", "RGB24", "image/jpeg", 300, false), http.StatusConflict},
		{"feeder empty", &Scanner{}, settings("Feeder", "RGB24", "image/jpeg", 300, false), http.StatusConflict},
		{"no feeder", &Scanner{NoFeeder: true, Sheets: 1}, settings("Feeder", "RGB24", "image/jpeg", 300, false), http.StatusConflict},
		{"no duplex", &Scanner{NoDuplex: true, Sheets: 1}, settings("Feeder", "RGB24", "image/jpeg", 300, true), http.StatusConflict},
		{"bad dpi", &Scanner{}, settings("Platen", "RGB24", "image/jpeg", 1200, false), http.StatusConflict},
		{"bad format", &Scanner{}, settings("Platen", "RGB24", "image/heic", 300, false), http.StatusConflict},
		{"bad mode", &Scanner{}, settings("Platen", "CMYK32", "image/jpeg", 300, false), http.StatusConflict},
		{"not xml", &Scanner{}, "{}", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(tt.sim)
			defer ts.Close()
			if resp := post(t, ts.URL, ts.Client(), tt.doc); resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestJobLifecycle(t *testing.T) {
	sim := &Scanner{Sheets: 2, Busy: 1, JamAfter: 3}
	ts := httptest.NewServer(sim)
	defer ts.Close()
	c := ts.Client()

	// A second job while one runs is told to wait.
	resp := post(t, ts.URL, c, settings("Feeder", "RGB24", "application/pdf", 150, true))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(loc, "/eSCL/ScanJobs/") {
		t.Fatalf("create: %d %q", resp.StatusCode, loc)
	}
	if resp := post(t, ts.URL, c, settings("Platen", "RGB24", "image/jpeg", 300, false)); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("second job: %d, want 503", resp.StatusCode)
	}
	next := ts.URL + loc + "/NextDocument"
	var codes []int
	for range 6 {
		code, body := get(t, c, next)
		codes = append(codes, code)
		if code == http.StatusOK {
			checkPDF(t, body)
		}
	}
	// busy, page 1, busy, page 2, busy, page 3, then the jam after 3 pages.
	if want := []int{503, 200, 503, 200, 503, 200}; fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("codes = %v, want %v", codes, want)
	}
	if code, _ := get(t, c, next); code != http.StatusConflict {
		t.Errorf("jammed: %d, want 409", code)
	}
	_, status := get(t, c, ts.URL+"/eSCL/ScannerStatus")
	for _, want := range []string{"<pwg:State>Stopped</pwg:State>", "<scan:AdfState>ScannerAdfJam</scan:AdfState>", "<pwg:JobState>Aborted</pwg:JobState>"} {
		if !bytes.Contains(status, []byte(want)) {
			t.Errorf("status lacks %s", want)
		}
	}
	if err := xml.Unmarshal(status, new(struct{})); err != nil {
		t.Errorf("status is not XML: %v", err)
	}

	req, _ := http.NewRequest(http.MethodDelete, ts.URL+loc, nil)
	if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("delete: %v %v", resp, err)
	}
	if got := sim.Canceled(); len(got) != 1 || !strings.HasSuffix(loc, got[0]) {
		t.Errorf("canceled = %v", got)
	}
}

// checkPDF verifies that every xref offset points at its object.
func checkPDF(t *testing.T, b []byte) {
	t.Helper()
	m := regexp.MustCompile(`(?s)xref\n0 (\d+)\n(.*?)trailer`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no xref table")
	}
	lines := strings.Split(strings.TrimSpace(string(m[2])), "\n")
	for i, line := range lines[1:] {
		off, err := strconv.Atoi(line[:10])
		if err != nil || !bytes.HasPrefix(b[off:], []byte(fmt.Sprintf("%d 0 obj", i+1))) {
			t.Errorf("xref entry %d points at the wrong place", i+1)
		}
	}
}

func TestCapabilitiesXML(t *testing.T) {
	for _, sim := range []*Scanner{{}, {NoPlaten: true}, {NoDuplex: true, MakeAndModel: "A & B"}} {
		doc := sim.capabilitiesXML()
		if err := xml.Unmarshal([]byte(doc), new(struct{})); err != nil {
			t.Errorf("not XML: %v", err)
		}
		if got := strings.Contains(doc, "PlatenInputCaps"); got == sim.NoPlaten {
			t.Errorf("platen listed = %v with NoPlaten %v", got, sim.NoPlaten)
		}
		if got := strings.Contains(doc, "AdfDuplexInputCaps"); got == sim.NoDuplex {
			t.Errorf("duplex listed = %v with NoDuplex %v", got, sim.NoDuplex)
		}
	}
}
