package card

import (
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// Tags of the 券面事項入力補助AP's files (reference §1.1, §1.3; the files are the card
// generation's, see [Layout]).
const (
	tagMyNumberFF Tag = 0xFF10
	tagMyNumberDF Tag = 0xDF10 // not seen, but one source's reading allows it
	tagBasic4     Tag = 0xFF20
	tagName       Tag = 0xDF22
	tagAddress    Tag = 0xDF23
	tagBirth      Tag = 0xDF24
	tagSex        Tag = 0xDF25
)

// Upper bounds on what this package reads from an EF, so that a broken or hostile card
// cannot make it allocate much.
const (
	limitNumber = 64
	limitBasic4 = 4096
	limitSigObj = 1024
	limitCert   = 8192
)

// Maximum tries of the PINs (reference §1.4).
const (
	KenhojoPINMaxTries = 3 // 券面事項入力補助用暗証番号
	AuthPINMaxTries    = 3 // 利用者証明用電子証明書の暗証番号
)

// Options tunes the operations that use a PIN. The zero value is the safe default.
type Options struct {
	// AllowLastTry lets a PIN be sent when the card has one try left. Leave it false until
	// the user has seen the warning and confirmed; without it such a call returns
	// [ErrLastTry] and sends nothing.
	AllowLastTry bool

	// Digest chooses which bytes the EF 0003 digests are expected to cover. The default,
	// DigestAuto, accepts either variant and reports which matched in [Integrity].
	Digest DigestMode
}

// Kenhojo is what the 券面事項入力補助AP holds: the My Number and the basic four facts (基本4情報)
// as printed on the card.
type Kenhojo struct {
	// Number is the 個人番号. It prints masked; see [Number.Reveal].
	Number Number

	// Name (氏名) and Address (住所) are the card's text, valid UTF-8 without control
	// characters, unchanged otherwise.
	Name, Address string

	// Birth (生年月日) is the date at 00:00 UTC.
	Birth time.Time

	// Sex (性別) is an ISO 5218 code.
	Sex Sex

	// Integrity says how the data was checked against the card's own digests and
	// signature.
	Integrity Integrity
}

// PINRetries returns how many tries the 券面事項入力補助AP PIN has left, without using one, so
// that the UI can show it before asking for the PIN. A locked PIN gives an error wrapping
// [ErrPINLocked]; a card without the AP gives [ErrNotMyNumberCard].
func PINRetries(t Transport) (int, error) {
	return retries(t, func() ([]byte, uint16, error) {
		k, err := kenhojoOf(t)
		if err != nil {
			return nil, 0, err
		}
		return k.AID, k.PIN, nil
	})
}

// retries reads a PIN's counter in its own transaction; which is the card generation's (which
// is asked inside the transaction).
func retries(t Transport, which func() (aid []byte, pinEF uint16, err error)) (int, error) {
	if err := t.Begin(); err != nil {
		return 0, err
	}
	defer t.End(false)
	aid, pinEF, err := which()
	if err != nil {
		return 0, err
	}
	n, err := selectPIN(t, aid, pinEF)
	if errors.Is(err, errVerified) {
		n, err = reselectPIN(t, aid, pinEF)
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// reselectPIN handles a card that says the PIN is already verified (90 00: another program
// verified it and left the card so): it resets the card to drop that state rather than trust
// it, and reads the real counter.
func reselectPIN(t Transport, aid []byte, pinEF uint16) (int, error) {
	if err := t.End(true); err != nil {
		return 0, err
	}
	if err := t.Begin(); err != nil {
		return 0, err
	}
	return selectPIN(t, aid, pinEF)
}

// selectPIN selects the application and its PIN EF and returns the tries left.
func selectPIN(t Transport, aid []byte, pinEF uint16) (int, error) {
	if err := selectDF(t, aid); err != nil {
		if errors.Is(err, ErrNotFound) {
			return 0, fmt.Errorf("%w: %w", ErrNotMyNumberCard, err)
		}
		return 0, fmt.Errorf("selecting application: %w", err)
	}
	if err := selectEF(t, pinEF); err != nil {
		return 0, err
	}
	n, err := pinState(t)
	if err != nil && !errors.Is(err, errVerified) {
		return 0, fmt.Errorf("reading PIN tries: %w", err)
	}
	return n, err
}

// unlock selects the application and verifies pin inside a transaction the caller holds:
// it checks the counter first, so a locked PIN is never tried and the last try is used only
// with o.AllowLastTry.
func unlock(t Transport, aid []byte, pinEF uint16, pin string, o *Options) error {
	n, err := selectPIN(t, aid, pinEF)
	if errors.Is(err, errVerified) {
		n, err = reselectPIN(t, aid, pinEF)
	}
	if err != nil {
		return err
	}
	if n == 1 && !o.AllowLastTry {
		return ErrLastTry
	}
	if err := verifyPIN(t, pin); err != nil {
		return fmt.Errorf("verifying PIN: %w", err)
	}
	return nil
}

// ReadKenhojo reads the My Number and the basic four facts with the 4-digit 券面事項入力補助
// PIN, using the default [Options]. See [ReadKenhojoWith].
func ReadKenhojo(t Transport, pin string) (*Kenhojo, error) {
	return ReadKenhojoWith(t, pin, nil)
}

// ReadKenhojoWith reads the My Number (EF 0001) and the basic four facts (EF 0002) from the
// 券面事項入力補助AP with the 4-digit PIN, and checks them against the card's digests (EF 0003)
// and, when the card has EF 0004, the signature over those digests (see [Integrity]).
//
// In one transaction it selects the AP, reads the PIN counter (a locked PIN is not tried; a
// PIN with one try left is tried only with o.AllowLastTry), verifies the PIN once, reads the
// files, and resets the card so that the PIN's verified state does not outlive the call.
// It never retries a PIN by itself.
//
// Errors: [*WrongPINError] (unwraps to [ErrWrongPIN]) with the tries left, [ErrPINLocked],
// [ErrLastTry], [ErrPINFormat], [ErrNotMyNumberCard], [ErrCardRemoved] (nothing read is
// returned), [*FieldError] for unusable fields, [ErrIntegrity] and [ErrSignature] when the
// data does not match the card's checks. o may be nil for the defaults.
func ReadKenhojoWith(t Transport, pin string, o *Options) (k *Kenhojo, err error) {
	if o == nil {
		o = &Options{}
	}
	if err := checkPIN(pin); err != nil {
		return nil, err
	}
	if err := t.Begin(); err != nil {
		return nil, err
	}
	defer func() {
		// Reset even after an error: the PIN may have been verified. Failing to reset
		// fails the read, since the card would stay open to the next program.
		if endErr := t.End(true); endErr != nil && err == nil {
			k, err = nil, fmt.Errorf("resetting card after PIN use: %w", endErr)
		}
	}()
	files, err := kenhojoOf(t)
	if err != nil {
		return nil, err
	}
	if err := unlock(t, files.AID, files.PIN, pin, o); err != nil {
		return nil, err
	}
	ef1, err := readNumberEF(t, files.Number)
	if err != nil {
		return nil, err
	}
	defer clear(ef1)
	ef2, err := readEF(t, files.Basic4, limitBasic4)
	if err != nil {
		return nil, err
	}
	defer clear(ef2)
	ef3, err := readEF(t, files.Digests, limitSigObj)
	if err != nil {
		return nil, err
	}
	var ef4 []byte
	if files.TextCert != 0 {
		ef4, err = readEF(t, files.TextCert, limitCert)
		if errors.Is(err, ErrNotFound) {
			ef4, err = nil, nil
		}
	}
	if err != nil {
		return nil, err
	}

	k, err = parseKenhojo(ef1, ef2)
	if err != nil {
		return nil, err
	}
	k.Integrity, err = checkIntegrity(ef1, ef2, ef3, ef4, o.Digest)
	if err != nil {
		return nil, err
	}
	return k, nil
}

// numberEFRead is what one READ BINARY asks of EF 0001: the 17 bytes of the real card, the
// 15-byte TLV and FF FF (jpki/myna reads 17; reference §1.3).
const numberEFRead = 17

// readNumberEF selects and reads EF 0001 with one READ BINARY of 17 bytes and returns its
// first TLV (FF 10 0C + 12 digits). The real card answers 17 bytes and 90 00; cards in the
// field hold only the 15-byte TLV and answer 15 bytes with 62 82 (end of file reached), or
// 6C 0F (readBinary asks again with Le=0F), or 15 bytes with 90 00; all are read alike. A
// card that answers otherwise, or not the whole TLV, is read the long way (readFile).
func readNumberEF(t Transport, efMyNumber uint16) ([]byte, error) {
	if err := selectEF(t, efMyNumber); err != nil {
		return nil, err
	}
	b, _, err := readBinary(t, 0, numberEFRead)
	if err == nil {
		if _, h, n, herr := parseHeader(b); herr == nil && h+n <= len(b) {
			tlv := slices.Clone(b[: h+n : h+n])
			clear(b)
			return tlv, nil
		}
		clear(b)
	}
	var se *StatusError
	if err != nil && (!errors.As(err, &se) || !errors.Is(err, ErrUnsupported)) {
		// Not "wrong length" or the like: a PIN or removal error is final.
		return nil, fmt.Errorf("reading EF %04X: %w", efMyNumber, err)
	}
	b, err = readFile(t, limitNumber)
	if err != nil {
		return nil, fmt.Errorf("reading EF %04X: %w", efMyNumber, err)
	}
	return b, nil
}

// parseKenhojo decodes EF 0001 (FF 10 0C + 12 ASCII digits) and EF 0002 (FF 20 { DF21
// header, DF22 name, DF23 address, DF24 birth, DF25 sex }), reference §1.3.
func parseKenhojo(ef1, ef2 []byte) (*Kenhojo, error) {
	num, _, err := ParseTLV(ef1)
	if err != nil || (num.Tag != tagMyNumberFF && num.Tag != tagMyNumberDF) {
		return nil, &FieldError{Field: "number", Err: ErrMalformed}
	}
	if len(num.Value) != mynumber.IndividualLen {
		return nil, &FieldError{Field: "number", Err: ErrMalformed}
	}
	for _, c := range num.Value {
		if c < '0' || c > '9' {
			return nil, &FieldError{Field: "number", Err: ErrMalformed}
		}
	}
	digits, err := mynumber.ValidateIndividual(string(num.Value))
	if err != nil {
		// ValidationError never holds a digit; the check digit is wrong.
		return nil, &FieldError{Field: "number", Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
	}
	k := &Kenhojo{Number: newNumber(digits)}

	b4, _, err := ParseTLV(ef2)
	if err != nil {
		return nil, fmt.Errorf("EF 0002: %w", err)
	}
	if b4.Tag != tagBasic4 {
		return nil, fmt.Errorf("EF 0002: %w: tag %v, want FF20", ErrMalformed, b4.Tag)
	}
	fields, err := b4.Children()
	if err != nil {
		return nil, fmt.Errorf("EF 0002: %w", err)
	}
	get := func(tag Tag, name string) ([]byte, error) {
		f, ok := Find(fields, tag)
		if !ok {
			return nil, &FieldError{Field: name, Err: fmt.Errorf("%w: %v missing", ErrMalformed, tag)}
		}
		return f.Value, nil
	}
	for _, f := range []struct {
		tag  Tag
		name string
		dst  *string
	}{{tagName, "name", &k.Name}, {tagAddress, "address", &k.Address}} {
		v, err := get(f.tag, f.name)
		if err != nil {
			return nil, err
		}
		if *f.dst, err = text(v, f.name); err != nil {
			return nil, err
		}
	}
	v, err := get(tagBirth, "birth")
	if err != nil {
		return nil, err
	}
	if k.Birth, err = parseBirth(v); err != nil {
		return nil, err
	}
	if v, err = get(tagSex, "sex"); err != nil {
		return nil, err
	}
	if k.Sex, err = parseSex(v); err != nil {
		return nil, err
	}
	return k, nil
}

// text checks that v is UTF-8 without control characters and returns it as a string.
func text(v []byte, field string) (string, error) {
	if len(v) == 0 || !utf8.Valid(v) {
		return "", &FieldError{Field: field, Err: ErrInvalidText}
	}
	s := string(v)
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", &FieldError{Field: field, Err: ErrInvalidText}
		}
	}
	return s, nil
}
