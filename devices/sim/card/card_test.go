package simcard

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
)

var (
	keysOnce sync.Once
	keys     *Keys
	keysErr  error
)

// testKeys generates one set of RSA keys for the whole package (generation is slow).
func testKeys(t testing.TB) *Keys {
	t.Helper()
	keysOnce.Do(func() { keys, keysErr = GenerateKeys(nil) })
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	return keys
}

func newCard(t testing.TB, cfg Config) *Card {
	t.Helper()
	cfg.Keys = testKeys(t)
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

const (
	selKenhojo = "00A4040C0A D3921000310001010408"
	selJPKI    = "00A4040C0A D392F000260100000001"
)

// TestAPDUs walks the checklist of reference §6 as a script: each step is a command and the
// expected response (hex; "*" at the end matches any data before the given status word).
func TestAPDUs(t *testing.T) {
	type step struct{ cmd, want string }
	tests := []struct {
		name  string
		cfg   Config
		steps []step
	}{
		{"select", Config{}, []step{
			{selKenhojo, "9000"},
			{"00A4040C0A D3921000310001010499", "6A82"}, // unknown AID
			{"00A4020C02 0099", "6A82"},                 // unknown EF (the kenhojo DF is no longer current)
			{selKenhojo, "9000"},
			{"00A4020C02 0001", "9000"},
			{"00A4030C02 0001", "6A86"},
			{"00A4020C01 00", "6A80"},
		}},
		{"classes and instructions", Config{}, []step{
			{"00CA000000", "6D00"},
			{"12A4040C00", "6E00"},
			{"12A4040C01 00", "6E00"},
			{"80B0000000", "6D00"},
			{"00", "6700"},
		}},
		{"read before verify", Config{}, []step{
			{selKenhojo, "9000"},
			{"00A4020C02 0001", "9000"},
			{"00B0000000", "6982"},
			{"00A4020C02 0005", "9000"}, // AP info is free
			{"00B0000002", "FF40 9000"},
		}},
		{"verify and read", Config{}, []step{
			{selKenhojo, "9000"},
			{"00A4020C02 0011", "9000"},
			{"00200080", "63C3"},
			{"0020008004 31313131", "63C2"},
			{"00200080", "63C2"},
			{"0020008004 31323334", "9000"},
			{"00200080", "9000"}, // already verified
			{"00A4020C02 0001", "9000"},
			{"00B0000000", "FF100C 313233343536373839303138 6282"},
			{"00B0000305", "3132333435 9000"},
			{"00B0000F01", "6B00"},
			{selJPKI, "9000"},
			{selKenhojo, "9000"}, // another DF dropped the security state
			{"00A4020C02 0001", "9000"},
			{"00B0000003", "6982"},
		}},
		{"lock 63C0", Config{PINTries: 1}, []step{
			{selKenhojo, "9000"},
			{"00A4020C02 0011", "9000"},
			{"00200080", "63C1"},
			{"0020008004 30303030", "63C0"},
			{"00200080", "63C0"},
			{"0020008004 31323334", "63C0"}, // the right PIN no longer helps
		}},
		{"lock 6983", Config{PINTries: 1, LockedSW: LockedSW6983}, []step{
			{selKenhojo, "9000"},
			{"00A4020C02 0011", "9000"},
			{"0020008004 30303030", "63C0"},
			{"00200080", "6983"},
			{"0020008004 31323334", "6983"},
		}},
		{"verify needs a PIN EF", Config{}, []step{
			{selKenhojo, "9000"},
			{"00A4020C02 0001", "9000"},
			{"00200080", "6986"},
			{"00200081", "6A86"},
		}},
		{"jpki token and certificate", Config{}, []step{
			{selJPKI, "9000"},
			{"00A4020C02 0006", "9000"},
			{"00B0000020", hex.EncodeToString([]byte(fmt.Sprintf("%-32s", "JPKIAPICCTOKEN2"))) + "9000"},
			{"00A4020C02 000A", "9000"},
			{"00B0000002", "3082 9000"},
			{"00A4020C02 0017", "9000"},
			{"802A00800301020300", "6982"}, // key before VERIFY
		}},
		{"no jpki", Config{NoJPKI: true}, []step{
			{selJPKI, "6A82"},
		}},
		{"uid", Config{UID: []byte{1, 2, 3, 4, 5, 6, 7}}, []step{
			{"FFCA000000", "01020304050607 9000"},
			{"FFCA010000", "6A86"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCard(t, tt.cfg)
			for i, s := range tt.steps {
				got, err := c.Transmit(h(s.cmd))
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if want := h(s.want); !bytes.Equal(got, want) {
					t.Fatalf("step %d %s: got % X, want % X", i, s.cmd, got, want)
				}
			}
		})
	}
}

func TestSign(t *testing.T) {
	for _, forge := range []bool{false, true} {
		c := newCard(t, Config{ForgeAuthSignature: forge})
		digest := sha256.Sum256([]byte("challenge"))
		di := append(h("3031300D060960864801650304020105000420"), digest[:]...)
		for _, cmd := range []string{selJPKI, "00A4020C02 0018", "0020008004" + hex.EncodeToString([]byte(DefaultAuthPIN)), "00A4020C02 0017"} {
			if r, _ := c.Transmit(h(cmd)); !bytes.Equal(r, h("9000")) {
				t.Fatalf("%s: % X", cmd, r)
			}
		}
		r, err := c.Transmit(append(append(h("802A008033"), di...), 0x00))
		if err != nil || len(r) != 258 || !bytes.Equal(r[256:], h("9000")) {
			t.Fatalf("sign: % X, %v", r, err)
		}
		pub := c.AuthCertificate().PublicKey.(*rsa.PublicKey)
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], r[:256])
		if forge != (err != nil) {
			t.Errorf("forge=%v: verify error %v", forge, err)
		}
		if err := c.AuthCertificate().CheckSignatureFrom(c.CACertificate()); err != nil {
			t.Errorf("auth certificate not issued by the test CA: %v", err)
		}
	}
}

func TestPullAfter(t *testing.T) {
	c := newCard(t, Config{PullAfter: 2})
	for i := 0; i < 2; i++ {
		if _, err := c.Transmit(h(selKenhojo)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Transmit(h(selKenhojo)); err != ErrPulled {
		t.Fatalf("third APDU: %v, want ErrPulled", err)
	}
	if !c.Pulled() {
		t.Fatal("Pulled() = false")
	}
}

func TestLongName(t *testing.T) {
	name := strings.Repeat("長", 100) // 300 bytes: DF22 needs 82 01 2C
	c := newCard(t, Config{Name: name})
	c.mu.Lock()
	b4 := c.apps[0].files[0x0002].data
	c.mu.Unlock()
	if !bytes.HasPrefix(b4, h("FF2082")) || !bytes.Contains(b4, h("DF2282012C")) {
		t.Fatalf("EF 0002 does not use long-form lengths: % X", b4[:16])
	}
}

func TestNewRejects(t *testing.T) {
	for i, cfg := range []Config{{PIN: "12345"}, {PINTries: 4}, {AuthPINTries: -1}, {Keys: &Keys{}}} {
		if cfg.Keys == nil {
			cfg.Keys = testKeys(t)
		}
		if _, err := New(cfg); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
}
