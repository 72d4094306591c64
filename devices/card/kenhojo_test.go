package card

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

func TestReadKenhojo(t *testing.T) {
	sim := newSim(t, simcard.Config{})
	tr := inProcess(sim)
	k, err := ReadKenhojo(tr, testPIN)
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.Config()
	if k.Number.Reveal() != testNumber {
		t.Errorf("number does not match the card's (masked: %v)", k.Number)
	}
	if k.Name != cfg.Name || k.Address != cfg.Address {
		t.Errorf("name/address = %q / %q, want %q / %q", k.Name, k.Address, cfg.Name, cfg.Address)
	}
	if want := time.Date(1985, 4, 1, 0, 0, 0, 0, time.UTC); !k.Birth.Equal(want) {
		t.Errorf("birth = %v, want %v", k.Birth, want)
	}
	if k.Sex != SexFemale || k.Sex.Japanese() != "女" {
		t.Errorf("sex = %v", k.Sex)
	}
	if k.Integrity != (Integrity{Digest: DigestWholeTLV, Signature: SignatureOverTLVs}) {
		t.Errorf("integrity = %+v", k.Integrity)
	}
	// The counter is read before the PIN is sent, once; the card is reset afterwards.
	if got := tr.verifies(); !slices.Equal(got, []string{"empty", "pin"}) {
		t.Errorf("VERIFY sequence = %v, want [empty pin]", got)
	}
	if tr.resets != 1 {
		t.Errorf("card reset %d times, want 1", tr.resets)
	}
	if _, err := readProtected(tr); !errors.Is(err, ErrSecurityStatus) {
		t.Errorf("EF 0001 readable after ReadKenhojo returned: %v", err)
	}
}

// readProtected tries to read EF 0001 without a PIN.
func readProtected(t Transport) ([]byte, error) {
	if err := selectDF(t, Gen1.Kenhojo.AID); err != nil {
		return nil, err
	}
	return readEF(t, Gen1.Kenhojo.Number, limitNumber)
}

func TestReadKenhojoVariants(t *testing.T) {
	long := strings.Repeat("長", 90)      // 270 bytes: 82 01 0E
	longAddr := strings.Repeat("所", 200) // 600 bytes: EF 0002 over two chunks
	tests := []struct {
		name    string
		cfg     simcard.Config
		opts    Options
		want    Integrity
		wantErr error
	}{
		{"default", simcard.Config{}, Options{}, Integrity{DigestWholeTLV, SignatureOverTLVs}, nil},
		{"value digests", simcard.Config{Digest: simcard.ValueOnly}, Options{}, Integrity{DigestValueOnly, SignatureOverTLVs}, nil},
		{"signed values", simcard.Config{Signed: simcard.SignValues}, Options{}, Integrity{DigestWholeTLV, SignatureOverValues}, nil},
		{"no EF 0004", simcard.Config{NoCertificate: true}, Options{}, Integrity{DigestWholeTLV, SignatureNotChecked}, nil},
		{"fixed mode matches", simcard.Config{Digest: simcard.ValueOnly}, Options{Digest: DigestValueOnly}, Integrity{DigestValueOnly, SignatureOverTLVs}, nil},
		{"fixed mode differs", simcard.Config{Digest: simcard.ValueOnly}, Options{Digest: DigestWholeTLV}, Integrity{}, ErrIntegrity},
		{"corrupt digest", simcard.Config{CorruptDigest: true}, Options{}, Integrity{}, ErrIntegrity},
		{"corrupt signature", simcard.Config{CorruptSignature: true}, Options{}, Integrity{}, ErrSignature},
		{"long name and address", simcard.Config{Name: long, Address: longAddr}, Options{}, Integrity{DigestWholeTLV, SignatureOverTLVs}, nil},
		{"padding after TLVs", simcard.Config{Padding: 40}, Options{}, Integrity{DigestWholeTLV, SignatureOverTLVs}, nil},
		{"era birth date", simcard.Config{Birth: "H01.01.08"}, Options{}, Integrity{DigestWholeTLV, SignatureOverTLVs}, nil},
		{"garbage name", simcard.Config{RawName: []byte{0xE9, 0x95, 0xFF, 0xC0, 0x80}}, Options{}, Integrity{}, ErrInvalidText},
		{"control character", simcard.Config{Name: "番号\n花子"}, Options{}, Integrity{}, ErrInvalidText},
		{"bad check digit", simcard.Config{Number: "123456789012"}, Options{}, Integrity{}, ErrMalformed},
		{"bad sex", simcard.Config{Sex: 'X'}, Options{}, Integrity{}, ErrMalformed},
		{"bad birth", simcard.Config{Birth: "19850231"}, Options{}, Integrity{}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := newSim(t, tt.cfg)
			k, err := ReadKenhojoWith(inProcess(sim), testPIN, &tt.opts)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || k != nil {
					t.Fatalf("got %v, %v; want nil, %v", k, err, tt.wantErr)
				}
				assertSafeError(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Integrity != tt.want {
				t.Errorf("integrity = %+v, want %+v", k.Integrity, tt.want)
			}
			cfg := sim.Config()
			if k.Name != cfg.Name || k.Address != cfg.Address {
				t.Errorf("name/address differ from the card's")
			}
		})
	}
}

// assertSafeError fails when err's message could leak a number or a PIN.
func assertSafeError(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	if _, found := mynumber.ContainsValidIndividual([]byte(msg)); found ||
		strings.Contains(msg, "123456789") || strings.Contains(msg, testPIN) || strings.Contains(msg, testAuthPIN) {
		t.Errorf("error message leaks card data or a PIN")
	}
}

func TestFieldErrors(t *testing.T) {
	_, err := ReadKenhojo(inProcess(newSim(t, simcard.Config{RawName: []byte{0xFF, 0xFE}})), testPIN)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "name" {
		t.Fatalf("got %v, want a FieldError for the name", err)
	}
	_, err = ReadKenhojo(inProcess(newSim(t, simcard.Config{Number: "123456789012"})), testPIN)
	if !errors.As(err, &fe) || fe.Field != "number" {
		t.Fatalf("got %v, want a FieldError for the number", err)
	}
	assertSafeError(t, err)
}

// TestPINFlow walks a PIN from 3 tries to locked: tries are reported before any VERIFY,
// never retried, the last one needs AllowLastTry, and a locked PIN is never sent.
func TestPINFlow(t *testing.T) {
	sim := newSim(t, simcard.Config{})
	tr := inProcess(sim)
	retriesAre := func(want int) {
		t.Helper()
		n, err := PINRetries(tr)
		if err != nil || n != want {
			t.Fatalf("PINRetries = %d, %v; want %d", n, err, want)
		}
	}
	retriesAre(3)
	_, err := ReadKenhojo(tr, wrongPIN)
	var wp *WrongPINError
	if !errors.As(err, &wp) || wp.Retries != 2 || !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("wrong PIN: %v, want WrongPINError{2}", err)
	}
	assertSafeError(t, err)
	retriesAre(2)
	if sim.PINTries() != 2 {
		t.Fatalf("card counter %d, want 2 (no automatic retry)", sim.PINTries())
	}
	if _, err := ReadKenhojo(tr, wrongPIN); !errors.As(err, &wp) || wp.Retries != 1 {
		t.Fatalf("second wrong PIN: %v", err)
	}
	retriesAre(1)

	tr.log = nil
	if _, err := ReadKenhojo(tr, testPIN); !errors.Is(err, ErrLastTry) {
		t.Fatalf("last try without AllowLastTry: %v, want ErrLastTry", err)
	}
	if slices.Contains(tr.verifies(), "pin") || sim.PINTries() != 1 {
		t.Fatal("a PIN was sent to a counter at 1 without AllowLastTry")
	}
	if _, err := ReadKenhojoWith(tr, wrongPIN, &Options{AllowLastTry: true}); !errors.Is(err, ErrPINLocked) {
		t.Fatalf("last wrong PIN: %v, want ErrPINLocked", err)
	}
	if _, err := PINRetries(tr); !errors.Is(err, ErrPINLocked) {
		t.Fatalf("PINRetries after lock: %v", err)
	}
	tr.log = nil
	if _, err := ReadKenhojoWith(tr, testPIN, &Options{AllowLastTry: true}); !errors.Is(err, ErrPINLocked) {
		t.Fatalf("right PIN on a locked card: %v", err)
	}
	if slices.Contains(tr.verifies(), "pin") {
		t.Fatal("a PIN was sent to a locked PIN")
	}
}

func TestPINRecovers(t *testing.T) {
	sim := newSim(t, simcard.Config{PINTries: 2})
	if _, err := ReadKenhojo(inProcess(sim), testPIN); err != nil {
		t.Fatal(err)
	}
	if n, err := PINRetries(inProcess(sim)); n != KenhojoPINMaxTries || err != nil {
		t.Fatalf("after a right PIN: %d, %v; want %d", n, err, KenhojoPINMaxTries)
	}
}

func TestLockedStatusWords(t *testing.T) {
	for _, sw := range []uint16{simcard.LockedSW63C0, simcard.LockedSW6983, simcard.LockedSW6984} {
		sim := newSim(t, simcard.Config{PINTries: 1, LockedSW: sw})
		tr := inProcess(sim)
		if _, err := ReadKenhojoWith(tr, wrongPIN, &Options{AllowLastTry: true}); !errors.Is(err, ErrPINLocked) {
			t.Fatalf("%04X: last wrong PIN: %v", sw, err)
		}
		if _, err := PINRetries(tr); !errors.Is(err, ErrPINLocked) {
			t.Errorf("%04X: PINRetries: %v, want ErrPINLocked", sw, err)
		}
		var se *StatusError
		if _, err := AuthPINRetries(tr); err != nil {
			t.Errorf("%04X: the JPKI PIN is separate: %v", sw, err)
		}
		if _, err := PINRetries(tr); !errors.As(err, &se) || se.SW != sw {
			t.Errorf("%04X: status error %v", sw, err)
		}
	}
}

// TestAlreadyVerified: a PIN another program left verified is never trusted. A card that
// says so (90 00 to an empty VERIFY, ISO/IEC 7816-4) is reset first; a card that answers the
// counter anyway (the virtual card's default, what OpenSC expects) gets the PIN again, and
// is reset after the read all the same.
func TestAlreadyVerified(t *testing.T) {
	for _, iso := range []bool{true, false} {
		sim := newSim(t, simcard.Config{VerifiedSW9000: iso})
		tr := inProcess(sim)
		if err := selectDF(tr, Gen1.Kenhojo.AID); err != nil {
			t.Fatal(err)
		}
		if err := selectEF(tr, Gen1.Kenhojo.PIN); err != nil {
			t.Fatal(err)
		}
		if err := verifyPIN(tr, testPIN); err != nil {
			t.Fatal(err)
		}
		wantResets := 0
		if iso {
			wantResets = 1
		}
		n, err := PINRetries(tr)
		if err != nil || n != 3 || tr.resets != wantResets {
			t.Fatalf("90 00 when verified %v: PINRetries = %d, %v after %d resets; want 3 after %d", iso, n, err, tr.resets, wantResets)
		}
		if iso {
			if _, err := readProtected(tr); !errors.Is(err, ErrSecurityStatus) {
				t.Fatalf("verified state survived: %v", err)
			}
		}
		tr.log = nil
		if _, err := ReadKenhojo(tr, testPIN); err != nil {
			t.Fatal(err)
		}
		if got := tr.verifies(); !slices.Equal(got, []string{"empty", "pin"}) {
			t.Errorf("90 00 when verified %v: VERIFY sequence = %v, want [empty pin]", iso, got)
		}
		if _, err := readProtected(tr); !errors.Is(err, ErrSecurityStatus) {
			t.Errorf("90 00 when verified %v: EF 0001 readable after ReadKenhojo: %v", iso, err)
		}
	}
}

func TestPINFormat(t *testing.T) {
	for _, pin := range []string{"", "123", "12345", "12a4", "１２３４"} {
		tr := inProcess(newSim(t, simcard.Config{}))
		if _, err := ReadKenhojo(tr, pin); !errors.Is(err, ErrPINFormat) || len(tr.log) != 0 {
			t.Errorf("PIN of %d bytes: %v after %d APDUs, want ErrPINFormat after none", len(pin), err, len(tr.log))
		}
		if _, err := Authenticate(tr, pin, make([]byte, 32)); !errors.Is(err, ErrPINFormat) || len(tr.log) != 0 {
			t.Errorf("auth PIN of %d bytes: %v", len(pin), err)
		}
	}
}

// TestCardRemovedMidRead pulls the card at every APDU of a good read: always
// ErrCardRemoved, never partial data.
func TestCardRemovedMidRead(t *testing.T) {
	c := &Counter{Transport: inProcess(newSim(t, simcard.Config{}))}
	if _, err := ReadKenhojo(c, testPIN); err != nil {
		t.Fatal(err)
	}
	total := int(c.APDUs())
	for k := 1; k < total; k++ {
		sim := newSim(t, simcard.Config{PullAfter: k})
		got, err := ReadKenhojo(inProcess(sim), testPIN)
		if !errors.Is(err, ErrCardRemoved) || got != nil {
			t.Errorf("pulled after %d of %d APDUs: %v, %v; want nil, ErrCardRemoved", k, total, got, err)
		}
	}
}

func TestNotMyNumberCard(t *testing.T) {
	tests := []struct {
		cfg  simcard.Config
		want error
	}{
		{simcard.Config{}, nil},
		{simcard.Config{NoJPKI: true}, ErrNotMyNumberCard},
		{simcard.Config{Token: "JPKIAPICCTOKEN"}, ErrNotMyNumberCard},
		{simcard.Config{Token: "SOMETHINGELSE"}, ErrNotMyNumberCard},
	}
	for _, tt := range tests {
		if err := CheckMyNumberCard(inProcess(newSim(t, tt.cfg))); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("token %q, no JPKI %v: %v, want %v", tt.cfg.Token, tt.cfg.NoJPKI, err, tt.want)
		}
	}
}

func TestParseBirth(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = error
	}{
		{"19850401", "1985-04-01"},
		{"20000229", "2000-02-29"},
		{"19000229", ""},
		{"19850231", ""},
		{"1985041", ""},
		{"1985-4-1", ""},
		{"H01.01.08", "1989-01-08"},
		{"H01.01.07", ""}, // still 昭和64
		{"S64.01.07", "1989-01-07"},
		{"R01.05.01", "2019-05-01"},
		{"R00.05.01", ""},
		{"X01.01.01", ""},
		{"18000101", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := parseBirth([]byte(tt.in))
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("parseBirth(%q) = %v, want an error", tt.in, got)
		case tt.want != "" && (err != nil || got.Format(time.DateOnly) != tt.want):
			t.Errorf("parseBirth(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

// TestReadNumberEFVariants reads EF 0001 as the real card lays it out (17 bytes: the TLV and
// FF FF, READ BINARY answering 90 00) and as cards in the field do (the bare 15-byte TLV,
// with 62 82, 6C 0F or a short 90 00 when asked for 17 bytes).
func TestReadNumberEFVariants(t *testing.T) {
	tests := []struct {
		name  string
		cfg   simcard.Config
		reads int // READ BINARY commands for EF 0001
	}{
		{"real card: 17 bytes, 90 00", simcard.Config{}, 1},
		{"15 bytes, 62 82", simcard.Config{ShortNumberEF: true, EOF: simcard.EOF6282}, 1},
		{"15 bytes, 6C 0F", simcard.Config{ShortNumberEF: true, EOF: simcard.EOF6Cxx}, 2},
		{"15 bytes, short 90 00", simcard.Config{ShortNumberEF: true}, 1},
		{"17 bytes, 62 82 past the end", simcard.Config{EOF: simcard.EOF6282}, 1},
		{"17 bytes, 6C xx past the end", simcard.Config{EOF: simcard.EOF6Cxx}, 1},
		{"padded", simcard.Config{Padding: 40}, 1},
		{"90 00 to an empty VERIFY when verified", simcard.Config{VerifiedSW9000: true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := newSim(t, tt.cfg)
			tr := &numberEFReads{simTransport: inProcess(sim)}
			k, err := ReadKenhojo(tr, testPIN)
			if err != nil {
				t.Fatal(err)
			}
			if k.Number.Reveal() != testNumber {
				t.Errorf("number does not match the card's (masked: %v)", k.Number)
			}
			if k.Integrity != (Integrity{DigestWholeTLV, SignatureOverTLVs}) {
				t.Errorf("integrity = %+v: the digest must cover the TLV only, not the FF FF after it", k.Integrity)
			}
			if tr.reads != tt.reads {
				t.Errorf("%d READ BINARY of EF 0001, want %d", tr.reads, tt.reads)
			}
		})
	}

	// A card that refuses a Le beyond the end outright (67 00) is read the long way.
	sim := newSim(t, simcard.Config{ShortNumberEF: true})
	tr := &numberEFReads{simTransport: inProcess(sim), refuseLong: true}
	k, err := ReadKenhojo(tr, testPIN)
	if err != nil || k.Number.Reveal() != testNumber {
		t.Fatalf("67 00 to Le=17: %v", err)
	}
}

// numberEFReads counts the READ BINARY commands sent while EF 0001 is selected; with
// refuseLong it answers 67 00 to a READ BINARY of 17 bytes, like a card strict about Le.
type numberEFReads struct {
	*simTransport
	refuseLong bool
	inEF1      bool
	reads      int
}

func (n *numberEFReads) Transmit(cmd []byte) ([]byte, error) {
	switch {
	case len(cmd) == 7 && cmd[1] == 0xA4 && cmd[2] == 0x02:
		n.inEF1 = cmd[5] == 0x00 && cmd[6] == 0x01
	case len(cmd) == 5 && cmd[1] == 0xB0 && n.inEF1:
		n.reads++
		if n.refuseLong && cmd[4] == 0x11 {
			return []byte{0x67, 0x00}, nil
		}
	}
	return n.simTransport.Transmit(cmd)
}
