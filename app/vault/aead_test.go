package vault

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
)

func testSymKey(t testing.TB) *symKey {
	t.Helper()
	raw, err := randomKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := newSymKey(raw, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var numberAAD = AAD{Table: "people", RowID: 42, Column: "my_number"}

func TestSealOpen(t *testing.T) {
	k := testSymKey(t)
	for _, pt := range [][]byte{nil, {}, []byte("123456789018"), bytes.Repeat([]byte{0}, 1<<16)} {
		ct, err := k.seal(numberAAD, pt)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != len(pt)+Overhead {
			t.Errorf("ciphertext is %d bytes for %d, want +%d", len(ct), len(pt), Overhead)
		}
		got, err := k.open(numberAAD, ct)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("open = %v", err)
		}
	}
	a, _ := k.seal(numberAAD, []byte("123456789018"))
	b, _ := k.seal(numberAAD, []byte("123456789018"))
	if bytes.Equal(a, b) || bytes.Equal(a[1:1+nonceSize], b[1:1+nonceSize]) {
		t.Error("two seals of the same plaintext share a nonce")
	}
	if bytes.Contains(a, []byte("123456789018")) {
		t.Error("ciphertext contains the plaintext")
	}
}

func TestAADBinding(t *testing.T) {
	k := testSymKey(t)
	ct, err := k.seal(numberAAD, []byte("123456789018"))
	if err != nil {
		t.Fatal(err)
	}
	for name, moved := range map[string]AAD{
		"another row":          {Table: "people", RowID: 43, Column: "my_number"},
		"negative row":         {Table: "people", RowID: -42, Column: "my_number"},
		"another column":       {Table: "people", RowID: 42, Column: "id_front"},
		"another table":        {Table: "dependents", RowID: 42, Column: "my_number"},
		"table/column shifted": {Table: "people_my", RowID: 42, Column: "number"},
		"empty":                {},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := k.open(moved, ct); !errors.Is(err, ErrDecrypt) {
				t.Fatalf("moved ciphertext: error = %v, want ErrDecrypt", err)
			}
		})
	}
}

func TestAADEncodingIsUnambiguous(t *testing.T) {
	pairs := [][2]AAD{
		{{"ab", 1, "c"}, {"a", 1, "bc"}},
		{{"people", 1, ""}, {"", 1, "people"}},
		{{"t", 256, "c"}, {"t", 1, "c"}},
		{{"t\x00\x00\x00\x01", 0, "c"}, {"t", 0, "\x00\x00\x00\x01c"}},
	}
	for _, p := range pairs {
		if bytes.Equal(p[0].bytes(keyVersion1), p[1].bytes(keyVersion1)) {
			t.Errorf("%v and %v encode the same", p[0], p[1])
		}
	}
	if bytes.Equal(numberAAD.bytes(1), numberAAD.bytes(2)) {
		t.Error("version is not part of the AAD")
	}
}

func TestVersionByte(t *testing.T) {
	k := testSymKey(t)
	ct, _ := k.seal(numberAAD, []byte("x"))
	if ct[0] != keyVersion1 {
		t.Fatalf("leading byte = %d, want %d", ct[0], keyVersion1)
	}
	for _, v := range []byte{0, 2, 0xff} {
		bad := bytes.Clone(ct)
		bad[0] = v
		if _, err := k.open(numberAAD, bad); !errors.Is(err, ErrUnknownVersion) {
			t.Errorf("version %d: error = %v, want ErrUnknownVersion", v, err)
		}
	}
}

func TestTamperedCiphertext(t *testing.T) {
	k := testSymKey(t)
	ct, _ := k.seal(numberAAD, []byte("123456789018"))
	for i := range ct {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(ct)
			bad[i] ^= bit
			pt, err := k.open(numberAAD, bad)
			if err == nil || pt != nil {
				t.Fatalf("flipping bit %#x of byte %d went unnoticed", bit, i)
			}
			if !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrUnknownVersion) {
				t.Fatalf("byte %d: unexpected error %v", i, err)
			}
		}
	}
	for n := range len(ct) {
		if _, err := k.open(numberAAD, ct[:n]); err == nil {
			t.Fatalf("truncated to %d bytes went unnoticed", n)
		}
	}
	if _, err := k.open(numberAAD, append(bytes.Clone(ct), 0)); !errors.Is(err, ErrDecrypt) {
		t.Fatal("appended byte went unnoticed")
	}
	other := testSymKey(t)
	if _, err := other.open(numberAAD, ct); !errors.Is(err, ErrDecrypt) {
		t.Fatal("another key opened the ciphertext")
	}
}

func TestClosedSymKey(t *testing.T) {
	k := testSymKey(t)
	ct, _ := k.seal(numberAAD, []byte("x"))
	raw := k.raw
	k.close()
	if !bytes.Equal(raw, make([]byte, keySize)) {
		t.Error("close did not zero the key")
	}
	if _, err := k.seal(numberAAD, nil); !errors.Is(err, ErrSealed) {
		t.Errorf("seal after close: %v", err)
	}
	if _, err := k.open(numberAAD, ct); !errors.Is(err, ErrSealed) {
		t.Errorf("open after close: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	raw := bytes.Repeat([]byte{7}, keySize)
	k, _ := newSymKey(raw, rand.Reader)
	ct, _ := k.seal(numberAAD, []byte("123456789018"))
	f.Add(ct, int64(42), "my_number")
	f.Add([]byte{}, int64(0), "")
	f.Add([]byte{1}, int64(1), "x")
	f.Add(bytes.Repeat([]byte{1}, Overhead), int64(42), "my_number")
	f.Fuzz(func(t *testing.T, ct []byte, row int64, column string) {
		aad := AAD{Table: "people", RowID: row, Column: column}
		pt, err := k.open(aad, ct)
		if err != nil {
			if pt != nil {
				t.Fatal("plaintext returned with an error")
			}
			if !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrUnknownVersion) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if aad != numberAAD || string(pt) != "123456789018" {
			t.Fatalf("opened a ciphertext that was never sealed there")
		}
	})
}
