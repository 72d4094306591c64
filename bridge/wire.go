package bridge

import (
	"time"

	relaysync "github.com/mynumber-shelter/shelter/bridge/sync"
)

// CardUID is /v1/card/uid's answer.
type CardUID struct {
	// UID is the contactless card's UID in upper-case hex (PC/SC GET DATA, FF CA 00 00 00).
	UID string `json:"uid"`
}

// JPKICertificate is /v1/card/jpki/certificate's answer.
type JPKICertificate struct {
	// Certificate is the JPKI 利用者証明用電子証明書 in DER (base64 in JSON). It holds no
	// name, address or number.
	Certificate []byte `json:"certificate"`
}

// JPKISignRequest is the body of /v1/card/jpki/sign. The PIN is never logged.
type JPKISignRequest struct {
	Reader string `json:"reader"`
	PIN    string `json:"pin"`
	// Challenge is the app's fresh challenge (base64 in JSON), card.ChallengeSize to
	// maxChallenge bytes.
	Challenge    []byte `json:"challenge"`
	AllowLastTry bool   `json:"allowLastTry,omitempty"`
}

// JPKISignature is /v1/card/jpki/sign's answer: the card's RSASSA-PKCS1-v1_5 SHA-256
// signature over the challenge and its authentication certificate (DER), both base64 in
// JSON. It proves nothing until the app has checked it with card.AuthVerifier.
type JPKISignature struct {
	Signature   []byte `json:"signature"`
	Certificate []byte `json:"certificate"`
}

// CardRequest names the reader and carries the PIN (never logged).
type CardRequest struct {
	Reader       string `json:"reader"`
	PIN          string `json:"pin,omitempty"`
	AllowLastTry bool   `json:"allowLastTry,omitempty"`
}

// Retries is /v1/card/retries.
type Retries struct {
	Retries int `json:"retries"`
}

// CardData is what /v1/card/read returns: the number and the basic 4 facts (基本4情報).
type CardData struct {
	Number    string `json:"number"`
	Name      string `json:"name"`
	Address   string `json:"address"`
	BirthDate string `json:"birthDate"` // YYYY-MM-DD
	Sex       string `json:"sex"`       // ISO 5218 digit
	Integrity string `json:"integrity"` // which digest variant matched
}

// Config is the bridge's settings, kept in ConfigPath() (mode 0600) and changed by the app's
// device panel through PUT /v1/config. It holds no secret: keys live in the OS keychain.
type Config struct {
	// VeinDriver chooses the vein sensor's driver: "" or "serial" = our serial protocol on
	// VeinPort; "exec" = an out-of-process driver, the executable VeinDriverPath (a vendor
	// SDK's wrapper shipped beside the bridge) started with VeinDriverArgs and speaking the
	// protocol of devices/vein/driver on its stdin and stdout.
	VeinDriver string `json:"veinDriver,omitempty"`
	// VeinPort is the serial driver's port ("/dev/ttyUSB0", "COM3"); "" = no sensor.
	VeinPort string `json:"veinPort,omitempty"`
	// VeinDriverPath is the exec driver's executable, an absolute path. PUT /v1/config also
	// takes the name of an executable beside the bridge and saves its absolute path.
	VeinDriverPath string `json:"veinDriverPath,omitempty"`
	// VeinDriverArgs are the exec driver's arguments (a port, a device index); optional.
	VeinDriverArgs []string `json:"veinDriverArgs,omitempty"`
	// Scanners are the network scanners (eSCL / AirScan) by name and base URL
	// ("https://192.0.2.10/eSCL").
	Scanners []ScannerConfig `json:"scanners,omitempty"`
	// HotFolder is the folder a scanner drops files into; "" = none. Files are sealed to the
	// app's inbox key and removed from the folder.
	HotFolder string `json:"hotFolder,omitempty"`
	// Relay is the cloud relay the bridge syncs with (issue: cloud relay); empty = no sync.
	Relay *RelayConfig `json:"relay,omitempty"`
}

// ScannerConfig names one eSCL scanner.
type ScannerConfig struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	// CAPEM pins the scanner's self-signed certificate (PEM); empty = the system roots.
	CAPEM string `json:"caPem,omitempty"`
}

// RelayConfig is the enrolled relay: its URL and the CA its server certificate must chain to.
type RelayConfig struct {
	URL    string `json:"url"`
	CAPEM  string `json:"caPem"`
	Office string `json:"office,omitempty"` // set at enrolment
}

// Event is one entry of the bridge's event stream (GET /v1/events, Server-Sent Events with one
// JSON object per "data:" line). It never carries a PIN, a number, card data, an image or a key.
type Event struct {
	// Type is one of the Event* constants.
	Type string `json:"type"`
	At   string `json:"at"` // RFC 3339
	// Device names what the event is about: a reader name, "vein", a scanner name, "hotfolder", "sync".
	Device string `json:"device,omitempty"`
	// Message is a short English description for logs; the UI words its own text from Type.
	Message string `json:"message,omitempty"`
	// Retries is the PIN tries left (EventPINPrompt).
	Retries int `json:"retries,omitempty"`
	// Step and Steps count progress: vein captures, scanned pages, synced items.
	Step  int `json:"step,omitempty"`
	Steps int `json:"steps,omitempty"`
	// ID is an item id (an inbox page id, a sync item id).
	ID string `json:"id,omitempty"`
}

// Event types.
const (
	EventReaderAdded   = "reader_added"
	EventReaderRemoved = "reader_removed"
	EventCardInserted  = "card_inserted"
	EventCardRemoved   = "card_removed"
	EventPINPrompt     = "pin_prompt"    // an operation that needs a PIN started
	EventVeinPrompt    = "vein_prompt"   // place the hand on the sensor (Step of Steps captures)
	EventVeinDone      = "vein_done"     // the vein operation ended (Message: ok, no_match, cancelled, timeout, error)
	EventScanProgress  = "scan_progress" // Step pages scanned so far
	EventScanDone      = "scan_done"
	EventInboxPage     = "inbox_page" // the hot folder picked up a page; ID is its inbox id
	EventSyncProgress  = "sync_progress"
	EventDeviceState   = "device_state" // a DeviceState changed; Device names it
)

// DeviceState is one row of GET /v1/devices: the administrator's device panel.
type DeviceState struct {
	// Kind is "pcsc", "reader", "vein", "scanner", "hotfolder" or "sync".
	Kind string `json:"kind"`
	// Name identifies the device within its kind (reader name, scanner name, folder path…).
	Name string `json:"name"`
	// State is "ok", "busy", "absent", "disabled" or "error".
	State string `json:"state"`
	// Detail is a short English description of the state (model, serial, card present…).
	Detail      string `json:"detail,omitempty"`
	LastError   string `json:"lastError,omitempty"`
	LastErrorAt string `json:"lastErrorAt,omitempty"` // RFC 3339
}

// Error is the API's error body.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Retries is set with code "wrong_pin": the tries left.
	// Codes: forbidden, bad_request, bad_config, config_not_saved; card: no_service, no_reader, choose_reader,
	// no_card, wrong_pin, bad_pin_format, pin_locked, last_try, card_removed, not_mynumber_card,
	// card_in_use, integrity, unsupported, card_error; vein: no_sensor, timeout, cancelled,
	// unknown_template, duplicate, capture_mismatch, storage_full, sensor_error.
	Retries int `json:"retries,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Status is /v1/status.
type Status struct {
	Version   string   `json:"version"`
	PID       int      `json:"pid"`
	Started   string   `json:"started"`
	Readers   []string `json:"readers"`
	CardError string   `json:"cardError,omitempty"`
	Sessions  int      `json:"sessions"`
	// Config is the path of the bridge's settings file.
	Config string `json:"config"`
}

// SessionKey is the body of PUT and GET /v1/sessions/{vault}/{user}.
type SessionKey struct {
	Key     string `json:"key"`     // base64
	Expires string `json:"expires"` // RFC 3339; the bridge deletes the key then
}

// MaxSnapshotBytes bounds a replica snapshot handed to the bridge (the relay's default limit).
const MaxSnapshotBytes = 1 << 30

// ReplicaStatus is GET /v1/sync/replica.
type ReplicaStatus = relaysync.ReplicaStatus

// ReplicaRestoreCode is POST /v1/sync/replica/restore-code.
type ReplicaRestoreCode struct {
	Code    string    `json:"code"`
	Expires time.Time `json:"expires"`
}

// RelayAnchor is one audit anchor on the relay.
type RelayAnchor = relaysync.RelayAnchor

// Sync API bodies.
type (
	// SyncEnrolRequest is POST /v1/sync/enrol. The token is used once and never stored.
	SyncEnrolRequest struct {
		URL   string `json:"url"`
		CAPEM string `json:"caPem"`
		Token string `json:"token"`
	}
	// SyncStatus is GET /v1/sync/status.
	SyncStatus = relaysync.Status
	// SyncOutboxItem is one request for the relay (see relaysync.OutboxItem).
	SyncOutboxItem = relaysync.OutboxItem
	// SyncEnvelope is the content of an envelope to share.
	SyncEnvelope = relaysync.EnvelopeItem
	// SyncInboxItem describes one pulled submission.
	SyncInboxItem = relaysync.InboxItem
	// SyncResult counts what a round did.
	SyncResult = relaysync.Result
	// SyncOutboxRequest is POST /v1/sync/outbox.
	SyncOutboxRequest struct {
		Items []SyncOutboxItem `json:"items"`
	}
	// SyncBox is GET /v1/sync/inbox/{id}: the item and its sealed box (base64 in JSON).
	SyncBox struct {
		Item SyncInboxItem `json:"item"`
		Box  []byte        `json:"box"`
	}
)

const (
	// SharePartMax bounds one part of an envelope's ciphertext (PUT …/data).
	SharePartMax = 512 << 10
)

// Share API bodies (company sharing between installations, app/share).
type (
	// ShareIdentity is GET /v1/sync/share/identity: the enrolled office and the key id of the
	// envelope signing key.
	ShareIdentity struct {
		Office string `json:"office"`
		Sender []byte `json:"sender"`
	}
	// SharePublishRequest is PUT /v1/sync/share/key: the installation's P-256 point.
	SharePublishRequest struct {
		PublicKey []byte `json:"publicKey"`
	}
	// ShareOfficeKey is an office's directory entry.
	ShareOfficeKey = relaysync.OfficeKey
	// ShareCompanies is GET /v1/sync/share/companies.
	ShareCompanies struct {
		Companies []string `json:"companies"`
	}
	// ShareRegisterRequest is PUT /v1/sync/share/companies/{company}: PKIX DER of a P-256 key.
	ShareRegisterRequest struct {
		SubmissionKey []byte `json:"submissionKey"`
	}
	// ShareMemberRequest is POST /v1/sync/share/companies/{company}/members.
	ShareMemberRequest struct {
		Office string `json:"office"`
	}
	// SharePrepareRequest is POST /v1/sync/share/envelopes.
	SharePrepareRequest struct {
		Company string `json:"company"`
		Record  string `json:"record"`
	}
	// SharePrepared is the reserved header: seal the ciphertext with AAD as additional data.
	SharePrepared struct {
		Seq    uint64 `json:"seq"`
		Sender []byte `json:"sender"`
		AAD    []byte `json:"aad"`
	}
	// ShareSent is POST /v1/sync/share/envelopes/{seq}/send: the relay's id.
	ShareSent struct {
		ID int64 `json:"id"`
	}
	// ShareEnvelopes is GET /v1/sync/share/companies/{company}/envelopes.
	ShareEnvelopes struct {
		Items []relaysync.RelayEnvelope `json:"items"`
	}
)

// VeinInfo is GET /v1/vein: the sensor's identity and how many templates it holds.
type VeinInfo struct {
	Model     string `json:"model"`
	Serial    string `json:"serial"`
	Firmware  string `json:"firmware"`
	Templates int    `json:"templates"`
}

// VeinTemplate is the body of /v1/vein/verify and the answer of /v1/vein/enrol. TemplateID is
// the sensor's decimal id: not a secret, and meaningless on another sensor.
type VeinTemplate struct {
	TemplateID string `json:"templateId"`
}

// VeinMatch is the answer of /v1/vein/verify and /v1/vein/identify: TemplateID is the
// matching template, "" when none matched.
type VeinMatch struct {
	TemplateID string `json:"templateId"`
	Match      bool   `json:"match"`
}
