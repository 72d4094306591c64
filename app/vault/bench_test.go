package vault

import (
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
)

// BenchmarkUnlockArgon2id is one login with DefaultKDF (64 MiB, t = 3, p = 2): the database read,
// the keychain read, Argon2id, HKDF and the root unwrap. Target: well under a second.
func BenchmarkUnlockArgon2id(b *testing.B) {
	e := newEnv(b)
	e.v.KDF = DefaultKDF
	e.init()
	b.ResetTimer()
	for b.Loop() {
		err := e.db.View(b.Context(), func(tx *store.Tx) error {
			k, err := e.v.Unlock(tx, 1, adminPassword)
			if err == nil {
				k.Close()
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// record is a ~100-byte record: a My Number with the fields stored next to it.
var record = []byte(`{"number":"123456789018","kind":"individual","checked":"2025-11-24","doc":"license","by":17}`)

func benchPerson(b *testing.B) *PersonKey {
	e := newEnv(b)
	_, k := e.init()
	var p *PersonKey
	e.update(func(tx *store.Tx) error {
		if err := k.CreateCompany(tx, 1); err != nil {
			return err
		}
		c, err := k.Company(tx, 1)
		if err != nil {
			return err
		}
		if err := c.CreatePerson(tx, 10); err != nil {
			return err
		}
		p, err = c.Person(tx, 10)
		return err
	})
	return p
}

func BenchmarkSealRecord(b *testing.B) {
	p := benchPerson(b)
	aad := AAD{Table: "people", RowID: 10, Column: "my_number"}
	b.SetBytes(int64(len(record)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Seal(aad, record); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenRecord(b *testing.B) {
	p := benchPerson(b)
	aad := AAD{Table: "people", RowID: 10, Column: "my_number"}
	ct, err := p.Seal(aad, record)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(record)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Open(aad, ct); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBlindIndex(b *testing.B) {
	e := newEnv(b)
	_, k := e.init()
	e.update(func(tx *store.Tx) error { return k.CreateCompany(tx, 1) })
	c := e.company(k, 1)
	b.ReportAllocs()
	for b.Loop() {
		c.BlindIndex("123456789018")
	}
}
