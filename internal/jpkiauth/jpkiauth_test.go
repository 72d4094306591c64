package jpkiauth

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"
)

// issue makes a certificate for key, signed by parent/parentKey (self-signed when parent is nil).
func issue(t *testing.T, cn string, key *rsa.PrivateKey, parent *x509.Certificate, parentKey *rsa.PrivateKey, ca bool, from, to time.Time) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: from, NotAfter: to, IsCA: ca, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVerifier(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	caKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	cardKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ca := issue(t, "Test JPKI CA (fake)", caKey, nil, nil, true, now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0))
	leaf := issue(t, "Test card (fake)", cardKey, ca, caKey, false, now.AddDate(0, -1, 0), now.AddDate(1, 0, 0))
	otherCA := issue(t, "Another CA (fake)", otherKey, nil, nil, true, now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0))

	challenge, err := NewChallenge(nil)
	if err != nil || len(challenge) != ChallengeSize {
		t.Fatalf("NewChallenge: %d bytes, %v", len(challenge), err)
	}
	h := sha256.Sum256(challenge)
	sig, err := rsa.SignPKCS1v15(rand.Reader, cardKey, crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	pool := func(c *x509.Certificate) *x509.CertPool { p := x509.NewCertPool(); p.AddCert(c); return p }
	at := func(t time.Time) func() time.Time { return func() time.Time { return t } }

	v := &Verifier{Roots: pool(ca), Now: at(now)}
	if err := v.Verify(&Response{Certificate: leaf, Signature: sig}, challenge); err != nil {
		t.Fatalf("a good answer: %v", err)
	}
	bad := append([]byte(nil), sig...)
	bad[10] ^= 1
	for name, c := range map[string]struct {
		v    *Verifier
		resp *Response
		ch   []byte
		want error
	}{
		"tampered signature":      {v, &Response{Certificate: leaf, Signature: bad}, challenge, ErrSignature},
		"another challenge":       {v, &Response{Certificate: leaf, Signature: sig}, append([]byte{1}, challenge[1:]...), ErrSignature},
		"another CA":              {&Verifier{Roots: pool(otherCA), Now: at(now)}, &Response{Certificate: leaf, Signature: sig}, challenge, ErrUntrusted},
		"after the card's expiry": {&Verifier{Roots: pool(ca), Now: at(now.AddDate(2, 0, 0))}, &Response{Certificate: leaf, Signature: sig}, challenge, ErrUntrusted},
		"no certificate":          {v, &Response{Signature: sig}, challenge, ErrUntrusted},
	} {
		if err := c.v.Verify(c.resp, c.ch); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if err := v.Verify(&Response{Certificate: leaf, Signature: sig}, challenge[:8]); err == nil {
		t.Error("a short challenge was accepted")
	}
	if err := (&Verifier{}).Verify(&Response{Certificate: leaf, Signature: sig}, challenge); err == nil {
		t.Error("a verifier without roots accepted an answer")
	}
}
