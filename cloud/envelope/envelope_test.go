package envelope

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"math"
	"testing"
)

func testKey(t testing.TB, seed byte) ed25519.PrivateKey {
	t.Helper()
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func sample(t testing.TB) *Envelope {
	t.Helper()
	e := &Envelope{Company: "co-1", Record: "rec.42", Seq: 7, Ciphertext: []byte("opaque ciphertext")}
	if err := e.Sign(testKey(t, 1)); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRoundTrip(t *testing.T) {
	e := sample(t)
	b, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != Overhead+len(e.Company)+len(e.Record)+len(e.Ciphertext) {
		t.Fatalf("length %d", len(b))
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Company != e.Company || got.Record != e.Record || got.Seq != e.Seq || got.Sender != e.Sender ||
		!bytes.Equal(got.Ciphertext, e.Ciphertext) || got.Signature != e.Signature {
		t.Fatalf("round trip changed the envelope: %+v", got)
	}
	if err := got.Verify(testKey(t, 1).Public().(ed25519.PublicKey)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	b[len(b)-70] ^= 1 // a ciphertext byte
	if err := mustParse(t, b).Verify(testKey(t, 1).Public().(ed25519.PublicKey)); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered ciphertext: Verify = %v, want ErrBadSignature", err)
	}
}

func mustParse(t *testing.T, b []byte) *Envelope {
	t.Helper()
	e, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Every header field is covered by the signature: changing any of them breaks Verify.
func TestSignatureBindsHeader(t *testing.T) {
	pub := testKey(t, 1).Public().(ed25519.PublicKey)
	for name, change := range map[string]func(*Envelope){
		"company": func(e *Envelope) { e.Company = "co-2" },
		"record":  func(e *Envelope) { e.Record = "rec.43" },
		"seq":     func(e *Envelope) { e.Seq++ },
		"sender":  func(e *Envelope) { e.Sender[0] ^= 1 },
		"ct":      func(e *Envelope) { e.Ciphertext = []byte("other") },
	} {
		e := sample(t)
		change(e)
		if err := e.Verify(pub); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s changed: Verify = %v", name, err)
		}
	}
	if err := sample(t).Verify(testKey(t, 2).Public().(ed25519.PublicKey)); !errors.Is(err, ErrBadSignature) {
		t.Errorf("other key: Verify = %v", err)
	}
}

func TestAADExcludesCiphertext(t *testing.T) {
	e := sample(t)
	a1, _ := e.AAD()
	e.Ciphertext = []byte("different")
	a2, _ := e.AAD()
	if !bytes.Equal(a1, a2) {
		t.Fatal("AAD depends on the ciphertext")
	}
	e.Record = "rec.1"
	a3, _ := e.AAD()
	if bytes.Equal(a1, a3) {
		t.Fatal("AAD does not bind the record id")
	}
}

func TestInvalidFields(t *testing.T) {
	for name, e := range map[string]Envelope{
		"empty company": {Record: "r", Seq: 1},
		"slash company": {Company: "a/b", Record: "r", Seq: 1},
		"long record":   {Company: "c", Record: string(bytes.Repeat([]byte("r"), 65)), Seq: 1},
		"zero seq":      {Company: "c", Record: "r"},
		"huge seq":      {Company: "c", Record: "r", Seq: math.MaxInt64 + 1},
	} {
		if _, err := e.Marshal(); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Marshal = %v, want ErrMalformed", name, err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	good, _ := sample(t).Marshal()
	v2 := bytes.Clone(good)
	v2[4] = 2
	for name, tc := range map[string]struct {
		b    []byte
		want error
	}{
		"empty":    {nil, ErrMalformed},
		"magic":    {append([]byte("XXXX"), good[4:]...), ErrMalformed},
		"version":  {v2, ErrVersion},
		"short":    {good[:len(good)-1], ErrMalformed},
		"trailing": {append(bytes.Clone(good), 0), ErrMalformed},
		"header":   {good[:20], ErrMalformed},
	} {
		if _, err := Parse(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: Parse = %v, want %v", name, err, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	good, _ := sample(f).Marshal()
	f.Add(good)
	f.Add(good[:30])
	f.Add([]byte("SHEV\x01\x01c\x01r"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Parse(b)
		if err != nil {
			if e != nil {
				t.Fatal("envelope returned with an error")
			}
			return
		}
		out, err := e.Marshal()
		if err != nil {
			t.Fatalf("parsed envelope does not marshal: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatal("Marshal(Parse(b)) != b")
		}
	})
}
