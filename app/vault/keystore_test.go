package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return b
}

// TestPersonKeysLiveInTheKeyStore: person keys are written to keys.db only, so a copy of
// vault.db (a data backup) holds none; the key store is bound to the vault at Init.
func TestPersonKeysLiveInTheKeyStore(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	setupPeople(t, e, k)
	var wrapped []byte
	var keyID string
	e.update(func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT wrapped, key_id FROM keys.person_keys WHERE person_id = 10`).Scan(&wrapped, &keyID)
	})
	if len(keyID) != 32 || bytes.ContainsAny([]byte(keyID), "0123456789") {
		t.Errorf("key id %q is not 32 letters", keyID)
	}
	e.reopen()
	if bytes.Contains(readFile(t, e.path()), wrapped) || bytes.Contains(readFile(t, e.path()+"-wal"), wrapped) {
		t.Fatal("a person key is in vault.db")
	}
	if !bytes.Contains(readFile(t, filepath.Join(e.dir, store.KeysFileName)), wrapped) {
		t.Fatal("the person key is not in keys.db")
	}
	e.update(func(tx *store.Tx) error {
		id, _, err := tx.KeysMeta(store.MetaVaultID)
		if want, _ := e.v.VaultID(tx); id != want || err != nil {
			t.Errorf("key store bound to %q, vault is %q (%v)", id, want, err)
		}
		return nil
	})
}

// TestInitRefusesAForeignKeyStore: a keys.db left from another vault is not taken over.
func TestInitRefusesAForeignKeyStore(t *testing.T) {
	e := newEnv(t)
	e.update(func(tx *store.Tx) error { return tx.SetKeysMeta(store.MetaVaultID, "someone else") })
	err := e.try(func(tx *store.Tx) error { _, _, err := e.v.Init(tx, 1, adminPassword); return err })
	wantErr(t, err, store.ErrKeyStoreMismatch)
}

// TestShredListInBothFiles: a shred is recorded in vault.db and keys.db, and a person on the
// list gets no new key.
func TestShredListInBothFiles(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	setupPeople(t, e, k)
	c := e.company(k, 1)
	e.update(func(tx *store.Tx) error { return ShredPerson(tx, 11) })
	e.update(func(tx *store.Tx) error {
		for _, s := range []string{"vault", "keys"} {
			var n int
			if err := tx.QueryRow(`SELECT count(*) FROM ` + s + `.shredded_keys WHERE person_id = 11 AND whole = 1`).Scan(&n); err != nil {
				return err
			}
			if n != 1 {
				t.Errorf("%s shred list lacks person 11", s)
			}
		}
		return nil
	})
	err := e.try(func(tx *store.Tx) error { return c.CreatePerson(tx, 11) })
	wantErr(t, err, ErrShredded)
	// ShredCompany lists every person of the company.
	e.update(func(tx *store.Tx) error { return ShredCompany(tx, 2) })
	e.update(func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM vault.shredded_keys WHERE person_id = 20 AND whole = 1`).Scan(&n); err != nil || n != 1 {
			t.Errorf("ShredCompany: person 20 listed %d times (%v)", n, err)
		}
		return nil
	})
}

// TestRotatePerson: what reseal keeps opens under the new key; what it leaves under the old key
// never opens again (ErrShredded and ErrDecrypt), not even after the old key row is restored
// from a key backup; a failing reseal changes nothing.
func TestRotatePerson(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	sealed := setupPeople(t, e, k)
	c := e.company(k, 1)
	doc := AAD{"documents", 10, "content"}
	var docCT []byte
	e.update(func(tx *store.Tx) error {
		p, err := c.Person(tx, 10)
		if err != nil {
			return err
		}
		defer p.Close()
		docCT, err = p.Seal(doc, []byte("licence image"))
		return err
	})
	backup := filepath.Join(t.TempDir(), "keys.bak")
	if err := e.db.BackupKeys(t.Context(), backup); err != nil {
		t.Fatal(err)
	}

	boom := errors.New("boom")
	err := e.try(func(tx *store.Tx) error {
		return c.RotatePerson(tx, 10, func(old, next *PersonKey) error { return boom })
	})
	wantErr(t, err, boom)
	if p, err := e.person(c, 10); err != nil {
		t.Fatal(err)
	} else if _, err := p.Open(AAD{"people", 10, "my_number"}, sealed[10]); err != nil {
		t.Fatalf("a failed rotation changed the key: %v", err)
	}

	e.update(func(tx *store.Tx) error {
		return c.RotatePerson(tx, 10, func(old, next *PersonKey) error {
			pt, err := old.Open(doc, docCT)
			if err != nil {
				return err
			}
			docCT, err = next.Seal(doc, pt)
			return err
		})
	})
	p, err := e.person(c, 10)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := p.Open(doc, docCT); err != nil || string(pt) != "licence image" {
		t.Fatalf("kept data: %q %v", pt, err)
	}
	_, err = p.Open(AAD{"people", 10, "my_number"}, sealed[10])
	wantErr(t, err, ErrShredded)
	wantErr(t, err, ErrDecrypt)
	if p11, err := e.person(c, 11); err != nil {
		t.Fatal(err)
	} else if _, err := p11.Open(AAD{"people", 11, "my_number"}, sealed[11]); err != nil || p11.rotated {
		t.Fatalf("person 11 affected: %v", err)
	}

	// Restoring the key backup made before the rotation does not bring the old key back.
	e.db.Close()
	if _, _, err := store.MergeShredLists(t.Context(), backup, "", e.path(), filepath.Join(e.dir, store.KeysFileName)); err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(e.dir, store.KeysFileName)
	os.Remove(keys + "-wal")
	os.Remove(keys + "-shm")
	if err := os.Rename(backup, keys); err != nil {
		t.Fatal(err)
	}
	e.open()
	p, err = e.person(c, 10)
	wantErr(t, err, ErrShredded) // the restored store lost the new key, and the old one is gone
	if p != nil {
		t.Fatal("a key came back")
	}
	if _, err := e.person(c, 11); err != nil {
		t.Fatalf("person 11 after key restore: %v", err)
	}
}
