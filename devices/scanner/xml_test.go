package scanner

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseCapabilitiesBrother(t *testing.T) {
	c, err := ParseCapabilities(readTestdata(t, "caps-brother.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.MakeAndModel != "Brother MFC-L2750DW series" || c.Version != "2.63" || c.UUID == "" {
		t.Errorf("identity = %q %q %q", c.MakeAndModel, c.Version, c.UUID)
	}
	if !c.HasPlaten() || !c.HasFeeder() || !c.Duplex || c.FeederDuplex == nil || c.FeederCapacity != 50 {
		t.Fatalf("sources: platen=%v feeder=%v duplex=%v capacity=%d", c.HasPlaten(), c.HasFeeder(), c.Duplex, c.FeederCapacity)
	}
	p := c.Platen
	if p.MinWidth != 16 || p.MaxWidth != 2550 || p.MinHeight != 16 || p.MaxHeight != 3500 {
		t.Errorf("platen size = %+v", p)
	}
	if want := []ColorMode{BlackAndWhite1, Grayscale8, RGB24}; !reflect.DeepEqual(p.ColorModes, want) {
		t.Errorf("platen colour modes = %v, want %v", p.ColorModes, want)
	}
	if want := []string{FormatPDF, FormatJPEG}; !reflect.DeepEqual(p.Formats, want) || !p.FormatExt {
		t.Errorf("platen formats = %v ext=%v", p.Formats, p.FormatExt)
	}
	if len(p.Resolutions) != 5 || p.Resolutions[4] != (Resolution{600, 600}) || p.ResolutionRange != nil {
		t.Errorf("platen resolutions = %v %v", p.Resolutions, p.ResolutionRange)
	}
	if !reflect.DeepEqual(p.Intents, []string{"Document", "TextAndGraphic", "Photo", "Preview"}) {
		t.Errorf("intents = %v", p.Intents)
	}
	if c.Feeder.MaxHeight != 4200 || c.FeederDuplex.MaxHeight != 3500 {
		t.Errorf("feeder heights = %d, %d", c.Feeder.MaxHeight, c.FeederDuplex.MaxHeight)
	}
	if c.Feeder.SupportsColorMode(BlackAndWhite1) || !c.Feeder.SupportsResolution(150) || c.FeederDuplex.SupportsResolution(150) {
		t.Error("feeder capabilities not kept apart from duplex ones")
	}
}

func TestParseCapabilitiesCanon(t *testing.T) {
	c, err := ParseCapabilities(readTestdata(t, "caps-canon.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.HasFeeder() || c.Duplex || !c.HasPlaten() {
		t.Fatalf("sources: platen=%v feeder=%v duplex=%v", c.HasPlaten(), c.HasFeeder(), c.Duplex)
	}
	if c.Manufacturer != "Canon" || c.MakeAndModel != "Canon TS8300 series" {
		t.Errorf("identity = %q %q", c.Manufacturer, c.MakeAndModel)
	}
	p := c.Platen
	if p.MinWidth != 1 {
		t.Errorf("whitespace around a number: MinWidth = %d", p.MinWidth)
	}
	// Profiles merge: colour modes and formats without duplicates, case folded.
	if !reflect.DeepEqual(p.ColorModes, []ColorMode{RGB24, Grayscale8}) {
		t.Errorf("colour modes = %v", p.ColorModes)
	}
	if !reflect.DeepEqual(p.Formats, []string{FormatJPEG, FormatPDF}) || p.FormatExt {
		t.Errorf("formats = %v ext=%v", p.Formats, p.FormatExt)
	}
	if p.ResolutionRange == nil || *p.ResolutionRange != (Range{100, 1200, 100}) {
		t.Fatalf("range = %v", p.ResolutionRange)
	}
	for dpi, want := range map[int]bool{75: true, 300: true, 600: true, 1200: true, 250: false, 1300: false, 0: false} {
		if got := p.SupportsResolution(dpi); got != want {
			t.Errorf("SupportsResolution(%d) = %v, want %v", dpi, got, want)
		}
	}
}

func TestParseCapabilitiesOddPrefixes(t *testing.T) {
	c, err := ParseCapabilities(readTestdata(t, "caps-odd-prefixes.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.HasPlaten() || !c.HasFeeder() || !c.Duplex || c.Feeder != c.FeederDuplex {
		t.Fatalf("feeder with duplex caps only: platen=%v feeder=%v duplex=%v", c.HasPlaten(), c.HasFeeder(), c.Duplex)
	}
	f := c.Feeder
	if f.MaxWidth != 2480 || f.MaxHeight != 0 {
		t.Errorf("a bad number must count as absent: %d×%d", f.MaxWidth, f.MaxHeight)
	}
	if !reflect.DeepEqual(f.ColorModes, []ColorMode{Grayscale8}) {
		t.Errorf("colour modes = %v", f.ColorModes)
	}
	if !reflect.DeepEqual(f.Resolutions, []Resolution{{200, 200}}) {
		t.Errorf("resolutions = %v (missing Y means Y = X; negative dropped)", f.Resolutions)
	}
}

func TestParseCapabilitiesRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":     "",
		"not xml":   "HTTP/1.1 200 OK",
		"truncated": `<scan:ScannerCapabilities xmlns:scan="x"><scan:Platen>`,
		"status":    string(readTestdata(t, "status-idle.xml")),
		"no source": `<ScannerCapabilities><MakeAndModel>x</MakeAndModel></ScannerCapabilities>`,
		"too large": "<ScannerCapabilities>" + strings.Repeat(" ", maxXMLBytes) + "</ScannerCapabilities>",
	} {
		if _, err := ParseCapabilities([]byte(doc)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func TestParseStatus(t *testing.T) {
	s, err := ParseStatus(readTestdata(t, "status-idle.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Status{State: StateIdle, ADF: ADFLoaded, Jobs: []JobInfo{{
		URI: "/eSCL/ScanJobs/1a2b3c4d-0000-4000-8000-000000000001", UUID: "1a2b3c4d-0000-4000-8000-000000000001",
		State: "Completed", Reasons: []string{"JobCompletedSuccessfully"}, ImagesCompleted: 2,
	}}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("status = %+v\nwant %+v", s, want)
	}

	s, err = ParseStatus(readTestdata(t, "status-jam.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if s.State != StateStopped || s.ADF != ADFJam || len(s.Jobs) != 1 || s.Jobs[0].ImagesCompleted != 3 {
		t.Fatalf("status = %+v", s)
	}
	// The job URI is a full URL on another port: it is matched by path.
	if s.job("/eSCL/ScanJobs/77") == nil || s.job("/eSCL/ScanJobs/7") != nil {
		t.Error("job lookup by path")
	}
	if _, err := ParseStatus(readTestdata(t, "caps-canon.xml")); !errors.Is(err, ErrMalformed) {
		t.Errorf("capabilities parsed as status: %v", err)
	}
}

func TestStatusProblem(t *testing.T) {
	job := "/eSCL/ScanJobs/j1"
	tests := []struct {
		name  string
		st    Status
		src   InputSource
		pages int
		want  error
	}{
		{"idle platen", Status{State: StateIdle}, Platen, 0, nil},
		{"jam", Status{State: StateStopped, ADF: ADFJam}, Feeder, 2, ErrJammed},
		{"multipick", Status{State: StateIdle, ADF: ADFMultipick}, Feeder, 0, ErrJammed},
		{"jam ignored for platen", Status{State: StateIdle, ADF: ADFJam}, Platen, 0, nil},
		{"empty before any page", Status{State: StateIdle, ADF: ADFEmpty}, Feeder, 0, ErrFeederEmpty},
		{"empty after pages is normal", Status{State: StateIdle, ADF: ADFEmpty}, Feeder, 4, nil},
		{"hatch open", Status{State: StateIdle, ADF: ADFHatchOpen}, Feeder, 0, ErrCoverOpen},
		{"stopped", Status{State: StateStopped}, Platen, 0, ErrScannerDown},
		{"down", Status{State: StateDown}, Feeder, 1, ErrScannerDown},
		{"job aborted", Status{State: StateIdle, Jobs: []JobInfo{{URI: job, State: "Aborted"}}}, Platen, 0, ErrJobAborted},
		{"other job aborted", Status{State: StateIdle, Jobs: []JobInfo{{URI: "/eSCL/ScanJobs/j0", State: "Aborted"}}}, Platen, 0, nil},
		{"job completed", Status{State: StateIdle, Jobs: []JobInfo{{UUID: "j1", State: "Completed"}}}, Feeder, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.st.problem(tt.src, job, tt.pages)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("problem = %v, want %v", err, tt.want)
			}
			var de *DeviceError
			if err != nil && (!errors.As(err, &de) || de.State != tt.st.State) {
				t.Errorf("not a DeviceError with the state: %#v", err)
			}
		})
	}
}

func TestEncodeSettingsRoundTrip(t *testing.T) {
	caps, err := ParseCapabilities(readTestdata(t, "caps-brother.xml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Settings{Source: Feeder, Duplex: true, Intent: `Doc<&>`}.Check(caps)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(encodeSettings(s, caps.FeederDuplex))
	for _, want := range []string{
		"<pwg:InputSource>Feeder</pwg:InputSource>", "<scan:Duplex>true</scan:Duplex>",
		"<scan:ColorMode>RGB24</scan:ColorMode>", "<scan:XResolution>300</scan:XResolution>",
		"<pwg:DocumentFormat>image/jpeg</pwg:DocumentFormat>", "<scan:DocumentFormatExt>image/jpeg</scan:DocumentFormatExt>",
		"<pwg:ContentRegionUnits>escl:ThreeHundredthsOfInches</pwg:ContentRegionUnits>",
		"<pwg:Width>2480</pwg:Width>", "<pwg:Height>3500</pwg:Height>", "<scan:Intent>Doc&lt;&amp;&gt;</scan:Intent>",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("settings lack %s:\n%s", want, doc)
		}
	}
	if s, _ := (Settings{}).Check(caps); strings.Contains(string(encodeSettings(s, caps.Platen)), "Duplex") {
		t.Error("a platen scan must not send scan:Duplex")
	}
}

// TestParseSupportedIntent: intents listed as scan:SupportedIntent (eSCL 2.x firmware) are read
// as well as scan:Intent.
func TestParseSupportedIntent(t *testing.T) {
	doc := `<scan:ScannerCapabilities xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm">
<scan:Platen><scan:PlatenInputCaps>
<scan:SupportedIntents><scan:SupportedIntent>Document</scan:SupportedIntent><scan:SupportedIntent>Photo</scan:SupportedIntent><scan:Intent>Preview</scan:Intent></scan:SupportedIntents>
</scan:PlatenInputCaps></scan:Platen></scan:ScannerCapabilities>`
	c, err := ParseCapabilities([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Platen.Intents; !reflect.DeepEqual(got, []string{"Preview", "Document", "Photo"}) {
		t.Errorf("intents = %v, want Preview, Document, Photo", got)
	}
}
