package card

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// These tests run the real stack: ebfe/scard → pcscd → the vpcd driver → the virtual card in
// devices/sim/card over TCP. scripts/with-pcscd.sh starts pcscd. Without it they skip, unless
// SHELTER_REQUIRE_PCSCD=1 (make test sets it), which makes them fail instead. They use the
// first vpcd slot, so they must not run in parallel.

const vpcdReader = "Virtual PCD 00 00"

func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	testenv.PCSCMissing(t, format, args...)
}

// openPCSC connects to pcscd and checks that the vpcd reader is there.
func openPCSC(t testing.TB) *PCSC {
	t.Helper()
	p, err := OpenPCSC()
	if err != nil {
		skipOrFail(t, "no PC/SC service: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	readers, err := p.Readers()
	if err != nil || !slices.Contains(readers, vpcdReader) {
		skipOrFail(t, "reader %q not found (readers %q, %v)", vpcdReader, readers, err)
	}
	return p
}

// inserted is a virtual card in the vpcd reader with a PC/SC connection to it.
type inserted struct {
	sim  *simcard.Card
	slot *simcard.Slot
	conn *Conn
}

// insert puts a virtual card made from cfg into the reader, waits for pcscd to see it and
// connects. Cleanup disconnects, pulls the card and waits until pcscd has seen it go, so the
// next test can insert another.
func insert(t testing.TB, p *PCSC, cfg simcard.Config) *inserted {
	t.Helper()
	sim := newSim(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	slot, err := sim.Insert(ctx, simcard.VPCDAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		slot.Pull()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := p.WaitForRemoval(ctx, vpcdReader); err != nil {
			t.Errorf("card removal not seen: %v", err)
		}
	})
	if _, err := p.WaitForCard(ctx, vpcdReader); err != nil {
		t.Fatalf("card insertion not seen: %v", err)
	}
	conn, err := p.Connect(vpcdReader)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &inserted{sim: sim, slot: slot, conn: conn}
}

func TestPCSCReadKenhojo(t *testing.T) {
	p := openPCSC(t)
	c := insert(t, p, simcard.Config{})
	if atr, err := c.conn.ATR(); err != nil || !bytes.Equal(atr, simcard.ATR) {
		t.Fatalf("ATR % X, %v", atr, err)
	}
	if err := CheckMyNumberCard(c.conn); err != nil {
		t.Fatal(err)
	}
	if n, err := PINRetries(c.conn); n != 3 || err != nil {
		t.Fatalf("PINRetries = %d, %v", n, err)
	}
	// Twice: the second read begins after the reset that ended the first (reconnect once).
	for i := 0; i < 2; i++ {
		k, err := ReadKenhojo(c.conn, testPIN)
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		cfg := c.sim.Config()
		if k.Number.Reveal() != testNumber || k.Name != cfg.Name || k.Address != cfg.Address || k.Sex != SexFemale ||
			k.Birth.Format(time.DateOnly) != "1985-04-01" {
			t.Fatalf("read %d: data differs from the card's", i)
		}
		if k.Integrity != (Integrity{DigestWholeTLV, SignatureOverTLVs}) {
			t.Fatalf("integrity %+v", k.Integrity)
		}
	}
	// The reset after the read dropped the PIN state.
	if err := c.conn.Begin(); err != nil {
		t.Fatal(err)
	}
	_, err := readProtected(c.conn)
	c.conn.End(false)
	if !errors.Is(err, ErrSecurityStatus) {
		t.Fatalf("EF 0001 after the read: %v, want ErrSecurityStatus", err)
	}
}

func TestPCSCWrongPINAndLock(t *testing.T) {
	p := openPCSC(t)
	c := insert(t, p, simcard.Config{LockedSW: simcard.LockedSW6983})
	for want := 2; want >= 1; want-- {
		_, err := ReadKenhojo(c.conn, wrongPIN)
		var wp *WrongPINError
		if !errors.As(err, &wp) || wp.Retries != want {
			t.Fatalf("wrong PIN: %v, want %d tries left", err, want)
		}
		if n, err := PINRetries(c.conn); n != want || err != nil {
			t.Fatalf("PINRetries before the next VERIFY = %d, %v; want %d", n, err, want)
		}
	}
	if _, err := ReadKenhojo(c.conn, testPIN); !errors.Is(err, ErrLastTry) || c.sim.PINTries() != 1 {
		t.Fatalf("last try: %v (card at %d), want ErrLastTry and nothing sent", err, c.sim.PINTries())
	}
	if _, err := ReadKenhojoWith(c.conn, wrongPIN, &Options{AllowLastTry: true}); !errors.Is(err, ErrPINLocked) {
		t.Fatalf("third wrong PIN: %v", err)
	}
	_, err := PINRetries(c.conn)
	var se *StatusError
	if !errors.Is(err, ErrPINLocked) || !errors.As(err, &se) || se.SW != 0x6983 {
		t.Fatalf("PINRetries when locked: %v", err)
	}
	if _, err := ReadKenhojoWith(c.conn, testPIN, &Options{AllowLastTry: true}); !errors.Is(err, ErrPINLocked) {
		t.Fatalf("right PIN when locked: %v", err)
	}
}

func TestPCSCCardRemovedMidRead(t *testing.T) {
	p := openPCSC(t)
	// APDU 9 is the second READ BINARY of EF 0002: the PIN is verified, EF 0001 read (in one
	// READ BINARY).
	c := insert(t, p, simcard.Config{PullAfter: 8})
	k, err := ReadKenhojo(c.conn, testPIN)
	if !errors.Is(err, ErrCardRemoved) || k != nil {
		t.Fatalf("got %v, %v; want nil, ErrCardRemoved", k, err)
	}
	assertSafeError(t, err)
	if _, err := PINRetries(c.conn); !errors.Is(err, ErrCardRemoved) {
		t.Fatalf("after removal: %v, want ErrCardRemoved", err)
	}
}

func TestPCSCCardData(t *testing.T) {
	p := openPCSC(t)
	tests := []struct {
		name    string
		cfg     simcard.Config
		want    DigestMode
		wantErr error
	}{
		{"long-form lengths", simcard.Config{Name: strings.Repeat("名", 60), Address: strings.Repeat("住", 150)}, DigestWholeTLV, nil},
		{"value-only digests", simcard.Config{Digest: simcard.ValueOnly}, DigestValueOnly, nil},
		{"15-byte EF 0001, 62 82", simcard.Config{ShortNumberEF: true, EOF: simcard.EOF6282}, DigestWholeTLV, nil},
		{"15-byte EF 0001, 6C 0F", simcard.Config{ShortNumberEF: true, EOF: simcard.EOF6Cxx}, DigestWholeTLV, nil},
		{"garbage name", simcard.Config{RawName: []byte{0xFF, 0x00, 0xC3}}, 0, ErrInvalidText},
		{"corrupt digest", simcard.Config{CorruptDigest: true}, 0, ErrIntegrity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := insert(t, p, tt.cfg)
			k, err := ReadKenhojo(c.conn, testPIN)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || k != nil {
					t.Fatalf("got %v, %v; want %v", k, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg := c.sim.Config(); k.Name != cfg.Name || k.Address != cfg.Address || k.Integrity.Digest != tt.want {
				t.Fatalf("data or digest variant (%v) differ", k.Integrity.Digest)
			}
		})
	}
}

func TestPCSCAuthenticate(t *testing.T) {
	p := openPCSC(t)
	otherKeys, err := simcard.GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	trusted := newSim(t, simcard.Config{}) // only its CA certificate is used
	tests := []struct {
		name    string
		cfg     simcard.Config
		wantErr error
	}{
		{"good", simcard.Config{}, nil},
		{"forged certificate", simcard.Config{Keys: otherKeys}, ErrUntrusted},
		{"forged signature", simcard.Config{ForgeAuthSignature: true}, ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := insert(t, p, tt.cfg)
			if n, err := AuthPINRetries(c.conn); n != 3 || err != nil {
				t.Fatalf("AuthPINRetries = %d, %v", n, err)
			}
			challenge, err := NewChallenge(nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := Authenticate(c.conn, testAuthPIN, challenge)
			if err != nil {
				t.Fatal(err)
			}
			err = verifierFor(trusted).Verify(resp, challenge)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestPCSCUID(t *testing.T) {
	p := openPCSC(t)
	c := insert(t, p, simcard.Config{UID: []byte{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}})
	uid, err := UID(c.conn)
	if err != nil || !bytes.Equal(uid, []byte{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}) {
		t.Fatalf("UID % X, %v", uid, err)
	}
}

// TestPCSCWatch sees the card come and go through Watch on all readers.
func TestPCSCWatch(t *testing.T) {
	p := openPCSC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	events := make(chan Event, 16)
	done := make(chan error, 1)
	go func() {
		done <- p.Watch(ctx, "", func(e Event) bool {
			if e.Reader == vpcdReader {
				events <- e
			}
			return true
		})
	}()
	next := func() Event {
		t.Helper()
		select {
		case e := <-events:
			return e
		case <-ctx.Done():
			t.Fatal("no event")
		}
		return Event{}
	}
	if e := next(); e.Present {
		t.Fatalf("first event: %+v, want the empty reader", e)
	}
	sim := newSim(t, simcard.Config{})
	slot, err := sim.Insert(ctx, simcard.VPCDAddr)
	if err != nil {
		t.Fatal(err)
	}
	if e := next(); !e.Present || !bytes.Equal(e.ATR, simcard.ATR) {
		t.Fatalf("after insert: %+v", e)
	}
	slot.Pull()
	if e := next(); e.Present {
		t.Fatalf("after pull: %+v", e)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Watch returned %v after cancel, want context.Canceled", err)
	}
}
