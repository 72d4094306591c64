package scanner

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors. Callers test them with errors.Is.
var (
	// ErrUnsupportedSettings: the scanner cannot do what the settings ask; see SettingsError.
	ErrUnsupportedSettings = errors.New("scanner: settings not supported")
	// ErrJammed: the document feeder jammed or misfed a sheet.
	ErrJammed = errors.New("scanner: paper jam in the document feeder")
	// ErrFeederEmpty: a feeder scan was asked for but no paper is loaded.
	ErrFeederEmpty = errors.New("scanner: no paper in the document feeder")
	// ErrCoverOpen: a cover or the feeder hatch is open.
	ErrCoverOpen = errors.New("scanner: cover open")
	// ErrScannerBusy: the scanner kept answering 503 past the client's busy budget.
	ErrScannerBusy = errors.New("scanner: busy")
	// ErrScannerDown: the scanner reports itself stopped or down.
	ErrScannerDown = errors.New("scanner: stopped")
	// ErrJobAborted: the scanner aborted or cancelled the job itself.
	ErrJobAborted = errors.New("scanner: job aborted by the scanner")
	// ErrNoPages: the job ended without a single page.
	ErrNoPages = errors.New("scanner: no pages scanned")
	// ErrPageTooLarge: a page exceeded Client.MaxPageBytes.
	ErrPageTooLarge = errors.New("scanner: page too large")
	// ErrPageIncomplete: the scanner answered a page with an empty or truncated body, as real
	// scanners do when the device fails mid-read.
	ErrPageIncomplete = errors.New("scanner: empty or truncated page")
	// ErrTooManyPages: a job delivered more than Client.MaxPages pages.
	ErrTooManyPages = errors.New("scanner: too many pages")
)

// DeviceError is a problem the scanner reported about itself. It unwraps to one of
// ErrJammed, ErrFeederEmpty, ErrCoverOpen, ErrScannerBusy, ErrScannerDown or ErrJobAborted.
type DeviceError struct {
	State    State    // pwg:State when known
	ADF      ADFState // scan:AdfState when known
	JobState string   // pwg:JobState of the job when known
	Err      error    // the sentinel
}

func (e *DeviceError) Error() string {
	msg := e.Err.Error()
	if e.ADF != "" {
		msg += fmt.Sprintf(" (scanner %s, feeder %s)", e.State, truncate(string(e.ADF)))
	} else if e.State != "" {
		msg += fmt.Sprintf(" (scanner %s)", truncate(string(e.State)))
	}
	return msg
}

// Unwrap returns the sentinel.
func (e *DeviceError) Unwrap() error { return e.Err }

// HTTPError is an HTTP status the client did not expect from the scanner.
type HTTPError struct {
	Op         string // "capabilities", "status", "create job", "next document", ...
	StatusCode int
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("scanner: %s: unexpected HTTP status %d %s", e.Op, e.StatusCode, http.StatusText(e.StatusCode))
}

// problem maps a status report to a DeviceError, or returns nil if the status shows nothing
// wrong. src is the source of the scan in question, job the path of its job ("" if none) and
// pages the number of pages it has delivered so far.
func (s *Status) problem(src InputSource, job string, pages int) error {
	var j *JobInfo
	if job != "" {
		j = s.job(job)
	}
	e := &DeviceError{State: s.State, ADF: s.ADF}
	if j != nil {
		e.JobState = j.State
	}
	if src == Feeder {
		switch s.ADF {
		case ADFJam, ADFMispick, ADFMultipick, ADFInputFailed:
			e.Err = ErrJammed
			return e
		case ADFEmpty:
			if pages == 0 {
				e.Err = ErrFeederEmpty
				return e
			}
		case ADFHatchOpen, ADFDoorOpen:
			e.Err = ErrCoverOpen
			return e
		}
	}
	switch {
	case j != nil && (j.State == "Aborted" || j.State == "Canceled"):
		e.Err = ErrJobAborted
	case s.State == StateStopped || s.State == StateDown:
		e.Err = ErrScannerDown
	default:
		return nil
	}
	return e
}
