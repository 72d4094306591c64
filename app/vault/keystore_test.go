package vault

import (
	"bytes"
	"errors"
	"github.com/mynumber-shelter/shelter/internal/testenv"
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

// TestRotateFullDisk: a rotation whose commit reaches the key store (which commits first) but
// not vault.db, because the disk under vault.db is full. The data vault.db still holds, sealed
// under the old key, must still open — in this process and after a restart — and a retry
// finishes the rotation and destroys the old key.
func TestRotateFullDisk(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	setupPeople(t, e, k)
	c := e.company(k, 1)
	doc := AAD{"documents", 10, "content"}
	// The document as vault.db holds it (sealed under person 10's first key).
	var docCT []byte
	e.update(func(tx *store.Tx) error {
		p, err := c.Person(tx, 10)
		if err != nil {
			return err
		}
		defer p.Close()
		docCT, err = p.Seal(doc, []byte("licence image"))
		if err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO person_documents(person_id, kind, content_type, size, ciphertext, created_at)
			VALUES(10, 'licence', 'image/png', 13, ?, ?)`, docCT, tx.NowText())
		return err
	})
	rotate := func() error {
		return e.try(func(tx *store.Tx) error {
			var ct []byte
			if err := tx.QueryRow(`SELECT ciphertext FROM person_documents WHERE person_id = 10`).Scan(&ct); err != nil {
				return err
			}
			return c.RotatePerson(tx, 10, func(old, next *PersonKey) error {
				pt, err := old.Open(doc, ct)
				if err != nil {
					return err
				}
				sealed, err := next.Seal(doc, pt)
				if err != nil {
					return err
				}
				_, err = tx.Exec(`UPDATE person_documents SET ciphertext = ? WHERE person_id = 10`, sealed)
				return err
			})
		})
	}
	stored := func() []byte {
		var ct []byte
		e.update(func(tx *store.Tx) error {
			return tx.QueryRow(`SELECT ciphertext FROM person_documents WHERE person_id = 10`).Scan(&ct)
		})
		return ct
	}
	opens := func(ct []byte) error {
		p, err := e.person(c, 10)
		if err != nil {
			return err
		}
		defer p.Close()
		pt, err := p.Open(doc, ct)
		if err == nil && string(pt) != "licence image" {
			err = errors.New("another document")
		}
		return err
	}

	// vault.db onto a disk that is full by the time the rotation commits.
	mnt := testenv.Tmpfs(t, 8<<20)
	e.db.Close()
	b, err := os.ReadFile(e.path())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(mnt, store.FileName), b, 0o600)
	os.Remove(e.path())
	if err := os.Symlink(filepath.Join(mnt, store.FileName), e.path()); err != nil {
		t.Fatal(err)
	}
	e.open()
	e.update(func(tx *store.Tx) error { return tx.SetMeta("warm", "1") }) // connections open before the disk fills
	filler, err := os.Create(filepath.Join(mnt, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for _, size := range []int{4096, 512, 1} {
		for {
			if _, err := filler.Write(chunk[:size]); err != nil {
				break
			}
		}
	}
	filler.Close()

	if err := rotate(); err == nil {
		t.Fatal("a rotation committed onto a full disk")
	}
	if err := opens(stored()); err != nil {
		t.Fatalf("after the failed rotation, in the same process: %v", err)
	}
	os.Remove(filepath.Join(mnt, "filler"))
	e.reopen()
	if err := opens(stored()); err != nil {
		t.Fatalf("after the failed rotation and a restart: %v", err)
	}

	// The retry finishes it: the document opens under the new key only, and no old key is left.
	if err := rotate(); err != nil {
		t.Fatal(err)
	}
	if err := opens(stored()); err != nil {
		t.Fatalf("after the retry: %v", err)
	}
	err = opens(docCT)
	wantErr(t, err, ErrShredded)
	var retired int
	e.update(func(tx *store.Tx) error { return tx.QueryRow(`SELECT count(*) FROM keys.retired_keys`).Scan(&retired) })
	if retired != 0 {
		t.Fatalf("%d retired keys left after the rotation finished", retired)
	}
}
