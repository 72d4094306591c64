package card

import (
	"bytes"
	"crypto/x509"
	"errors"
	"slices"
	"testing"
	"time"

	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
)

func verifierFor(sims ...*simcard.Card) *AuthVerifier {
	roots := x509.NewCertPool()
	for _, s := range sims {
		roots.AddCert(s.CACertificate())
	}
	return &AuthVerifier{Roots: roots}
}

func TestAuthenticate(t *testing.T) {
	otherKeys, err := simcard.GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	good := newSim(t, simcard.Config{})
	// A card whose certificate comes from another CA than the one the verifier trusts.
	foreign := newSim(t, simcard.Config{Keys: otherKeys})
	// A card that signs with a key other than the certified one.
	forger := newSim(t, simcard.Config{ForgeAuthSignature: true})

	challenge, err := NewChallenge(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		sim     *simcard.Card
		v       *AuthVerifier
		check   []byte // challenge given to Verify (default: the one signed)
		wantErr error
	}{
		{"good", good, verifierFor(good), nil, nil},
		{"untrusted CA", foreign, verifierFor(good), nil, ErrUntrusted},
		{"forged signature", forger, verifierFor(forger), nil, ErrSignature},
		{"other challenge", good, verifierFor(good), bytes.Repeat([]byte{7}, 32), ErrSignature},
		{"expired", good, &AuthVerifier{Roots: verifierFor(good).Roots, Now: func() time.Time { return time.Now().AddDate(10, 0, 0) }}, nil, ErrUntrusted},
		{"not yet valid", good, &AuthVerifier{Roots: verifierFor(good).Roots, Now: func() time.Time { return time.Now().AddDate(-1, 0, 0) }}, nil, ErrUntrusted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := inProcess(tt.sim)
			resp, err := Authenticate(tr, testAuthPIN, challenge)
			if err != nil {
				t.Fatal(err)
			}
			if !resp.Certificate.Equal(tt.sim.AuthCertificate()) || len(resp.Signature) != 256 {
				t.Fatalf("response does not carry the card's certificate and a 2048-bit signature")
			}
			if got := tr.verifies(); !slices.Equal(got, []string{"empty", "pin"}) || tr.resets != 1 {
				t.Errorf("VERIFY sequence %v with %d resets, want [empty pin] and 1", got, tr.resets)
			}
			check := challenge
			if tt.check != nil {
				check = tt.check
			}
			err = tt.v.Verify(resp, check)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestAuthenticatePIN(t *testing.T) {
	sim := newSim(t, simcard.Config{AuthPINTries: 2})
	tr := inProcess(sim)
	if n, err := AuthPINRetries(tr); n != 2 || err != nil {
		t.Fatalf("AuthPINRetries = %d, %v", n, err)
	}
	challenge := make([]byte, ChallengeSize)
	_, err := Authenticate(tr, wrongPIN, challenge)
	var wp *WrongPINError
	if !errors.As(err, &wp) || wp.Retries != 1 {
		t.Fatalf("wrong auth PIN: %v", err)
	}
	assertSafeError(t, err)
	if _, err := Authenticate(tr, testAuthPIN, challenge); !errors.Is(err, ErrLastTry) {
		t.Fatalf("last try: %v, want ErrLastTry", err)
	}
	if _, err := AuthenticateWith(tr, testAuthPIN, challenge, &Options{AllowLastTry: true}); err != nil {
		t.Fatal(err)
	}
	if n, _ := AuthPINRetries(tr); n != AuthPINMaxTries {
		t.Fatalf("tries after success = %d", n)
	}
	if n, _ := PINRetries(tr); n != KenhojoPINMaxTries {
		t.Fatalf("the 券面事項入力補助 PIN changed: %d", n)
	}
	if _, err := Authenticate(tr, testAuthPIN, challenge[:16]); err == nil {
		t.Fatal("short challenge accepted")
	}
	if err := (&AuthVerifier{}).Verify(&AuthResponse{}, challenge); err == nil {
		t.Fatal("verifier without roots accepted")
	}
}

func TestReadAuthCertificate(t *testing.T) {
	sim := newSim(t, simcard.Config{})
	tr := inProcess(sim)
	cert, err := ReadAuthCertificate(tr)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.Equal(sim.AuthCertificate()) {
		t.Fatal("certificate differs from EF 000A")
	}
	if slices.Contains(tr.verifies(), "pin") {
		t.Fatal("reading the certificate used a PIN")
	}
	if _, err := ReadAuthCertificate(inProcess(newSim(t, simcard.Config{NoJPKI: true}))); !errors.Is(err, ErrNotMyNumberCard) {
		t.Fatalf("no JPKI: %v", err)
	}
}

func TestUID(t *testing.T) {
	uid, err := UID(inProcess(newSim(t, simcard.Config{UID: []byte{0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03}})))
	if err != nil || !bytes.Equal(uid, []byte{0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03}) {
		t.Fatalf("UID = % X, %v", uid, err)
	}
}

func TestNewChallenge(t *testing.T) {
	a, _ := NewChallenge(nil)
	b, _ := NewChallenge(nil)
	if len(a) != ChallengeSize || bytes.Equal(a, b) {
		t.Fatal("challenges are not fresh")
	}
	c, err := NewChallenge(bytes.NewReader(bytes.Repeat([]byte{1}, 32)))
	if err != nil || !bytes.Equal(c, bytes.Repeat([]byte{1}, 32)) {
		t.Fatal("injected randomness not used")
	}
	if _, err := NewChallenge(bytes.NewReader(nil)); err == nil {
		t.Fatal("empty reader accepted")
	}
}

// TestJPKIVariants: the JPKI operations on the real card's answers (the default) and on the
// variants cards in the field show: 62 82 or 6C xx past the end of a file, 90 00 to an
// empty VERIFY while the PIN is verified.
func TestJPKIVariants(t *testing.T) {
	for name, cfg := range map[string]simcard.Config{
		"real card":              {},
		"62 82 at end of file":   {EOF: simcard.EOF6282},
		"6C xx at end of file":   {EOF: simcard.EOF6Cxx},
		"90 00 when verified":    {VerifiedSW9000: true},
		"all the field variants": {EOF: simcard.EOF6282, VerifiedSW9000: true, ShortNumberEF: true},
	} {
		t.Run(name, func(t *testing.T) {
			sim := newSim(t, cfg)
			tr := inProcess(sim)
			if err := CheckMyNumberCard(tr); err != nil {
				t.Fatal(err)
			}
			if n, err := AuthPINRetries(tr); n != simcard.MaxAuthPINTries || err != nil {
				t.Fatalf("AuthPINRetries = %d, %v", n, err)
			}
			cert, err := ReadAuthCertificate(tr)
			if err != nil || !cert.Equal(sim.AuthCertificate()) {
				t.Fatalf("ReadAuthCertificate: %v", err)
			}
			challenge, err := NewChallenge(nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := Authenticate(tr, testAuthPIN, challenge)
			if err != nil {
				t.Fatal(err)
			}
			if err := verifierFor(sim).Verify(resp, challenge); err != nil {
				t.Fatal(err)
			}
		})
	}
}
