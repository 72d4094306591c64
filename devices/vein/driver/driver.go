// Package driver is the protocol between shelter-bridge and an out-of-process vein sensor
// driver: an executable, shipped beside the bridge, that wraps a vendor's SDK (a BioAPI-style
// library matching on the host, or a vendor serial command set matching on the module) and
// speaks this protocol on its standard input and output. The bridge side is
// [github.com/mynumber-shelter/shelter/devices/vein.Process]; [Serve] is the driver side for
// drivers written in Go. A driver in C or C# implements the same lines.
//
// # Framing
//
// One JSON object per line (UTF-8, "\n"-terminated, at most [MaxLine] bytes), in both
// directions. The bridge writes requests to the driver's stdin; the driver writes replies and
// events to stdout. Anything else a driver has to say goes to stderr, which the bridge copies
// line by line into its log: a driver must never write a template, an image or any other
// biometric data there, nor to stdout outside the fields below.
//
// # Requests (bridge → driver)
//
//	{"id":1,"op":"hello","version":1}
//	{"id":2,"op":"info"}
//	{"id":3,"op":"enrol","captures":3}
//	{"id":4,"op":"verify","templateId":7}                      (module matching)
//	{"id":4,"op":"verify","template":"<base64>"}               (host matching)
//	{"id":5,"op":"identify"}                                   (module matching)
//	{"id":5,"op":"identify","templates":[{"templateId":7,"template":"<base64>"}]}  (host matching)
//	{"id":6,"op":"delete","templateId":7}                      (module matching only)
//	{"id":7,"op":"cancel"}
//
// id is a positive number the bridge never reuses within one run of the driver. Requests come
// one at a time, except cancel, which may arrive while another request runs.
//
// # Replies and events (driver → bridge)
//
// A request ends with exactly one reply carrying its id: its result fields, or "error".
// While it runs, a request that waits for a person may send any number of events first:
//
//	{"id":3,"event":"prompt","prompt":"place-hand","capture":0}
//	{"id":3,"event":"prompt","prompt":"capture-ok","capture":0,"quality":87}
//	{"id":3,"event":"prompt","prompt":"lift-hand","capture":1}
//	{"id":3,"templateId":7}                                    (enrol reply, module matching)
//	{"id":3,"template":"<base64>"}                             (enrol reply, host matching)
//	{"id":4,"match":true,"score":912}                          (verify reply; no match is "match":false, not an error)
//	{"id":5,"match":true,"templateId":7,"score":901}           (identify reply)
//	{"id":9,"error":{"code":"timeout","message":"no hand came"}}
//
// Prompts are "place-hand", "capture-ok" (with quality 0..100), "lift-hand" and "timeout";
// capture is the 0-based capture within an enrolment. The hello reply is
// {"id":1,"version":1,"driver":"<name and version>","matching":"module"|"host"}; the info
// reply is {"id":2,"model":"…","firmware":"…","serial":"…","capacity":100,"enrolled":3}.
// Error codes are the [Code] constants; an unknown one is a sensor fault to the bridge.
//
// # Cancel and time limits
//
// cancel stops the request in progress, which ends with error "cancelled"; then cancel itself
// is answered ({"id":7}). With nothing running, cancel is answered at once. The bridge sends
// cancel when the person or the app gives up or a call's time runs out, and waits a few
// seconds for both replies. A driver must answer hello within seconds of starting (before it
// looks for a sensor that may be slow to answer) and every request that needs no hand within
// seconds; one that does not is killed and started again on the next call, as is one that
// exits or closes stdout.
//
// # Where templates live: matching
//
// "matching":"module": the sensor holds the templates and names them by templateId (a
// positive 32-bit number); the bridge only ever sees ids, as with our serial protocol.
//
// "matching":"host": the SDK matches on the host and gives the driver a template, which the
// driver returns from enrol as opaque bytes and forgets. The bridge seals each template at
// once (AES-256-GCM under a key kept in the OS keychain, bound to the template's id) and
// keeps only the sealed copy in its private state directory; it hands the driver the opened
// template for the length of one verify or identify and gives the app only the id. A driver
// must keep no template on disk and must not log one. delete is then the bridge's own
// business and is not sent.
package driver

import "encoding/json"

// Version is the protocol version this package speaks.
const Version = 1

// MaxLine bounds one line in either direction (host templates travel base64 in identify).
const MaxLine = 4 << 20

// Matching values of the hello reply.
const (
	MatchOnModule = "module" // the sensor keeps templates and matches; the host sees ids
	MatchOnHost   = "host"   // the driver returns templates; the bridge keeps them sealed
)

// Ops.
const (
	OpHello    = "hello"
	OpInfo     = "info"
	OpEnrol    = "enrol"
	OpVerify   = "verify"
	OpIdentify = "identify"
	OpDelete   = "delete"
	OpCancel   = "cancel"
)

// EventPrompt is the only event: a prompt for the person at the sensor.
const EventPrompt = "prompt"

// Code is an error code in a reply.
type Code string

// Error codes.
const (
	CodeTimeout         Code = "timeout"          // no hand, or no usable capture, in time
	CodeCancelled       Code = "cancelled"        // cancel stopped the request
	CodeUnknownTemplate Code = "unknown_template" // no template with that id, or one the SDK cannot read
	CodeDuplicate       Code = "duplicate"        // the hand is already enrolled
	CodeCaptureMismatch Code = "capture_mismatch" // an enrolment's captures are not of one hand
	CodeStorageFull     Code = "storage_full"     // the module holds no more templates
	CodeBusy            Code = "busy"             // another request is running
	CodeBadRequest      Code = "bad_request"      // the request did not parse or has no such op
	CodeDevice          Code = "device"           // the sensor or the SDK failed
)

// Request is one line from the bridge.
type Request struct {
	ID         uint64         `json:"id"`
	Op         string         `json:"op"`
	Version    int            `json:"version,omitempty"`    // hello
	Captures   int            `json:"captures,omitempty"`   // enrol
	TemplateID uint32         `json:"templateId,omitempty"` // verify, delete (module)
	Template   []byte         `json:"template,omitempty"`   // verify (host)
	Templates  []HostTemplate `json:"templates,omitempty"`  // identify (host)
}

// HostTemplate is one template the bridge hands a host-matching driver for identify.
type HostTemplate struct {
	TemplateID uint32 `json:"templateId"`
	Template   []byte `json:"template"`
}

// Message is one line from the driver: an event when Event is set, else the reply to ID.
type Message struct {
	ID    uint64 `json:"id"`
	Event string `json:"event,omitempty"`
	Error *Error `json:"error,omitempty"`

	// prompt event
	Prompt  string `json:"prompt,omitempty"`
	Capture int    `json:"capture,omitempty"`
	Quality int    `json:"quality,omitempty"`

	// hello
	Version  int    `json:"version,omitempty"`
	Driver   string `json:"driver,omitempty"`
	Matching string `json:"matching,omitempty"`

	// info
	Model    string `json:"model,omitempty"`
	Firmware string `json:"firmware,omitempty"`
	Serial   string `json:"serial,omitempty"`
	Capacity int    `json:"capacity,omitempty"`
	Enrolled int    `json:"enrolled,omitempty"`

	// enrol, verify, identify
	TemplateID uint32 `json:"templateId,omitempty"`
	Template   []byte `json:"template,omitempty"`
	Match      bool   `json:"match,omitempty"`
	Score      int    `json:"score,omitempty"`
}

// Error is a reply's error. Message is for the bridge's log: never biometric data.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message,omitempty"`
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "vein driver: " + string(e.Code)
	}
	return "vein driver: " + string(e.Code) + ": " + e.Message
}

// Prompt is a prompt event's content.
type Prompt struct {
	Prompt  string // "place-hand", "capture-ok", "lift-hand", "timeout"
	Capture int
	Quality int
}

// marshal encodes m as one line.
func marshal(m any) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
