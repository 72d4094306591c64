package simescl

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

const (
	nsPWG  = "http://www.pwg.org/schemas/2010/12/sm"
	nsScan = "http://schemas.hp.com/imaging/escl/2011/05/03"
)

// formats the simulator can deliver.
var formats = map[string]bool{"image/jpeg": true, "image/png": true, "application/pdf": true}

// resolutions the simulator lists, in dpi.
var resolutions = []int{75, 150, 200, 300, 600}

func resolutionOK(dpi int) bool {
	for _, r := range resolutions {
		if r == dpi {
			return true
		}
	}
	return false
}

// Settings is a scan:ScanSettings document as the simulator received it.
type Settings struct {
	Version           string
	Intent            string
	InputSource       string // "Platen" when the document names none, as eSCL specifies
	ColorMode         string
	XResolution       int
	YResolution       int
	DocumentFormat    string // pwg:DocumentFormat
	DocumentFormatExt string // scan:DocumentFormatExt
	Duplex            bool
	Region            *Region // the first pwg:ScanRegion, nil if none
}

// Region is a pwg:ScanRegion.
type Region struct {
	Units                           string
	XOffset, YOffset, Width, Height int
}

// Format is the format the client asked for: DocumentFormatExt if given, else
// DocumentFormat, else image/jpeg.
func (s Settings) Format() string {
	switch {
	case s.DocumentFormatExt != "":
		return strings.ToLower(s.DocumentFormatExt)
	case s.DocumentFormat != "":
		return strings.ToLower(s.DocumentFormat)
	}
	return "image/jpeg"
}

type xmlSettings struct {
	XMLName   xml.Name
	Version   string      `xml:"Version"`
	Intent    string      `xml:"Intent"`
	Source    string      `xml:"InputSource"`
	ColorMode string      `xml:"ColorMode"`
	XRes      string      `xml:"XResolution"`
	YRes      string      `xml:"YResolution"`
	Format    string      `xml:"DocumentFormat"`
	FormatExt string      `xml:"DocumentFormatExt"`
	Duplex    string      `xml:"Duplex"`
	Regions   []xmlRegion `xml:"ScanRegions>ScanRegion"`
}

type xmlRegion struct {
	Units  string `xml:"ContentRegionUnits"`
	X      string `xml:"XOffset"`
	Y      string `xml:"YOffset"`
	Width  string `xml:"Width"`
	Height string `xml:"Height"`
}

// ParseSettings reads a scan:ScanSettings document by local element names.
func ParseSettings(doc []byte) (Settings, error) {
	var x xmlSettings
	if err := xml.Unmarshal(doc, &x); err != nil {
		return Settings{}, fmt.Errorf("scan settings: %w", err)
	}
	if x.XMLName.Local != "ScanSettings" {
		return Settings{}, fmt.Errorf("scan settings: root element %q", x.XMLName.Local)
	}
	t := strings.TrimSpace
	s := Settings{
		Version:           t(x.Version),
		Intent:            t(x.Intent),
		InputSource:       t(x.Source),
		ColorMode:         t(x.ColorMode),
		XResolution:       atoi(x.XRes),
		YResolution:       atoi(x.YRes),
		DocumentFormat:    t(x.Format),
		DocumentFormatExt: t(x.FormatExt),
		Duplex:            t(x.Duplex) == "true" || t(x.Duplex) == "1",
	}
	if s.InputSource == "" {
		s.InputSource = "Platen"
	}
	if len(x.Regions) > 0 {
		r := x.Regions[0]
		s.Region = &Region{Units: t(r.Units), XOffset: atoi(r.X), YOffset: atoi(r.Y),
			Width: atoi(r.Width), Height: atoi(r.Height)}
	}
	return s, nil
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

// capabilitiesXML renders scan:ScannerCapabilities for the configured hardware.
func (s *Scanner) capabilitiesXML() string {
	model := s.MakeAndModel
	if model == "" {
		model = "MyNumber Shelter eSCL simulator (demo)"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<scan:ScannerCapabilities xmlns:pwg="%s" xmlns:scan="%s">
<pwg:Version>2.63</pwg:Version>
<pwg:MakeAndModel>`, nsPWG, nsScan)
	xml.EscapeText(&b, []byte(model)) //nolint:errcheck // bytes.Buffer does not fail
	b.WriteString("</pwg:MakeAndModel>\n<pwg:SerialNumber>SIM0001</pwg:SerialNumber>\n")
	if !s.NoPlaten {
		b.WriteString("<scan:Platen><scan:PlatenInputCaps>\n")
		inputCaps(&b, 3508)
		b.WriteString("</scan:PlatenInputCaps></scan:Platen>\n")
	}
	if !s.NoFeeder {
		b.WriteString("<scan:Adf><scan:AdfSimplexInputCaps>\n")
		inputCaps(&b, 4200)
		b.WriteString("</scan:AdfSimplexInputCaps>\n")
		if !s.NoDuplex {
			b.WriteString("<scan:AdfDuplexInputCaps>\n")
			inputCaps(&b, 4200)
			b.WriteString("</scan:AdfDuplexInputCaps>\n")
		}
		b.WriteString("<scan:FeederCapacity>50</scan:FeederCapacity>\n<scan:AdfOptions>")
		b.WriteString("<scan:AdfOption>DetectPaperLoaded</scan:AdfOption>")
		if !s.NoDuplex {
			b.WriteString("<scan:AdfOption>Duplex</scan:AdfOption>")
		}
		b.WriteString("</scan:AdfOptions>\n</scan:Adf>\n")
	}
	b.WriteString("</scan:ScannerCapabilities>\n")
	return b.String()
}

func inputCaps(b *bytes.Buffer, maxHeight int) {
	fmt.Fprintf(b, `<scan:MinWidth>16</scan:MinWidth><scan:MaxWidth>2550</scan:MaxWidth>
<scan:MinHeight>16</scan:MinHeight><scan:MaxHeight>%d</scan:MaxHeight>
<scan:MaxScanRegions>1</scan:MaxScanRegions>
<scan:SettingProfiles><scan:SettingProfile>
<scan:ColorModes><scan:ColorMode>BlackAndWhite1</scan:ColorMode><scan:ColorMode>Grayscale8</scan:ColorMode><scan:ColorMode>RGB24</scan:ColorMode></scan:ColorModes>
<scan:DocumentFormats>
<pwg:DocumentFormat>image/jpeg</pwg:DocumentFormat><pwg:DocumentFormat>image/png</pwg:DocumentFormat><pwg:DocumentFormat>application/pdf</pwg:DocumentFormat>
<scan:DocumentFormatExt>image/jpeg</scan:DocumentFormatExt><scan:DocumentFormatExt>image/png</scan:DocumentFormatExt><scan:DocumentFormatExt>application/pdf</scan:DocumentFormatExt>
</scan:DocumentFormats>
<scan:SupportedResolutions><scan:DiscreteResolutions>
`, maxHeight)
	for _, r := range resolutions {
		fmt.Fprintf(b, "<scan:DiscreteResolution><scan:XResolution>%d</scan:XResolution><scan:YResolution>%d</scan:YResolution></scan:DiscreteResolution>\n", r, r)
	}
	b.WriteString(`</scan:DiscreteResolutions></scan:SupportedResolutions>
<scan:ColorSpaces><scan:ColorSpace>sRGB</scan:ColorSpace></scan:ColorSpaces>
</scan:SettingProfile></scan:SettingProfiles>
<scan:SupportedIntents><scan:Intent>Document</scan:Intent><scan:Intent>Photo</scan:Intent></scan:SupportedIntents>
<scan:MaxOpticalXResolution>600</scan:MaxOpticalXResolution><scan:MaxOpticalYResolution>600</scan:MaxOpticalYResolution>
`)
}

// statusXML renders scan:ScannerStatus. The caller holds s.mu.
func (s *Scanner) statusXML() string {
	state := "Idle"
	for _, j := range s.jobs {
		if j.state == "Processing" {
			state = "Processing"
		}
	}
	if s.jammed {
		state = "Stopped"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<scan:ScannerStatus xmlns:pwg="%s" xmlns:scan="%s">
<pwg:Version>2.63</pwg:Version>
<pwg:State>%s</pwg:State>
`, nsPWG, nsScan, state)
	if !s.NoFeeder {
		adf := "ScannerAdfEmpty"
		switch {
		case s.jammed:
			adf = "ScannerAdfJam"
		case s.open:
			adf = "ScannerAdfHatchOpen"
		case s.Sheets > 0:
			adf = "ScannerAdfLoaded"
		}
		fmt.Fprintf(&b, "<scan:AdfState>%s</scan:AdfState>\n", adf)
	}
	b.WriteString("<scan:Jobs>\n")
	for i := len(s.order) - 1; i >= 0; i-- { // newest first, as scanners list them
		j := s.jobs[s.order[i]]
		reason := map[string]string{"Processing": "JobScanning", "Completed": "JobCompletedSuccessfully",
			"Canceled": "JobCanceledByUser", "Aborted": "AbortedBySystem"}[j.state]
		fmt.Fprintf(&b, `<scan:JobInfo><pwg:JobUri>/eSCL/ScanJobs/%s</pwg:JobUri><pwg:JobUuid>%s</pwg:JobUuid>
<pwg:ImagesCompleted>%d</pwg:ImagesCompleted><pwg:ImagesToTransfer>%d</pwg:ImagesToTransfer>
<pwg:JobState>%s</pwg:JobState><pwg:JobStateReasons><pwg:JobStateReason>%s</pwg:JobStateReason></pwg:JobStateReasons></scan:JobInfo>
`, j.id, j.id, j.delivered, j.total-j.delivered, j.state, reason)
	}
	b.WriteString("</scan:Jobs>\n</scan:ScannerStatus>\n")
	return b.String()
}
