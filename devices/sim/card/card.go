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

// Default PINs of a virtual card. They are test values: never a real person's.
const (
	DefaultPIN     = "1234"      // 券面事項入力補助用暗証番号 (EF 0011)
	DefaultAuthPIN = "4321"      // 利用者証明用電子証明書の暗証番号 (JPKI EF 0018)
	DefaultSignPIN = "TESTSIGN1" // 署名用電子証明書のパスワード (JPKI EF 001B): 6–16 of A–Z and 0–9
)

// Maximum tries of the PINs (reference §1.4; OpenSC jpki.h JPKI_AUTH_PIN_MAX_TRIES 3,
// JPKI_SIGN_PIN_MAX_TRIES 5; the municipal leaflet "3回(署名用電子証明書は5回)").
const (
	MaxPINTries     = 3
	MaxAuthPINTries = 3
	MaxSignPINTries = 5
	// MaxPINABTries is the counter of 照合番号A and B (EF 0014, 0015). jpki/myna's
	// `pin status` reads both counters (so the card answers 63 Cx), but no public source
	// gives the maximum: 10 is a guess, and the only value here that is one.
	MaxPINABTries = 10
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

// EndOfFile says how READ BINARY answers when Le asks for more bytes than remain in the EF
// (reference §6: "READ BINARY beyond the end").
type EndOfFile int

const (
	// EOFShort9000 answers the bytes that remain with 90 00: what a real card does (READ
	// BINARY with Le=00 of EF 0001 gives its 17 bytes and 90 00 in the trace of
	// tex2e.github.io/blog/protocol/jpki-mynumbercard-with-apdu; jpki/myna reads 256 bytes of
	// the kenhojo EF 0005 and insists on 90 00). The default.
	EOFShort9000 EndOfFile = iota
	// EOF6282 answers the bytes that remain with 62 82 (end of file reached before Le
	// bytes, ISO/IEC 7816-4 §5.6), as some cards in the field do.
	EOF6282
	// EOF6Cxx answers 6C xx without data, xx being the bytes that remain (wrong Le).
	EOF6Cxx
)

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

	// SignPIN is the JPKI signing password (EF 001B), 6–16 characters of A–Z and 0–9,
	// default [DefaultSignPIN]; SignPINTries the tries left, 1..5, 0 meaning 5.
	SignPIN      string
	SignPINTries int

	// PINB is 照合番号B of the 券面事項入力補助AP (EF 0015): birth date YYMMDD, the
	// card's expiry year and its 4-digit security code, 14 characters. Default: YYMMDD of
	// Birth, then "2035" and "0000". 照合番号A (EF 0014) is the My Number itself.
	PINB string

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

	// Padding appends this many more FF bytes after the TLV in EF 0001 and EF 0002. EF
	// 0001 always ends with the two FF bytes of the real card (17 bytes in all) unless
	// ShortNumberEF is set.
	Padding int

	// ShortNumberEF makes EF 0001 the bare 15-byte TLV, without the real card's two
	// trailing FF bytes, as some cards in the field show.
	ShortNumberEF bool

	// EOF is how READ BINARY answers a Le beyond the end of the EF; default
	// [EOFShort9000], the real card's answer. An offset at or past the end answers 6B 00
	// in every variant.
	EOF EndOfFile

	// VerifiedSW9000 makes an empty VERIFY (00 20 00 80) answer 90 00 while the PIN is
	// verified, as ISO/IEC 7816-4 §11.5.6 allows. By default the card answers 63 Cx (the
	// tries left) whether or not the PIN is verified: OpenSC's JPKI driver asks for the
	// counter that way when it binds (pkcs15-jpki.c) and takes any SW1 but 63 for an error,
	// while OpenSC leaves the card unreset after a PKCS#11 login (disconnect_action =
	// leave), so a card answering 90 00 could not be bound again; it keeps the logged-in
	// state itself instead. No public trace shows the real card's answer (reference §1.4).
	VerifiedSW9000 bool

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

	authPIN, signPIN *pin // nil without JPKI
}

type app struct {
	aid   []byte
	files map[uint16]*file
}

// file is an EF: data, a PIN object, or a private key.
type file struct {
	data     []byte
	readPINs []*pin          // data needs one of these PINs verified; none: free read
	pin      *pin            // the EF is this PIN object
	key      *rsa.PrivateKey // the EF is a signing key, usable after keyPIN
	keyPIN   *pin
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
	if cfg.Keys.CA == nil || cfg.Keys.Auth == nil || cfg.Keys.Sign == nil || cfg.Keys.Text == nil {
		return nil, errors.New("simcard: Keys needs CA, Auth, Sign and Text")
	}
	for _, p := range []string{cfg.PIN, cfg.AuthPIN} {
		if len(p) != 4 {
			return nil, errors.New("simcard: PINs must have 4 characters")
		}
	}
	if !ValidSignPIN(cfg.SignPIN) {
		return nil, errors.New("simcard: the signing PIN must be 6–16 characters of A–Z and 0–9")
	}
	if len(cfg.PINB) != 14 {
		return nil, errors.New("simcard: 照合番号B must have 14 characters")
	}
	if cfg.PINTries < 0 || cfg.PINTries > MaxPINTries || cfg.AuthPINTries < 0 || cfg.AuthPINTries > MaxAuthPINTries ||
		cfg.SignPINTries < 0 || cfg.SignPINTries > MaxSignPINTries {
		return nil, errors.New("simcard: PIN tries out of range")
	}

	text, err := buildTextFiles(&cfg, cfg.Rand)
	if err != nil {
		return nil, err
	}
	cs, err := makeCerts(cfg.Keys, cfg.Rand, cfg.Now(), cfg.CertValidity,
		holder{name: cfg.Name, sex: string(cfg.Sex), birth: cfg.Birth, address: cfg.Address})
	if err != nil {
		return nil, err
	}
	c := &Card{cfg: cfg, certs: cs}
	if cfg.ForgeAuthSignature {
		c.forged = cfg.Keys.Text // any key but the certified one
	}

	// 券面事項入力補助AP (reference §1.1): the 4-digit PIN and 照合番号A/B each open EF
	// 0001–0003.
	textPIN := &pin{value: cfg.PIN, max: MaxPINTries, left: cfg.PINTries}
	pinA := &pin{value: cfg.Number, max: MaxPINABTries, left: MaxPINABTries}
	pinB := &pin{value: cfg.PINB, max: MaxPINABTries, left: MaxPINABTries}
	textPINs := []*pin{textPIN, pinA, pinB}
	kenhojo := &app{aid: aidKenhojo, files: map[uint16]*file{
		0x0001: {data: text.number, readPINs: textPINs},
		0x0002: {data: text.basic4, readPINs: textPINs},
		0x0003: {data: text.sigObj, readPINs: textPINs},
		0x0005: {data: text.apInfo},
		0x0011: {pin: textPIN},
		0x0014: {pin: pinA},
		0x0015: {pin: pinB},
	}}
	if !cfg.NoCertificate {
		kenhojo.files[0x0004] = &file{data: text.cert}
	}
	c.apps = append(c.apps, kenhojo, &app{aid: aidKenkaku, files: map[uint16]*file{}})
	c.pins = append(c.pins, textPIN, pinA, pinB)

	if !cfg.NoJPKI {
		// JPKI AP (reference §2.2; OpenSC jpki.h, pkcs15-jpki.c): the authentication side
		// (000A, 000B, 0017, 0018) and the signing side (0001, 0002, 001A, 001B).
		authPIN := &pin{value: cfg.AuthPIN, max: MaxAuthPINTries, left: cfg.AuthPINTries}
		signPIN := &pin{value: cfg.SignPIN, max: MaxSignPINTries, left: cfg.SignPINTries}
		token := []byte(fmt.Sprintf("%-32s", cfg.Token))
		c.apps = append(c.apps, &app{aid: aidJPKI, files: map[uint16]*file{
			0x0001: {data: cs.signDER, readPINs: []*pin{signPIN}},
			0x0002: {data: cs.signCADER},
			0x0006: {data: token},
			0x000A: {data: cs.authDER},
			0x000B: {data: cs.caDER},
			0x0017: {key: cfg.Keys.Auth, keyPIN: authPIN},
			0x0018: {pin: authPIN},
			0x001A: {key: cfg.Keys.Sign, keyPIN: signPIN},
			0x001B: {pin: signPIN},
		}})
		c.pins = append(c.pins, authPIN, signPIN)
		c.authPIN, c.signPIN = authPIN, signPIN
	}
	return c, nil
}

// ValidSignPIN reports whether p has the form of a JPKI signing password: 6 to 16
// characters, each an upper-case letter A–Z or a digit.
func ValidSignPIN(p string) bool {
	if len(p) < 6 || len(p) > 16 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if !(p[i] >= 'A' && p[i] <= 'Z' || p[i] >= '0' && p[i] <= '9') {
			return false
		}
	}
	return true
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
	def(&cfg.SignPIN, DefaultSignPIN)
	def(&cfg.Token, "JPKIAPICCTOKEN2")
	if cfg.PINB == "" {
		yymmdd := "850401"
		if len(cfg.Birth) == 8 {
			yymmdd = cfg.Birth[2:]
		}
		cfg.PINB = yymmdd + "2035" + "0000"
	}
	if cfg.Sex == 0 {
		cfg.Sex = '2'
	}
	if cfg.PINTries == 0 {
		cfg.PINTries = MaxPINTries
	}
	if cfg.AuthPINTries == 0 {
		cfg.AuthPINTries = MaxAuthPINTries
	}
	if cfg.SignPINTries == 0 {
		cfg.SignPINTries = MaxSignPINTries
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
	return c.pins[0].left // EF 0011
}

// AuthPINTries returns the tries left of the JPKI authentication PIN (0 without JPKI).
func (c *Card) AuthPINTries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.authPIN == nil {
		return 0
	}
	return c.authPIN.left
}

// SignPINTries returns the tries left of the JPKI signing password (0 without JPKI).
func (c *Card) SignPINTries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.signPIN == nil {
		return 0
	}
	return c.signPIN.left
}

// APDUs returns the number of command APDUs the card has received.
func (c *Card) APDUs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.apdus
}

// CACertificate returns the test CA certificate that issued the authentication certificate
// (JPKI EF 000B): the trust anchor a verifier of this card's JPKI signatures needs.
func (c *Card) CACertificate() *x509.Certificate { return c.certs.ca }

// AuthCertificate returns the JPKI authentication certificate stored in EF 000A.
func (c *Card) AuthCertificate() *x509.Certificate { return c.certs.auth }

// SignCACertificate returns the test CA certificate that issued the signing certificate
// (JPKI EF 0002).
func (c *Card) SignCACertificate() *x509.Certificate { return c.certs.signCA }

// SignCertificate returns the JPKI signing certificate stored in EF 0001 (readable after
// the signing password).
func (c *Card) SignCertificate() *x509.Certificate { return c.certs.sign }

// Config returns the card's configuration with defaults filled in.
func (c *Card) Config() Config { return c.cfg }
