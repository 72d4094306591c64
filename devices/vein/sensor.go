package vein

import (
	"context"
	"errors"
	"fmt"

	"github.com/mynumber-shelter/shelter/devices/vein/wire"
)

// Sensor is a vein sensor. Implementations are safe for concurrent use;
// calls that need the device run one at a time, later ones waiting their
// turn (or their context).
type Sensor interface {
	// Info returns the device's identity.
	Info(ctx context.Context) (Info, error)

	// Enroll takes captures captures (1..10) of one hand and stores a new
	// template in the device, returning its id. prompts, if not nil,
	// receives each prompt for the person at the sensor in the order the
	// device sent them, on the calling goroutine; it must not block.
	Enroll(ctx context.Context, captures int, prompts func(Prompt)) (TemplateID, error)

	// Verify compares the hand on the sensor with template id (1:1). It
	// returns ErrNoMatch, with the Match still carrying the score, when
	// the hand is not that template's. prompts is as for Enroll.
	Verify(ctx context.Context, id TemplateID, prompts func(Prompt)) (Match, error)

	// Identify searches all templates for the hand on the sensor (1:N).
	// It returns ErrNoMatch when none matches. prompts is as for Enroll.
	Identify(ctx context.Context, prompts func(Prompt)) (Match, error)

	// Delete removes template id from the device, as when a handler
	// leaves or enrols again. It needs no hand. An id the device does not
	// hold gives ErrUnknownTemplate.
	Delete(ctx context.Context, id TemplateID) error

	// Cancel stops the call in progress, which then returns ErrCancelled.
	// It does not wait for it and does nothing when no call is running.
	Cancel() error

	// Close releases the device. Calls after Close return ErrClosed.
	Close() error
}

// TemplateID names a template stored in a sensor. It is not a secret and
// means nothing outside that sensor. 0 is never a valid id.
type TemplateID uint32

// Match is the outcome of a Verify or Identify.
type Match struct {
	Template TemplateID // the matching template; 0 when none matched
	Score    int        // 0..1000, the device's similarity; for diagnostics only
}

// Info identifies a sensor.
type Info struct {
	Model, Firmware, Serial string
	Protocol                int // protocol version of the device
	Capacity                int // templates the device can hold
	Enrolled                int // templates it holds now
}

// PromptKind is what the device asks of the person at the sensor.
type PromptKind uint8

// Prompts. Show them to the person; they are not errors.
const (
	PromptPlaceHand = PromptKind(wire.PromptPlaceHand) // place your hand
	PromptCaptureOK = PromptKind(wire.PromptCaptureOK) // a capture was taken; Prompt.Quality is set
	PromptLiftHand  = PromptKind(wire.PromptLiftHand)  // lift your hand before the next capture
	PromptTimeout   = PromptKind(wire.PromptTimeout)   // no hand came in time; the call fails with ErrTimeout
)

func (k PromptKind) String() string { return wire.Prompt(k).String() }

// Prompt is one prompt pushed by the device during a call.
type Prompt struct {
	Kind    PromptKind
	Capture int // 0-based capture index within an enrolment
	Quality int // 0..100 for PromptCaptureOK
}

// Errors a caller decides on. Errors wrap them; test with errors.Is.
var (
	// ErrTimeout: the context's deadline passed, or the device gave up
	// waiting for a hand.
	ErrTimeout = errors.New("vein: timed out")
	// ErrCancelled: Cancel was called, or the context was cancelled.
	ErrCancelled = errors.New("vein: cancelled")
	// ErrNoMatch: the hand did not match.
	ErrNoMatch = errors.New("vein: no match")
	// ErrDisconnected: the line failed or the device could not be
	// opened before the context ended.
	ErrDisconnected = errors.New("vein: sensor disconnected")
	// ErrUnknownTemplate: the device holds no template with that id
	// (deleted, or another device).
	ErrUnknownTemplate = errors.New("vein: unknown template")
	// ErrClosed: the Sensor was closed.
	ErrClosed = errors.New("vein: sensor closed")
	// ErrProtocol: the device sent a reply that does not fit the request,
	// or speaks another protocol version.
	ErrProtocol = errors.New("vein: protocol violation")
	// ErrVersion: an out-of-process driver answered hello with a protocol
	// version this package does not speak. It matches ErrProtocol too.
	ErrVersion = fmt.Errorf("%w: unsupported driver protocol version", ErrProtocol)
	// ErrWrongDevice: the sensor on the line is not the one the driver
	// was bound to (Serial.DeviceSerial, or the first one it saw).
	ErrWrongDevice = errors.New("vein: a different sensor is on the line")
)

// DeviceError is an error the device reported. It matches ErrTimeout,
// ErrCancelled and ErrUnknownTemplate for the codes that mean those.
type DeviceError struct {
	Code wire.Code
}

func (e *DeviceError) Error() string {
	return fmt.Sprintf("vein: device error 0x%02x (%v)", uint8(e.Code), e.Code)
}

// Is reports whether e means target.
func (e *DeviceError) Is(target error) bool {
	switch e.Code {
	case wire.CodeTimeout:
		return target == ErrTimeout
	case wire.CodeCancelled:
		return target == ErrCancelled
	case wire.CodeUnknownTemplate:
		return target == ErrUnknownTemplate
	}
	return false
}
