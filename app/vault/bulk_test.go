package vault

import (
	"errors"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
)

// TestPersonKeyWriter: bulk-created keys open what they seal, an existing key and a shredded id
// are refused, like CreatePerson.
func TestPersonKeyWriter(t *testing.T) {
	e := newEnv(t)
	_, keys := e.init()
	e.update(func(tx *store.Tx) error {
		if err := keys.CreateCompany(tx, 1); err != nil {
			return err
		}
		ck, err := keys.Company(tx, 1)
		if err != nil {
			return err
		}
		if err := ck.CreatePerson(tx, 7); err != nil {
			return err
		}
		if err := ShredPerson(tx, 7); err != nil {
			return err
		}
		if err := ck.CreatePerson(tx, 8); err != nil {
			return err
		}
		w, err := ck.PersonKeyWriter(tx)
		if err != nil {
			return err
		}
		defer w.Close()
		pk, err := w.Create(9)
		if err != nil {
			return err
		}
		ct, err := pk.Seal(AAD{"t", 9, "c"}, []byte("secret"))
		if err != nil {
			return err
		}
		again, err := ck.Person(tx, 9)
		if err != nil {
			return err
		}
		if pt, err := again.Open(AAD{"t", 9, "c"}, ct); err != nil || string(pt) != "secret" {
			t.Errorf("read-back key does not open: %v", err)
		}
		if _, err := w.Create(9); !errors.Is(err, ErrKeyExists) {
			t.Errorf("second key: %v", err)
		}
		if _, err := w.Create(8); !errors.Is(err, ErrKeyExists) {
			t.Errorf("existing key: %v", err)
		}
		if _, err := w.Create(7); !errors.Is(err, ErrShredded) {
			t.Errorf("shredded id: %v", err)
		}
		return nil
	})
}
