package scanner

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// maxXMLBytes bounds a capabilities or status document. Real ones are 5–40 KiB.
const maxXMLBytes = 1 << 20

// ErrMalformed means a scanner sent a document this package cannot read.
var ErrMalformed = errors.New("scanner: malformed document")

// The xml* types mirror the documents with local names only, so any namespace prefix (or
// none) matches; elements not named here are skipped by encoding/xml. Numbers are read as
// strings and parsed leniently so that one odd value does not lose the whole document.

type xmlCaps struct {
	XMLName      xml.Name
	Version      string        `xml:"Version"`
	MakeAndModel string        `xml:"MakeAndModel"`
	Manufacturer string        `xml:"Manufacturer"`
	SerialNumber string        `xml:"SerialNumber"`
	UUID         string        `xml:"UUID"`
	Platen       *xmlInputCaps `xml:"Platen>PlatenInputCaps"`
	Simplex      *xmlInputCaps `xml:"Adf>AdfSimplexInputCaps"`
	Duplex       *xmlInputCaps `xml:"Adf>AdfDuplexInputCaps"`
	Capacity     string        `xml:"Adf>FeederCapacity"`
	ADFOptions   []string      `xml:"Adf>AdfOptions>AdfOption"`
}

type xmlInputCaps struct {
	MinWidth  string       `xml:"MinWidth"`
	MaxWidth  string       `xml:"MaxWidth"`
	MinHeight string       `xml:"MinHeight"`
	MaxHeight string       `xml:"MaxHeight"`
	Profiles  []xmlProfile `xml:"SettingProfiles>SettingProfile"`
	Intents   []string     `xml:"SupportedIntents>Intent"`
	// Some firmware (and the eSCL 2.x schema) names the entries SupportedIntent.
	IntentsAlt []string `xml:"SupportedIntents>SupportedIntent"`
}

type xmlProfile struct {
	ColorModes  []string        `xml:"ColorModes>ColorMode"`
	Formats     []string        `xml:"DocumentFormats>DocumentFormat"`
	FormatsExt  []string        `xml:"DocumentFormats>DocumentFormatExt"`
	Discrete    []xmlResolution `xml:"SupportedResolutions>DiscreteResolutions>DiscreteResolution"`
	RangeX      *xmlRange       `xml:"SupportedResolutions>ResolutionRange>XResolutionRange"`
	Resolutions []string        `xml:"SupportedResolutions>Resolution"`
}

type xmlResolution struct {
	X string `xml:"XResolution"`
	Y string `xml:"YResolution"`
}

type xmlRange struct {
	Min  string `xml:"Min"`
	Max  string `xml:"Max"`
	Step string `xml:"Step"`
}

type xmlStatus struct {
	XMLName xml.Name
	State   string       `xml:"State"`
	ADF     string       `xml:"AdfState"`
	Jobs    []xmlJobInfo `xml:"Jobs>JobInfo"`
}

type xmlJobInfo struct {
	URI       string   `xml:"JobUri"`
	UUID      string   `xml:"JobUuid"`
	State     string   `xml:"JobState"`
	Reasons   []string `xml:"JobStateReasons>JobStateReason"`
	Completed string   `xml:"ImagesCompleted"`
	Transfer  string   `xml:"ImagesToTransfer"`
}

// ParseCapabilities reads a scan:ScannerCapabilities document. It is tolerant: namespace
// prefixes are ignored, unknown elements are skipped, and a number it cannot read counts as
// absent. It fails with ErrMalformed if the bytes are not XML, the root element is something
// else, or the scanner lists neither a platen nor a feeder.
func ParseCapabilities(doc []byte) (*Capabilities, error) {
	var x xmlCaps
	if err := decodeXML(doc, &x); err != nil {
		return nil, err
	}
	if x.XMLName.Local != "ScannerCapabilities" {
		return nil, fmt.Errorf("%w: root element is %q, not ScannerCapabilities", ErrMalformed, truncate(x.XMLName.Local))
	}
	c := &Capabilities{
		Version:        text(x.Version),
		MakeAndModel:   text(x.MakeAndModel),
		Manufacturer:   text(x.Manufacturer),
		SerialNumber:   text(x.SerialNumber),
		UUID:           text(x.UUID),
		Platen:         x.Platen.caps(),
		Feeder:         x.Simplex.caps(),
		FeederDuplex:   x.Duplex.caps(),
		FeederCapacity: number(x.Capacity),
	}
	if c.Feeder == nil {
		c.Feeder = c.FeederDuplex // some scanners list only duplex caps for a duplex feeder
	}
	c.Duplex = c.FeederDuplex != nil
	for _, o := range x.ADFOptions {
		if text(o) == "Duplex" && c.Feeder != nil {
			c.Duplex = true
		}
	}
	if c.Platen == nil && c.Feeder == nil {
		return nil, fmt.Errorf("%w: neither platen nor feeder listed", ErrMalformed)
	}
	return c, nil
}

func (x *xmlInputCaps) caps() *SourceCaps {
	if x == nil {
		return nil
	}
	s := &SourceCaps{
		MinWidth:  number(x.MinWidth),
		MaxWidth:  number(x.MaxWidth),
		MinHeight: number(x.MinHeight),
		MaxHeight: number(x.MaxHeight),
	}
	for _, in := range append(x.Intents, x.IntentsAlt...) {
		s.Intents = appendNew(s.Intents, text(in))
	}
	for _, p := range x.Profiles {
		for _, m := range p.ColorModes {
			s.ColorModes = appendNew(s.ColorModes, ColorMode(text(m)))
		}
		for _, f := range p.Formats {
			s.Formats = appendNew(s.Formats, strings.ToLower(text(f)))
		}
		for _, f := range p.FormatsExt {
			s.FormatExt = true
			s.Formats = appendNew(s.Formats, strings.ToLower(text(f)))
		}
		for _, r := range p.Discrete {
			x, y := number(r.X), number(r.Y)
			if y == 0 {
				y = x
			}
			if x > 0 && y > 0 {
				s.Resolutions = appendNew(s.Resolutions, Resolution{x, y})
			}
		}
		for _, r := range p.Resolutions { // older firmware: a bare list of numbers
			if d := number(r); d > 0 {
				s.Resolutions = appendNew(s.Resolutions, Resolution{d, d})
			}
		}
		if r := p.RangeX; r != nil && s.ResolutionRange == nil {
			min, max, step := number(r.Min), number(r.Max), number(r.Step)
			if min > 0 && max >= min {
				s.ResolutionRange = &Range{Min: min, Max: max, Step: max1(step)}
			}
		}
	}
	return s
}

// ParseStatus reads a scan:ScannerStatus document, with the same tolerance as
// [ParseCapabilities]. It fails with ErrMalformed if the bytes are not XML or the root element
// is something else.
func ParseStatus(doc []byte) (*Status, error) {
	var x xmlStatus
	if err := decodeXML(doc, &x); err != nil {
		return nil, err
	}
	if x.XMLName.Local != "ScannerStatus" {
		return nil, fmt.Errorf("%w: root element is %q, not ScannerStatus", ErrMalformed, truncate(x.XMLName.Local))
	}
	s := &Status{State: State(text(x.State)), ADF: ADFState(text(x.ADF))}
	for _, j := range x.Jobs {
		info := JobInfo{
			URI:              text(j.URI),
			UUID:             text(j.UUID),
			State:            text(j.State),
			ImagesCompleted:  number(j.Completed),
			ImagesToTransfer: number(j.Transfer),
		}
		for _, r := range j.Reasons {
			info.Reasons = appendNew(info.Reasons, text(r))
		}
		s.Jobs = append(s.Jobs, info)
	}
	return s, nil
}

func decodeXML(doc []byte, v any) error {
	if len(doc) > maxXMLBytes {
		return fmt.Errorf("%w: document larger than %d bytes", ErrMalformed, maxXMLBytes)
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false // tolerate unknown entities and unquoted attributes from embedded firmware
	// No CharsetReader: only UTF-8 (and its ASCII subset) is accepted, as eSCL requires.
	if err := d.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: empty document", ErrMalformed)
		}
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

// text trims the whitespace XML pretty-printers leave around values.
func text(s string) string { return strings.TrimSpace(s) }

// number parses a non-negative decimal integer, or returns 0.
func number(s string) int {
	n, err := strconv.Atoi(text(s))
	if err != nil || n < 0 || n > 1<<30 {
		return 0
	}
	return n
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// appendNew appends v unless it is empty or already present; lists stay short and ordered.
func appendNew[T comparable](list []T, v T) []T {
	var zero T
	if v == zero || slices.Contains(list, v) || len(list) >= 64 {
		return list
	}
	return append(list, v)
}

// truncate keeps names read from a device short in error messages.
func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// encodeSettings writes the scan:ScanSettings document for a resolved request.
func encodeSettings(s Settings, caps *SourceCaps) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<scan:ScanSettings xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm" xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03">` + "\n")
	elem(&b, "pwg:Version", "2.0")
	if s.Intent != "" {
		elem(&b, "scan:Intent", s.Intent)
	}
	if r := s.Region; r != nil {
		b.WriteString("<pwg:ScanRegions><pwg:ScanRegion>")
		elem(&b, "pwg:ContentRegionUnits", "escl:ThreeHundredthsOfInches")
		elem(&b, "pwg:XOffset", strconv.Itoa(r.X))
		elem(&b, "pwg:YOffset", strconv.Itoa(r.Y))
		elem(&b, "pwg:Width", strconv.Itoa(r.Width))
		elem(&b, "pwg:Height", strconv.Itoa(r.Height))
		b.WriteString("</pwg:ScanRegion></pwg:ScanRegions>\n")
	}
	elem(&b, "pwg:InputSource", string(s.Source))
	elem(&b, "scan:ColorMode", string(s.ColorMode))
	elem(&b, "pwg:DocumentFormat", s.Format)
	if caps != nil && caps.FormatExt {
		elem(&b, "scan:DocumentFormatExt", s.Format)
	}
	elem(&b, "scan:XResolution", strconv.Itoa(s.Resolution))
	elem(&b, "scan:YResolution", strconv.Itoa(s.Resolution))
	if s.Source == Feeder {
		elem(&b, "scan:Duplex", strconv.FormatBool(s.Duplex))
	}
	b.WriteString("</scan:ScanSettings>\n")
	return b.Bytes()
}

func elem(b *bytes.Buffer, name, value string) {
	b.WriteString("<" + name + ">")
	xml.EscapeText(b, []byte(value)) //nolint:errcheck // bytes.Buffer does not fail
	b.WriteString("</" + name + ">\n")
}
