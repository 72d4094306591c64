package card

import (
	"bytes"
	"errors"
	"testing"

	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
)

// gen2 is a made-up second generation: other AIDs and other file ids for everything.
var gen2 = Layout{
	Name: "test generation 2",
	Kenhojo: KenhojoFiles{
		AID:    []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x02, 0x02, 0x04, 0x08},
		Number: 0x0101, Basic4: 0x0102, Digests: 0x0103, TextCert: 0x0104, PIN: 0x0111,
	},
	JPKI: JPKIFiles{
		AID:   []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x02, 0x00, 0x00, 0x00, 0x02},
		Token: 0x0106, AuthCert: 0x010A, AuthKey: 0x0117, AuthPIN: 0x0118,
	},
}

// gen2Card is our virtual card behind a translation of gen2's identifiers to Gen1's: it
// answers only gen2's AIDs and file ids (6A 82 for Gen1's), so a read that works proves that
// nothing in the reader still uses Gen1's identifiers.
type gen2Card struct {
	*simTransport
	noKenhojo bool
}

func (g *gen2Card) Transmit(cmd []byte) ([]byte, error) {
	notFound := []byte{0x6A, 0x82}
	if len(cmd) >= 5 && cmd[1] == 0xA4 {
		c := bytes.Clone(cmd)
		data := c[5 : 5+int(c[4])]
		switch c[2] {
		case 0x04: // by DF name
			switch {
			case bytes.Equal(data, gen2.Kenhojo.AID) && !g.noKenhojo:
				copy(data, Gen1.Kenhojo.AID)
			case bytes.Equal(data, gen2.JPKI.AID):
				copy(data, Gen1.JPKI.AID)
			default:
				return notFound, nil
			}
		case 0x02: // EF
			fid := uint16(data[0])<<8 | uint16(data[1])
			to := map[uint16]uint16{
				gen2.Kenhojo.Number: Gen1.Kenhojo.Number, gen2.Kenhojo.Basic4: Gen1.Kenhojo.Basic4,
				gen2.Kenhojo.Digests: Gen1.Kenhojo.Digests, gen2.Kenhojo.TextCert: Gen1.Kenhojo.TextCert,
				gen2.Kenhojo.PIN: Gen1.Kenhojo.PIN, gen2.JPKI.Token: Gen1.JPKI.Token,
				gen2.JPKI.AuthCert: Gen1.JPKI.AuthCert, gen2.JPKI.AuthKey: Gen1.JPKI.AuthKey, gen2.JPKI.AuthPIN: Gen1.JPKI.AuthPIN,
			}[fid]
			if to == 0 {
				return notFound, nil
			}
			data[0], data[1] = byte(to>>8), byte(to)
		}
		cmd = c
	}
	return g.simTransport.Transmit(cmd)
}

// TestSecondGeneration: with a second generation in Layouts, a card of that generation is
// detected and read through its own identifiers only (the seam holds: a new generation is one
// Layout), a Gen1 card is still read as Gen1, and a generation without the 券面事項入力補助AP
// says so while its JPKI side works.
func TestSecondGeneration(t *testing.T) {
	saved := Layouts
	Layouts = []*Layout{&Gen1, &gen2}
	t.Cleanup(func() { Layouts = saved })

	card := &gen2Card{simTransport: inProcess(newSim(t, simcard.Config{}))}
	if err := card.Begin(); err != nil {
		t.Fatal(err)
	}
	if l, err := DetectLayout(card); err != nil || l != &gen2 {
		t.Fatalf("detected %v, %v; want %s", l, err, gen2.Name)
	}
	card.End(false)
	if err := CheckMyNumberCard(card); err != nil {
		t.Fatalf("check: %v", err)
	}
	if n, err := PINRetries(card); err != nil || n != KenhojoPINMaxTries {
		t.Fatalf("PIN tries: %d %v", n, err)
	}
	k, err := ReadKenhojo(card, testPIN)
	if err != nil {
		t.Fatalf("reading a second-generation card: %v", err)
	}
	if k.Number.Reveal() != testNumber || k.Integrity.Signature == SignatureNotChecked {
		t.Errorf("read %s with integrity %+v", k.Number, k.Integrity)
	}
	if _, err := ReadAuthCertificate(card); err != nil {
		t.Fatalf("auth certificate: %v", err)
	}
	if n, err := AuthPINRetries(card); err != nil || n != AuthPINMaxTries {
		t.Fatalf("auth PIN tries: %d %v", n, err)
	}

	// A Gen1 card with both generations known.
	if k, err := ReadKenhojo(inProcess(newSim(t, simcard.Config{})), testPIN); err != nil || k.Number.Reveal() != testNumber {
		t.Fatalf("a Gen1 card: %v", err)
	}

	// A generation without the 券面事項入力補助AP.
	noKen := gen2
	noKen.Kenhojo = KenhojoFiles{}
	Layouts = []*Layout{&Gen1, &noKen}
	bare := &gen2Card{simTransport: inProcess(newSim(t, simcard.Config{})), noKenhojo: true}
	if _, err := ReadKenhojo(bare, testPIN); !errors.Is(err, ErrNoKenhojo) {
		t.Errorf("reading the number of a card without the AP: %v, want ErrNoKenhojo", err)
	}
	if _, err := PINRetries(bare); !errors.Is(err, ErrNoKenhojo) {
		t.Errorf("PIN tries of a card without the AP: %v, want ErrNoKenhojo", err)
	}
	if _, err := ReadAuthCertificate(bare); err != nil {
		t.Errorf("auth certificate of a card without the AP: %v", err)
	}
	if got := bare.verifies(); len(got) != 0 {
		t.Errorf("a PIN was sent to a card without the AP: %v", got)
	}
}
