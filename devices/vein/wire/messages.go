package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every payload parser's error: the frame was
// intact (its CRC matched) but its payload does not fit its command.
var ErrMalformed = errors.New("wire: malformed payload")

func malformed(what string, p []byte) error {
	return fmt.Errorf("%w: %s of %d bytes", ErrMalformed, what, len(p))
}

// MaxCaptures bounds EnrollStart.Captures.
const MaxCaptures = 10

// MaxString bounds each string in InfoReply.
const MaxString = 64

// MaxPing bounds a ping payload.
const MaxPing = 8

// InfoReply is the payload of CmdInfo's reply:
//
//	protocol u8 | capacity u16 | enrolled u16 | model | firmware | serial
//
// where each string is a u8 length (≤ MaxString) and that many bytes.
type InfoReply struct {
	Protocol uint8
	Capacity uint16 // templates the device can hold
	Enrolled uint16 // templates it holds now
	Model    string
	Firmware string
	Serial   string
}

// Append appends the encoding of m to b. Strings longer than MaxString are
// cut.
func (m InfoReply) Append(b []byte) []byte {
	b = append(b, m.Protocol)
	b = binary.BigEndian.AppendUint16(b, m.Capacity)
	b = binary.BigEndian.AppendUint16(b, m.Enrolled)
	for _, s := range []string{m.Model, m.Firmware, m.Serial} {
		s = s[:min(len(s), MaxString)]
		b = append(b, byte(len(s)))
		b = append(b, s...)
	}
	return b
}

// ParseInfoReply decodes an InfoReply payload.
func ParseInfoReply(p []byte) (InfoReply, error) {
	if len(p) < 5 {
		return InfoReply{}, malformed("info reply", p)
	}
	m := InfoReply{
		Protocol: p[0],
		Capacity: binary.BigEndian.Uint16(p[1:]),
		Enrolled: binary.BigEndian.Uint16(p[3:]),
	}
	rest := p[5:]
	for _, s := range []*string{&m.Model, &m.Firmware, &m.Serial} {
		if len(rest) < 1 || int(rest[0]) > MaxString || len(rest) < 1+int(rest[0]) {
			return InfoReply{}, malformed("info reply", p)
		}
		*s, rest = string(rest[1:1+rest[0]]), rest[1+rest[0]:]
	}
	if len(rest) != 0 {
		return InfoReply{}, malformed("info reply", p)
	}
	return m, nil
}

// EnrollStart is the payload of CmdEnrollStart: captures u8 (1..MaxCaptures).
// The reply has no payload.
type EnrollStart struct{ Captures uint8 }

// Append appends the encoding of m to b.
func (m EnrollStart) Append(b []byte) []byte { return append(b, m.Captures) }

// ParseEnrollStart decodes an EnrollStart payload.
func ParseEnrollStart(p []byte) (EnrollStart, error) {
	if len(p) != 1 || p[0] < 1 || p[0] > MaxCaptures {
		return EnrollStart{}, malformed("enroll start", p)
	}
	return EnrollStart{Captures: p[0]}, nil
}

// EnrollCapture is the payload of CmdEnrollCapture: index u8, counting
// from 0; captures must be taken in order.
type EnrollCapture struct{ Index uint8 }

// Append appends the encoding of m to b.
func (m EnrollCapture) Append(b []byte) []byte { return append(b, m.Index) }

// ParseEnrollCapture decodes an EnrollCapture payload.
func ParseEnrollCapture(p []byte) (EnrollCapture, error) {
	if len(p) != 1 || p[0] >= MaxCaptures {
		return EnrollCapture{}, malformed("enroll capture", p)
	}
	return EnrollCapture{Index: p[0]}, nil
}

// EnrollCaptureReply is the payload of CmdEnrollCapture's reply:
//
//	index u8 | quality u8 (0..100) | template u32
//
// Template is 0 until the last capture, whose reply carries the id of the
// new template.
type EnrollCaptureReply struct {
	Index    uint8
	Quality  uint8
	Template uint32
}

// Append appends the encoding of m to b.
func (m EnrollCaptureReply) Append(b []byte) []byte {
	b = append(b, m.Index, m.Quality)
	return binary.BigEndian.AppendUint32(b, m.Template)
}

// ParseEnrollCaptureReply decodes an EnrollCaptureReply payload.
func ParseEnrollCaptureReply(p []byte) (EnrollCaptureReply, error) {
	if len(p) != 6 || p[1] > 100 {
		return EnrollCaptureReply{}, malformed("enroll capture reply", p)
	}
	return EnrollCaptureReply{Index: p[0], Quality: p[1], Template: binary.BigEndian.Uint32(p[2:])}, nil
}

// Verify is the payload of CmdVerify: template u32 (never 0).
type Verify struct{ Template uint32 }

// Append appends the encoding of m to b.
func (m Verify) Append(b []byte) []byte { return binary.BigEndian.AppendUint32(b, m.Template) }

// ParseVerify decodes a Verify payload.
func ParseVerify(p []byte) (Verify, error) {
	if len(p) != 4 || binary.BigEndian.Uint32(p) == 0 {
		return Verify{}, malformed("verify", p)
	}
	return Verify{Template: binary.BigEndian.Uint32(p)}, nil
}

// Delete is the payload of CmdDelete: template u32 (never 0). The device
// removes the template and answers with an empty reply, or with
// CodeUnknownTemplate when it holds no such template, or CodeBusy while a
// request that needs a hand runs.
type Delete struct{ Template uint32 }

// Append appends the encoding of m to b.
func (m Delete) Append(b []byte) []byte { return binary.BigEndian.AppendUint32(b, m.Template) }

// ParseDelete decodes a Delete payload.
func ParseDelete(p []byte) (Delete, error) {
	if len(p) != 4 || binary.BigEndian.Uint32(p) == 0 {
		return Delete{}, malformed("delete", p)
	}
	return Delete{Template: binary.BigEndian.Uint32(p)}, nil
}

// MaxScore is the highest match score.
const MaxScore = 1000

// VerifyReply is the payload of CmdVerify's reply:
// match u8 (0 or 1) | score u16 (0..MaxScore). The device decides the
// match against its own threshold; the score is for diagnostics.
type VerifyReply struct {
	Match bool
	Score uint16
}

// Append appends the encoding of m to b.
func (m VerifyReply) Append(b []byte) []byte {
	return binary.BigEndian.AppendUint16(append(b, boolByte(m.Match)), m.Score)
}

// ParseVerifyReply decodes a VerifyReply payload.
func ParseVerifyReply(p []byte) (VerifyReply, error) {
	if len(p) != 3 || p[0] > 1 || binary.BigEndian.Uint16(p[1:]) > MaxScore {
		return VerifyReply{}, malformed("verify reply", p)
	}
	return VerifyReply{Match: p[0] == 1, Score: binary.BigEndian.Uint16(p[1:])}, nil
}

// IdentifyReply is the payload of CmdIdentify's reply:
// match u8 (0 or 1) | template u32 (0 when no match) | score u16.
type IdentifyReply struct {
	Match    bool
	Template uint32
	Score    uint16
}

// Append appends the encoding of m to b.
func (m IdentifyReply) Append(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(append(b, boolByte(m.Match)), m.Template)
	return binary.BigEndian.AppendUint16(b, m.Score)
}

// ParseIdentifyReply decodes an IdentifyReply payload.
func ParseIdentifyReply(p []byte) (IdentifyReply, error) {
	if len(p) != 7 || p[0] > 1 || binary.BigEndian.Uint16(p[5:]) > MaxScore {
		return IdentifyReply{}, malformed("identify reply", p)
	}
	m := IdentifyReply{Match: p[0] == 1, Template: binary.BigEndian.Uint32(p[1:]), Score: binary.BigEndian.Uint16(p[5:])}
	if m.Match != (m.Template != 0) {
		return IdentifyReply{}, malformed("identify reply", p)
	}
	return m, nil
}

// Prompt is what the device asks of the person at the sensor.
type Prompt uint8

// Prompts carried by Status.
const (
	PromptPlaceHand Prompt = 0x01 // place your hand on the sensor
	PromptCaptureOK Prompt = 0x02 // a capture was taken (Status.Quality is set)
	PromptLiftHand  Prompt = 0x03 // lift your hand (before the next capture)
	PromptTimeout   Prompt = 0x04 // no hand came in time; an Error follows
)

func (p Prompt) String() string {
	switch p {
	case PromptPlaceHand:
		return "place-hand"
	case PromptCaptureOK:
		return "capture-ok"
	case PromptLiftHand:
		return "lift-hand"
	case PromptTimeout:
		return "timeout"
	}
	return fmt.Sprintf("prompt-0x%02x", uint8(p))
}

// Status is the payload of CmdStatus:
// prompt u8 | capture u8 (index within an enrolment, else 0) | quality u8.
type Status struct {
	Prompt  Prompt
	Capture uint8
	Quality uint8
}

// Append appends the encoding of m to b.
func (m Status) Append(b []byte) []byte { return append(b, byte(m.Prompt), m.Capture, m.Quality) }

// ParseStatus decodes a Status payload. Unknown prompts are accepted, so
// that a newer device's prompts reach the host as such.
func ParseStatus(p []byte) (Status, error) {
	if len(p) != 3 || p[2] > 100 {
		return Status{}, malformed("status", p)
	}
	return Status{Prompt: Prompt(p[0]), Capture: p[1], Quality: p[2]}, nil
}

// Code is a device error code, the payload of CmdError.
type Code uint8

// Error codes.
const (
	CodeMalformed       Code = 0x01 // the request's payload did not parse
	CodeUnknownCommand  Code = 0x02 // the device does not know the command
	CodeBusy            Code = 0x03 // another request is running
	CodeTimeout         Code = 0x04 // no hand, or no usable capture, in time
	CodeCancelled       Code = 0x05 // the request was cancelled
	CodeUnknownTemplate Code = 0x06 // no template with that id
	CodeStorageFull     Code = 0x07 // no room for another template
	CodeCaptureMismatch Code = 0x08 // an enrolment's captures are not of one hand
	CodeDuplicate       Code = 0x09 // the hand is already enrolled
	CodeBadState        Code = 0x0A // e.g. a capture without EnrollStart, or out of order
	CodeHardware        Code = 0x0B // sensor fault
)

func (c Code) String() string {
	switch c {
	case CodeMalformed:
		return "malformed request"
	case CodeUnknownCommand:
		return "unknown command"
	case CodeBusy:
		return "busy"
	case CodeTimeout:
		return "timeout"
	case CodeCancelled:
		return "cancelled"
	case CodeUnknownTemplate:
		return "unknown template"
	case CodeStorageFull:
		return "storage full"
	case CodeCaptureMismatch:
		return "captures do not match"
	case CodeDuplicate:
		return "already enrolled"
	case CodeBadState:
		return "bad state"
	case CodeHardware:
		return "hardware fault"
	}
	return fmt.Sprintf("code 0x%02x", uint8(c))
}

// Error is the payload of CmdError: code u8.
type Error struct{ Code Code }

// Append appends the encoding of m to b.
func (m Error) Append(b []byte) []byte { return append(b, byte(m.Code)) }

// ParseError decodes an Error payload. Unknown codes are accepted.
func ParseError(p []byte) (Error, error) {
	if len(p) != 1 {
		return Error{}, malformed("error", p)
	}
	return Error{Code: Code(p[0])}, nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
