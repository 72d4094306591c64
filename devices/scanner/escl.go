package scanner

import (
	"net/url"
	"slices"
	"strings"
)

// InputSource is where the scanner takes paper from (pwg:InputSource).
type InputSource string

// Input sources.
const (
	Platen InputSource = "Platen" // the flatbed glass
	Feeder InputSource = "Feeder" // the automatic document feeder (ADF)
)

// ColorMode is the pixel format of a scan (scan:ColorMode).
type ColorMode string

// Colour modes defined by eSCL.
const (
	RGB24          ColorMode = "RGB24"
	Grayscale8     ColorMode = "Grayscale8"
	BlackAndWhite1 ColorMode = "BlackAndWhite1"
)

// Document formats (MIME types) a scanner may deliver.
const (
	FormatJPEG = "image/jpeg"
	FormatPNG  = "image/png"
	FormatPDF  = "application/pdf"
)

// Capabilities is what a scanner says it can do (scan:ScannerCapabilities). Sizes are in
// 1/300 inch (escl:ThreeHundredthsOfInches).
type Capabilities struct {
	Version      string // pwg:Version, e.g. "2.63"
	MakeAndModel string // pwg:MakeAndModel, e.g. "Brother MFC-L2750DW series"
	Manufacturer string // scan:Manufacturer, when given
	SerialNumber string // pwg:SerialNumber, when given
	UUID         string // scan:UUID, when given

	// Platen describes the flatbed; nil if the scanner has none.
	Platen *SourceCaps
	// Feeder describes the document feeder scanning one side; nil if there is no feeder.
	Feeder *SourceCaps
	// FeederDuplex describes the feeder scanning both sides (scan:AdfDuplexInputCaps); nil
	// if the scanner did not list separate duplex capabilities.
	FeederDuplex *SourceCaps
	// Duplex reports whether the feeder can scan both sides of a sheet: either duplex input
	// capabilities were listed or scan:AdfOptions contains "Duplex".
	Duplex bool
	// FeederCapacity is scan:FeederCapacity in sheets, 0 when not given.
	FeederCapacity int
}

// HasFeeder reports whether the scanner has a document feeder.
func (c *Capabilities) HasFeeder() bool { return c.Feeder != nil }

// HasPlaten reports whether the scanner has a flatbed.
func (c *Capabilities) HasPlaten() bool { return c.Platen != nil }

// source returns the capabilities that apply to a scan from src, or nil.
func (c *Capabilities) source(src InputSource, duplex bool) *SourceCaps {
	switch src {
	case Platen:
		return c.Platen
	case Feeder:
		if duplex && c.FeederDuplex != nil {
			return c.FeederDuplex
		}
		return c.Feeder
	}
	return nil
}

// SourceCaps are the capabilities of one input source (scan:PlatenInputCaps,
// scan:AdfSimplexInputCaps, scan:AdfDuplexInputCaps), merged over its setting profiles.
// An empty list means the scanner did not say, not that it supports nothing.
type SourceCaps struct {
	MinWidth, MaxWidth   int // 1/300 inch; 0 when not given
	MinHeight, MaxHeight int // 1/300 inch; 0 when not given

	ColorModes []ColorMode // in document order, without duplicates
	Formats    []string    // lower-case MIME types from pwg:DocumentFormat and scan:DocumentFormatExt
	// FormatExt reports whether the scanner listed scan:DocumentFormatExt, in which case
	// scan settings name the format with that element too.
	FormatExt bool

	Resolutions     []Resolution // discrete resolutions in dpi
	ResolutionRange *Range       // continuous X resolutions in dpi; nil when not given
	Intents         []string     // scan:SupportedIntents, e.g. "Document", "Photo"
}

// Resolution is one discrete scan resolution in dots per inch.
type Resolution struct{ X, Y int }

// Range is an inclusive range of values with a step (1 when not given).
type Range struct{ Min, Max, Step int }

// SupportsResolution reports whether dpi (on both axes) is allowed. A source that lists no
// resolutions at all allows any.
func (s *SourceCaps) SupportsResolution(dpi int) bool {
	if dpi <= 0 {
		return false
	}
	if len(s.Resolutions) == 0 && s.ResolutionRange == nil {
		return true
	}
	if slices.Contains(s.Resolutions, Resolution{dpi, dpi}) {
		return true
	}
	if r := s.ResolutionRange; r != nil && dpi >= r.Min && dpi <= r.Max {
		return r.Step <= 1 || (dpi-r.Min)%r.Step == 0
	}
	return false
}

// SupportsColorMode reports whether m is allowed. A source that lists no colour modes
// allows any.
func (s *SourceCaps) SupportsColorMode(m ColorMode) bool {
	return len(s.ColorModes) == 0 || slices.Contains(s.ColorModes, m)
}

// SupportsFormat reports whether the MIME type format is allowed (case-insensitive). A source
// that lists no formats allows any.
func (s *SourceCaps) SupportsFormat(format string) bool {
	return len(s.Formats) == 0 || slices.Contains(s.Formats, strings.ToLower(format))
}

// State is the scanner's overall state (pwg:State).
type State string

// Scanner states defined by PWG 5100.17.
const (
	StateIdle       State = "Idle"
	StateProcessing State = "Processing"
	StateTesting    State = "Testing"
	StateStopped    State = "Stopped"
	StateDown       State = "Down"
)

// ADFState is the state of the document feeder (scan:AdfState). Scanners use more values than
// the ones named here; unknown values are kept verbatim.
type ADFState string

// Document feeder states seen on real scanners.
const (
	ADFLoaded      ADFState = "ScannerAdfLoaded"
	ADFEmpty       ADFState = "ScannerAdfEmpty"
	ADFProcessing  ADFState = "ScannerAdfProcessing"
	ADFJam         ADFState = "ScannerAdfJam"
	ADFMispick     ADFState = "ScannerAdfMispick"
	ADFMultipick   ADFState = "ScannerAdfMultipickDetected"
	ADFHatchOpen   ADFState = "ScannerAdfHatchOpen"
	ADFDoorOpen    ADFState = "ScannerAdfDoorOpen"
	ADFInputFailed ADFState = "ScannerAdfInputTrayFailed"
)

// Status is the scanner's state (scan:ScannerStatus).
type Status struct {
	State State    // pwg:State
	ADF   ADFState // scan:AdfState; "" when the scanner has no feeder or did not say
	Jobs  []JobInfo
}

// JobInfo is one entry of scan:Jobs.
type JobInfo struct {
	URI              string   // pwg:JobUri, e.g. "/eSCL/ScanJobs/<uuid>"
	UUID             string   // pwg:JobUuid
	State            string   // pwg:JobState: Pending, Processing, Completed, Canceled, Aborted
	Reasons          []string // pwg:JobStateReasons
	ImagesCompleted  int      // pwg:ImagesCompleted
	ImagesToTransfer int      // pwg:ImagesToTransfer
}

// job returns the entry for the job whose URI has the given path, or whose UUID is the last
// element of that path; nil if there is none.
func (s *Status) job(path string) *JobInfo {
	path = strings.TrimSuffix(path, "/")
	last := path[strings.LastIndexByte(path, '/')+1:]
	for i := range s.Jobs {
		j := &s.Jobs[i]
		if u, err := url.Parse(j.URI); err == nil && j.URI != "" && strings.TrimSuffix(u.Path, "/") == path {
			return j
		}
		if j.UUID != "" && j.UUID == last {
			return j
		}
	}
	return nil
}

// terminal reports whether the job has ended on the scanner (pwg:JobState).
func (j *JobInfo) terminal() bool {
	switch j.State {
	case "Completed", "Canceled", "Aborted":
		return true
	}
	return false
}

// finished reports whether the status shows the job at path Completed with the feeder empty
// (or no feeder state given): the end of a feeder batch.
func (s *Status) finished(path string) bool {
	j := s.job(path)
	return j != nil && j.State == "Completed" && (s.ADF == "" || s.ADF == ADFEmpty)
}
