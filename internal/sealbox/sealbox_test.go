package sealbox

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	k, err := GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := GenerateKey(nil)
	msg := []byte("page one of a scanned document")
	aad := []byte("inbox|vault-1")
	box, err := Seal(nil, k.PublicKey(), aad, msg)
	if err != nil {
		t.Fatal(err)
	}
	if len(box) != len(msg)+Overhead {
		t.Fatalf("box is %d bytes, want %d", len(box), len(msg)+Overhead)
	}
	if bytes.Contains(box, msg) {
		t.Fatal("plaintext visible in the box")
	}
	got, err := Open(k, aad, box)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Wrong key, wrong context, any flipped byte, truncation: ErrOpen.
	if _, err := Open(other, aad, box); !errors.Is(err, ErrOpen) {
		t.Errorf("other key: %v", err)
	}
	if _, err := Open(k, []byte("inbox|vault-2"), box); !errors.Is(err, ErrOpen) {
		t.Errorf("other aad: %v", err)
	}
	for i := range box {
		b := bytes.Clone(box)
		b[i] ^= 0x01
		if _, err := Open(k, aad, b); !errors.Is(err, ErrOpen) {
			t.Fatalf("flipped byte %d opened: %v", i, err)
		}
	}
	if _, err := Open(k, aad, box[:Overhead-1]); !errors.Is(err, ErrOpen) {
		t.Errorf("short box: %v", err)
	}
}

func TestParsePublicKey(t *testing.T) {
	k, _ := GenerateKey(nil)
	if _, err := ParsePublicKey(k.PublicKey().Bytes()); err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePublicKey(make([]byte, 65)); err == nil {
		t.Fatal("all-zero point accepted")
	}
}

func FuzzOpen(f *testing.F) {
	k, _ := GenerateKey(nil)
	box, _ := Seal(nil, k.PublicKey(), nil, []byte("x"))
	f.Add(box)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		if pt, err := Open(k, nil, b); err == nil && !bytes.Equal(b, box) {
			t.Fatalf("forged box opened to %q", pt)
		}
	})
}
