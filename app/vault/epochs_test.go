package vault

import (
	"errors"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
)

// TestShareEpochKeys: an epoch's key is made and kept under the root key, travels to another
// installation in a box only that installation opens, and is refused for another company, a
// second time, or as a key for person keys.
func TestShareEpochKeys(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	_, ka := a.init()
	_, kb := b.init()
	const epoch = "e2-0a1b2c3d"
	var pubB []byte
	b.update(func(tx *store.Tx) (err error) { pubB, err = kb.InstallationKey(tx); return err })
	var box, boxOther []byte
	a.update(func(tx *store.Tx) error {
		if err := ka.CreateCompany(tx, 1); err != nil {
			return err
		}
		if err := ka.CreateCompany(tx, 2); err != nil {
			return err
		}
		// B holds company 1's company key, as a member that accepted its offer does.
		wrapped, err := ka.WrapCompanyTo(tx, 1, pubB, []byte("offer"))
		if err != nil {
			return err
		}
		b.update(func(tx *store.Tx) error { return kb.ImportCompany(tx, 1, []byte("offer"), wrapped) })
		if err := ka.NewShareKey(tx, 1, epoch); err != nil {
			return err
		}
		if err := ka.NewShareKey(tx, 1, epoch); !errors.Is(err, ErrKeyExists) {
			t.Errorf("a second key for one epoch: %v, want ErrKeyExists", err)
		}
		ek, err := ka.ShareKey(tx, 1, epoch)
		if err != nil {
			return err
		}
		defer ek.Close()
		ck, err := ka.Company(tx, 1)
		if err != nil {
			return err
		}
		defer ck.Close()
		sealed, err := ek.Seal(AAD{Table: "t", Column: "c"}, []byte("after the removal"))
		if err != nil {
			return err
		}
		if _, err := ck.Open(AAD{Table: "t", Column: "c"}, sealed); err == nil {
			t.Error("the company key opens what the epoch's key sealed")
		}
		if err := ek.CreatePerson(tx, 7); !errors.Is(err, errEpochKey) {
			t.Errorf("a person key under an epoch's key: %v, want errEpochKey", err)
		}
		if box, err = ka.WrapKeyTo(ek, pubB, []byte("aad")); err != nil {
			return err
		}
		other, err := ka.Company(tx, 2)
		if err != nil {
			return err
		}
		defer other.Close()
		boxOther, err = ka.WrapKeyTo(other, pubB, []byte("aad"))
		return err
	})
	b.update(func(tx *store.Tx) error {
		if err := kb.ImportShareKey(tx, 1, epoch, []byte("other aad"), box); !errors.Is(err, ErrDecrypt) {
			t.Errorf("a box under another aad: %v, want ErrDecrypt", err)
		}
		if err := kb.ImportShareKey(tx, 1, epoch, []byte("aad"), boxOther); !errors.Is(err, ErrDecrypt) {
			t.Errorf("another company's key as this company's epoch: %v, want ErrDecrypt", err)
		}
		if _, err := kb.ShareKey(tx, 1, epoch); !errors.Is(err, ErrNoCompanyKey) {
			t.Errorf("an epoch not received: %v, want ErrNoCompanyKey", err)
		}
		if err := kb.ImportShareKey(tx, 1, epoch, []byte("aad"), box); err != nil {
			return err
		}
		if err := kb.ImportShareKey(tx, 1, epoch, []byte("aad"), box); !errors.Is(err, ErrKeyExists) {
			t.Errorf("importing an epoch twice: %v, want ErrKeyExists", err)
		}
		return nil
	})
	// Both sides' epoch keys are one key.
	var sealed []byte
	a.update(func(tx *store.Tx) error {
		ek, err := ka.ShareKey(tx, 1, epoch)
		if err != nil {
			return err
		}
		defer ek.Close()
		sealed, err = ek.Seal(AAD{Table: "x"}, []byte("hello"))
		return err
	})
	b.update(func(tx *store.Tx) error {
		ek, err := kb.ShareKey(tx, 1, epoch)
		if err != nil {
			return err
		}
		defer ek.Close()
		pt, err := ek.Open(AAD{Table: "x"}, sealed)
		if err != nil || string(pt) != "hello" {
			t.Errorf("B opens A's epoch seal: %q %v", pt, err)
		}
		return nil
	})
}
