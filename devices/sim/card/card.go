package simcard

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// TestNumber is the default My Number of a virtual card: it passes the check digit and is
// obviously fake.
const TestNumber = "123456789018"

// Default PINs of a virtual card.
const (
	DefaultPIN     = "1234" // 券面事項入力補助用暗証番号 (EF 0011)
	DefaultAuthPIN = "4321" // 利用者証明用電子証明書の暗証番号 (JPKI EF 0018)
)

// Maximum tries of the PINs (reference §1.4).
const (
	MaxPINTries     = 3
	MaxAuthPINTries = 3
)

// Status words the virtual card can answer when a PIN is locked (reference §1.4: the real
// card's choice is unknown).
const (
	LockedSW63C0 uint16 = 0x63C0 // "verification failed, 0 tries left"
	LockedSW6983 uint16 = 0x6983 // "authentication method blocked"
	LockedSW6984 uint16 = 0x6984 // "reference data not usable"
)

// ATR is the answer-to-reset of the real contact My Number card (OpenSC's match table), which
// the virtual card also sends: 3B E0 00 FF 81 31 FE 45 14.
var ATR = []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}

// ErrPulled is returned by [Card.Transmit] once the card has been pulled out of the reader.
var ErrPulled = errors.New("simcard: card pulled")

// DigestVariant says which bytes the EF 0003 digests cover (reference §1.6: unknown for the
// real card).
type DigestVariant int

const (
	// WholeTLV digests the whole TLV of EF 0001 and of EF 0002 (tag, length and value).
	WholeTLV DigestVariant = iota
	// ValueOnly digests only the value of each container TLV.
	ValueOnly
)

// SignedMessage says which bytes the EF 0003 signature (DF33) covers.
type SignedMessage int

const (
	// SignTLVs signs DF31 ‖ DF32 as TLVs (tag, length, digest).
	SignTLVs SignedMessage = iota
	// SignValues signs the two 32-byte digests only.
	SignValues
)

// Config describes a virtual card. The zero value of every field means the documented
// default, so Config{Keys: keys} is a complete, valid test card.
type Config struct {
	// Number is the 12-digit My Number in EF 0001. Default [TestNumber]. It is not
	// validated: a card with a wrong check digit is a legitimate test case.
	Number string

	// Name (DF22), Address (DF23) are UTF-8 text; defaults are fake names marked テスト.
	// Long values get long-form BER lengths (81 LL, 82 LL LL), as on the real card.
	Name, Address string

	// RawName, when not nil, replaces the bytes of DF22 (for example invalid UTF-8).
	RawName []byte

	// Birth is the text of DF24, default "19850401" (YYYYMMDD).
	Birth string

	// Sex is DF25, an ISO 5218 code: '1' male, '2' female, '9' not applicable, '0' not
	// known. Default '2'.
	Sex byte

	// PIN is the 4-digit PIN of the 券面事項入力補助AP, default [DefaultPIN]. PINTries is
	// the tries left when the card is made, 1..3; 0 means 3.
	PIN      string
	PINTries int

	// AuthPIN is the 4-digit JPKI user-authentication PIN, default [DefaultAuthPIN];
	// AuthPINTries as PINTries.
	AuthPIN      string
	AuthPINTries int

	// LockedSW is the status word of VERIFY on a locked PIN: [LockedSW63C0] (default),
	// [LockedSW6983] or [LockedSW6984]. The wrong try that uses up the last one always
	// answers 63C0.
	LockedSW uint16

	// Digest and Signed choose how EF 0003 is built (see [DigestVariant], [SignedMessage]).
	Digest DigestVariant
	Signed SignedMessage

	// CorruptDigest flips a bit of the EF 0002 digest in EF 0003; CorruptSignature flips a
	// bit of the DF33 signature. NoCertificate leaves EF 0004 out (SELECT answers 6A82).
	CorruptDigest, CorruptSignature, NoCertificate bool

	// Padding appends this many FF bytes after the TLV in EF 0001 and EF 0002.
	Padding int

	// Token is the text of JPKI EF 0006 (space-padded to 32 bytes), default
	// "JPKIAPICCTOKEN2"; "JPKIAPICCTOKEN" makes an old 住基カード. NoJPKI leaves the JPKI AP
	// out entirely (SELECT answers 6A82), like a card that is not a My Number card.
	Token  string
	NoJPKI bool

	// ForgeAuthSignature makes COMPUTE DIGITAL SIGNATURE sign with a key other than the one
	// certified in EF 000A, like a clone with a copied certificate.
	ForgeAuthSignature bool

	// UID is the answer to GET DATA UID (FF CA 00 00 00), default 04 53 49 4D.
	UID []byte

	// PullAfter, when > 0, pulls the card out of the reader when APDU number PullAfter+1
	// arrives: that APDU gets no answer (over vpcd the connection is closed; in process
	// Transmit returns ErrPulled).
	PullAfter int

	// Keys are the card's test keys; nil generates a fresh set (slow: see [Keys]).
	Keys *Keys

	// CertValidity is how long the test certificates are valid from now, default five years.
	CertValidity time.Duration

	// Now is the clock for certificate dates, default time.Now. Rand is the randomness for
	// keys, serials and signatures, default crypto/rand.
	Now  func() time.Time
	Rand io.Reader
}

// Card is a virtual My Number card. It is safe for concurrent use; APDUs are processed one at
// a time.
type Card struct {
	mu     sync.Mutex
	cfg    Config
	certs  *certs
	apps   []*app
	cur    *app  // selected DF, nil after reset
	curEF  *file // selected EF, nil after reset or SELECT DF
	apdus  int   // APDUs received since New
	pulled bool
	pins   []*pin
	forged *rsa.PrivateKey
}

type app struct {
	aid   []byte
	files map[uint16]*file
}

// file is an EF: data, a PIN object, or a private key.
type file struct {
	data    []byte
	readPIN *pin            // data needs this PIN verified; nil: free read
	pin     *pin            // the EF is this PIN object
	key     *rsa.PrivateKey // the EF is a signing key, usable after keyPIN
	keyPIN  *pin
}

type pin struct {
	value    string
	max      int
	left     int
	verified bool
}

// New makes a virtual card from cfg, filling in defaults. It generates keys when cfg.Keys is
// nil.
func New(cfg Config) (*Card, error) {
	setDefaults(&cfg)
	if cfg.Keys == nil {
		k, err := GenerateKeys(cfg.Rand)
		if err != nil {
			return nil, err
		}
		cfg.Keys = k
	}
	if cfg.Keys.CA == nil || cfg.Keys.Auth == nil || cfg.Keys.Text == nil {
		return nil, errors.New("simcard: Keys needs CA, Auth and Text")
	}
	for _, p := range []string{cfg.PIN, cfg.AuthPIN} {
		if len(p) != 4 {
			return nil, errors.New("simcard: PINs must have 4 characters")
		}
	}
	if cfg.PINTries < 0 || cfg.PINTries > MaxPINTries || cfg.AuthPINTries < 0 || cfg.AuthPINTries > MaxAuthPINTries {
		return nil, errors.New("simcard: PIN tries out of range")
	}

	text, err := buildTextFiles(&cfg, cfg.Rand)
	if err != nil {
		return nil, err
	}
	cs, err := makeCerts(cfg.Keys, cfg.Rand, cfg.Now(), cfg.CertValidity)
	if err != nil {
		return nil, err
	}
	c := &Card{cfg: cfg, certs: cs}
	if cfg.ForgeAuthSignature {
		c.forged = cfg.Keys.Text // any key but the certified one
	}

	textPIN := &pin{value: cfg.PIN, max: MaxPINTries, left: cfg.PINTries}
	kenhojo := &app{aid: aidKenhojo, files: map[uint16]*file{
		0x0001: {data: text.number, readPIN: textPIN},
		0x0002: {data: text.basic4, readPIN: textPIN},
		0x0003: {data: text.sigObj, readPIN: textPIN},
		0x0005: {data: text.apInfo},
		0x0011: {pin: textPIN},
	}}
	if !cfg.NoCertificate {
		kenhojo.files[0x0004] = &file{data: text.cert}
	}
	c.apps = append(c.apps, kenhojo, &app{aid: aidKenkaku, files: map[uint16]*file{}})
	c.pins = append(c.pins, textPIN)

	if !cfg.NoJPKI {
		authPIN := &pin{value: cfg.AuthPIN, max: MaxAuthPINTries, left: cfg.AuthPINTries}
		token := []byte(fmt.Sprintf("%-32s", cfg.Token))
		c.apps = append(c.apps, &app{aid: aidJPKI, files: map[uint16]*file{
			0x0006: {data: token},
			0x000A: {data: cs.authDER},
			0x000B: {data: cs.caDER},
			0x0017: {key: cfg.Keys.Auth, keyPIN: authPIN},
			0x0018: {pin: authPIN},
		}})
		c.pins = append(c.pins, authPIN)
	}
	return c, nil
}

func setDefaults(cfg *Config) {
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&cfg.Number, TestNumber)
	def(&cfg.Name, "番号 花子（テスト）")
	def(&cfg.Address, "東京都千代田区霞が関テスト町一丁目1番1号（架空）")
	def(&cfg.Birth, "19850401")
	def(&cfg.PIN, DefaultPIN)
	def(&cfg.AuthPIN, DefaultAuthPIN)
	def(&cfg.Token, "JPKIAPICCTOKEN2")
	if cfg.Sex == 0 {
		cfg.Sex = '2'
	}
	if cfg.PINTries == 0 {
		cfg.PINTries = MaxPINTries
	}
	if cfg.AuthPINTries == 0 {
		cfg.AuthPINTries = MaxAuthPINTries
	}
	if cfg.LockedSW == 0 {
		cfg.LockedSW = LockedSW63C0
	}
	if cfg.UID == nil {
		cfg.UID = []byte{0x04, 0x53, 0x49, 0x4D}
	}
	if cfg.CertValidity == 0 {
		cfg.CertValidity = 5 * 365 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Rand = randOrDefault(cfg.Rand)
}

// ATR returns the card's answer-to-reset ([ATR]).
func (c *Card) ATR() []byte { return append([]byte(nil), ATR...) }

// Transmit processes one command APDU and returns the response APDU (data ‖ SW1 SW2). After
// the card is pulled (see [Config.PullAfter], [Card.Pull]) it returns [ErrPulled].
func (c *Card) Transmit(cmd []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pulled {
		return nil, ErrPulled
	}
	c.apdus++
	if c.cfg.PullAfter > 0 && c.apdus > c.cfg.PullAfter {
		c.pulled = true
		c.resetLocked()
		return nil, ErrPulled
	}
	return c.process(cmd), nil
}

// Reset is a warm reset or power cycle: no DF is selected and every PIN's verified state is
// dropped. The retry counters are kept.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetLocked()
}

func (c *Card) resetLocked() {
	c.cur, c.curEF = nil, nil
	for _, p := range c.pins {
		p.verified = false
	}
}

// Pull takes the card out of the reader for in-process use: every later Transmit returns
// [ErrPulled]. Over vpcd, use [Slot.Pull].
func (c *Card) Pull() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pulled = true
	c.resetLocked()
}

// Pulled reports whether the card has been pulled.
func (c *Card) Pulled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pulled
}

// PINTries returns the tries left of the 券面事項入力補助AP PIN.
func (c *Card) PINTries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pins[0].left
}

// AuthPINTries returns the tries left of the JPKI authentication PIN (0 without JPKI).
func (c *Card) AuthPINTries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pins) < 2 {
		return 0
	}
	return c.pins[1].left
}

// APDUs returns the number of command APDUs the card has received.
func (c *Card) APDUs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.apdus
}

// CACertificate returns the test CA certificate that issued the authentication certificate:
// the trust anchor a verifier of this card's JPKI signatures needs.
func (c *Card) CACertificate() *x509.Certificate { return c.certs.ca }

// AuthCertificate returns the JPKI authentication certificate stored in EF 000A.
func (c *Card) AuthCertificate() *x509.Certificate { return c.certs.auth }

// Config returns the card's configuration with defaults filled in.
func (c *Card) Config() Config { return c.cfg }
