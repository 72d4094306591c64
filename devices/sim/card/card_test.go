package simcard

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"maps"
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
			{"00200080", "63C3"}, // the counter, verified or not
			{"00A4020C02 0001", "9000"},
			{"00B0000000", "FF100C 313233343536373839303138 FFFF 9000"}, // 17 bytes, as the real card
			{"00B0000305", "3132333435 9000"},
			{"00B0000F05", "FFFF 9000"},
			{"00B0001101", "6B00"},
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
		{"end of file 62 82, 15-byte EF 0001", Config{ShortNumberEF: true, EOF: EOF6282}, []step{
			{selKenhojo, "9000"},
			{"00A4020C02 0011", "9000"},
			{"0020008004 31323334", "9000"},
			{"00A4020C02 0001", "9000"},
			{"00B0000000", "FF100C 313233343536373839303138 6282"},
			{"00B000000F", "FF100C 313233343536373839303138 9000"},
			{"00B0000F01", "6B00"},
		}},
		{"end of file 6C xx", Config{EOF: EOF6Cxx}, []step{
			{selKenhojo, "9000"},
			{"00A4020C02 0011", "9000"},
			{"0020008004 31323334", "9000"},
			{"00A4020C02 0001", "9000"},
			{"00B0000000", "6C11"},
			{"00B0000011", "FF100C 313233343536373839303138 FFFF 9000"},
		}},
		{"90 00 when verified", Config{VerifiedSW9000: true}, []step{
			{selKenhojo, "9000"},
			{"00A4020C02 0011", "9000"},
			{"0020008004 31323334", "9000"},
			{"00200080", "9000"},
		}},
		{"PIN A and B", Config{}, []step{
			{selKenhojo, "9000"},
			{"00A4020C02 0014", "9000"},
			{"00200080", "63CA"},
			{"002000800C 313131313131313131313131", "63C9"},
			{"00A4020C02 0015", "9000"},
			{"00200080", "63CA"},
			{"00A4020C02 0002", "9000"},
			{"00B0000002", "6982"},
			{"00A4020C02 0014", "9000"},
			{"002000800C 313233343536373839303138", "9000"}, // 照合番号A = the My Number
			{"00A4020C02 0001", "9000"},
			{"00B0000003", "FF100C 9000"},
			{selJPKI, "9000"},
			{selKenhojo, "9000"},
			{"00A4020C02 0015", "9000"},
			{"002000800E " + hex.EncodeToString([]byte("85040120350000")), "9000"}, // 照合番号B
			{"00A4020C02 0002", "9000"},
			{"00B0000002", "FF20 9000"},
		}},
		{"jpki signing side", Config{}, []step{
			{selJPKI, "9000"},
			{"00A4020C02 0002", "9000"}, // signing CA certificate: free
			{"00B0000002", "3082 9000"},
			{"00A4020C02 0001", "9000"}, // signing certificate: after the password
			{"00B0000004", "6982"},
			{"00A4020C02 001B", "9000"},
			{"00200080", "63C5"},
			{"0020008006 313233343536", "63C4"},
			{"0020008009 " + hex.EncodeToString([]byte(DefaultSignPIN)), "9000"},
			{"00A4020C02 0001", "9000"},
			{"00B0000002", "3082 9000"},
			{"00A4020C02 0017", "9000"},
			{"802A00800301020300", "6982"}, // the signing password does not open the auth key
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

// TestLayout: the sizes of the EFs that public readers of real cards read whole.
func TestLayout(t *testing.T) {
	c := newCard(t, Config{})
	c.mu.Lock()
	defer c.mu.Unlock()
	files := c.apps[0].files
	for fid, want := range map[uint16]int{0x0001: 17, 0x0003: sigObjSize, 0x0004: textCertSize, 0x0005: apInfoSize} {
		if got := len(files[fid].data); got != want {
			t.Errorf("EF %04X: %d bytes, want %d", fid, got, want)
		}
	}
	if !bytes.HasSuffix(files[0x0001].data, h("FFFF")) {
		t.Errorf("EF 0001 = % X, want the TLV and FF FF", files[0x0001].data)
	}
	short := newCard(t, Config{ShortNumberEF: true})
	if n := len(short.apps[0].files[0x0001].data); n != 15 {
		t.Errorf("ShortNumberEF: EF 0001 of %d bytes, want 15", n)
	}
}

// TestSignCertificateHolder: the signing certificate names the holder in its subjectAltName
// as otherNames, the way jpki/myna reads a real one.
func TestSignCertificateHolder(t *testing.T) {
	c := newCard(t, Config{})
	var ext []byte
	for _, e := range c.SignCertificate().Extensions {
		if e.Id.Equal(oidSubjectAlt) {
			ext = e.Value
		}
	}
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(ext, &seq); err != nil {
		t.Fatal(err)
	}
	type attr struct {
		OID   asn1.ObjectIdentifier
		Value string `asn1:"tag:0,explicit,utf8"`
	}
	got := map[string]string{}
	for rest := seq.Bytes; len(rest) > 0; {
		var a attr
		var err error
		if rest, err = asn1.UnmarshalWithParams(rest, &a, "tag:0"); err != nil {
			t.Fatal(err)
		}
		got[a.OID.String()] = a.Value
	}
	cfg := c.Config()
	want := map[string]string{"1.2.392.200149.8.5.5.1": cfg.Name, "1.2.392.200149.8.5.5.3": "2",
		"1.2.392.200149.8.5.5.4": cfg.Birth, "1.2.392.200149.8.5.5.5": cfg.Address}
	if !maps.Equal(got, want) {
		t.Errorf("subjectAltName = %q, want %q", got, want)
	}
}

func TestValidSignPIN(t *testing.T) {
	for p, want := range map[string]bool{"TESTSIGN1": true, "ABC123": true, "ABCDEFGHIJ123456": true,
		"ABC12": false, "ABCDEFGHIJ1234567": false, "abc123": false, "ABC 123": false, "": false} {
		if ValidSignPIN(p) != want {
			t.Errorf("ValidSignPIN(%q) = %v", p, !want)
		}
	}
}

// TestSign signs with both JPKI keys and checks each signature with its certificate.
func TestSign(t *testing.T) {
	for _, tt := range []struct {
		forge       bool
		pinEF, pin  string
		keyEF       string
		cert, ca    func(*Card) *x509.Certificate
		description string
	}{
		{false, "0018", DefaultAuthPIN, "0017", (*Card).AuthCertificate, (*Card).CACertificate, "auth"},
		{true, "0018", DefaultAuthPIN, "0017", (*Card).AuthCertificate, (*Card).CACertificate, "auth forged"},
		{false, "001B", DefaultSignPIN, "001A", (*Card).SignCertificate, (*Card).SignCACertificate, "sign"},
	} {
		forge := tt.forge
		c := newCard(t, Config{ForgeAuthSignature: forge})
		digest := sha256.Sum256([]byte("challenge"))
		di := append(h("3031300D060960864801650304020105000420"), digest[:]...)
		for _, cmd := range []string{selJPKI, "00A4020C02" + tt.pinEF, fmt.Sprintf("002000800%X", len(tt.pin)) + hex.EncodeToString([]byte(tt.pin)), "00A4020C02" + tt.keyEF} {
			if r, _ := c.Transmit(h(cmd)); !bytes.Equal(r, h("9000")) {
				t.Fatalf("%s: % X", cmd, r)
			}
		}
		r, err := c.Transmit(append(append(h("802A008033"), di...), 0x00))
		if err != nil || len(r) != 258 || !bytes.Equal(r[256:], h("9000")) {
			t.Fatalf("sign: % X, %v", r, err)
		}
		pub := tt.cert(c).PublicKey.(*rsa.PublicKey)
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], r[:256])
		if forge != (err != nil) {
			t.Errorf("%s: verify error %v", tt.description, err)
		}
		if err := tt.cert(c).CheckSignatureFrom(tt.ca(c)); err != nil {
			t.Errorf("%s: certificate not issued by its test CA: %v", tt.description, err)
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
	for i, cfg := range []Config{{PIN: "12345"}, {PINTries: 4}, {AuthPINTries: -1}, {SignPINTries: 6}, {SignPIN: "short"},
		{SignPIN: "lowercase1"}, {PINB: "123"}, {Keys: &Keys{}}} {
		if cfg.Keys == nil {
			cfg.Keys = testKeys(t)
		}
		if _, err := New(cfg); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
}
