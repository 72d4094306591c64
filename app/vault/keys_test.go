package vault

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
)

// setupPeople makes company 1 with persons 10 and 11 and company 2 with person 20, and seals a
// number for each person at {"people", id, "my_number"}.
func setupPeople(t *testing.T, e *env, k *Keys) map[int64][]byte {
	t.Helper()
	sealed := map[int64][]byte{}
	e.update(func(tx *store.Tx) error {
		for company, persons := range map[int64][]int64{1: {10, 11}, 2: {20}} {
			if err := k.CreateCompany(tx, company); err != nil {
				return err
			}
			c, err := k.Company(tx, company)
			if err != nil {
				return err
			}
			for _, id := range persons {
				if err := addPerson(tx, company, id); err != nil {
					return err
				}
				if err := c.CreatePerson(tx, id); err != nil {
					return err
				}
				p, err := c.Person(tx, id)
				if err != nil {
					return err
				}
				if sealed[id], err = p.Seal(AAD{"people", id, "my_number"}, []byte("123456789018")); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return sealed
}

func TestCompanyAndPersonKeys(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	sealed := setupPeople(t, e, k)

	err := e.try(func(tx *store.Tx) error { return k.CreateCompany(tx, 1) })
	wantErr(t, err, ErrKeyExists)
	err = e.try(func(tx *store.Tx) error { _, err := k.Company(tx, 3); return err })
	wantErr(t, err, ErrNoCompanyKey)

	// After a fresh unlock every sealed number opens through the hierarchy.
	k2 := e.mustUnlock(1, adminPassword)
	c1, c2 := e.company(k2, 1), e.company(k2, 2)
	for id, ct := range sealed {
		c := c1
		if id == 20 {
			c = c2
		}
		p, err := e.person(c, id)
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := p.Open(AAD{"people", id, "my_number"}, ct); err != nil || string(pt) != "123456789018" {
			t.Fatalf("person %d: %v", id, err)
		}
		// A record of one person moved to another person's row does not open there.
		if other, err := e.person(c1, 10+11-id); err == nil && id != 20 {
			if _, err := other.Open(AAD{"people", 10 + 11 - id, "my_number"}, ct); err == nil {
				t.Fatalf("person %d's record opened as another person's", id)
			}
		}
	}
	err = e.try(func(tx *store.Tx) error { return c1.CreatePerson(tx, 10) })
	wantErr(t, err, ErrKeyExists)
	if _, err := e.person(c1, 20); err == nil || !strings.Contains(err.Error(), "belongs to company 2") {
		t.Fatalf("company 1 opened company 2's person: %v", err)
	}

	// Company-level data.
	aad := AAD{"companies", 1, "submission_private_key"}
	ct, err := c1.Seal(aad, []byte("company secret"))
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := c1.Open(aad, ct); err != nil || string(pt) != "company secret" {
		t.Fatalf("company open: %v", err)
	}
	if _, err := c2.Open(aad, ct); err == nil {
		t.Fatal("company 2 opened company 1's data")
	}
	if _, err := c1.Open(AAD{"companies", 2, "submission_private_key"}, ct); err == nil {
		t.Fatal("company data opened at another row")
	}

	// A company key row copied to another company does not open there.
	e.update(func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE company_keys SET (wrapped_key, wrapped_index) =
			(SELECT wrapped_key, wrapped_index FROM company_keys WHERE company_id = 1) WHERE company_id = 2`)
		return err
	})
	err = e.try(func(tx *store.Tx) error { _, err := k2.Company(tx, 2); return err })
	wantErr(t, err, ErrDecrypt)
}

func TestShredPerson(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	sealed := setupPeople(t, e, k)
	c := e.company(k, 1)

	e.update(func(tx *store.Tx) error { return ShredPerson(tx, 10) })
	_, err := e.person(c, 10)
	wantErr(t, err, ErrShredded)
	err = e.try(func(tx *store.Tx) error { return ShredPerson(tx, 10) })
	wantErr(t, err, ErrShredded)

	p11, err := e.person(c, 11)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p11.Open(AAD{"people", 11, "my_number"}, sealed[11]); err != nil {
		t.Fatalf("shredding person 10 broke person 11: %v", err)
	}
	// The id is on the shred list: no new key can be made for it (ids must not be reused).
	err = e.try(func(tx *store.Tx) error { return c.CreatePerson(tx, 10) })
	wantErr(t, err, ErrShredded)
	// A key row forced in behind the vault's back (another person's, moved) does not unwrap,
	// and the next Open removes it, since the person is on the shred list.
	e.update(func(tx *store.Tx) error {
		if err := addPerson(tx, 1, 12); err != nil {
			return err
		}
		return c.CreatePerson(tx, 12)
	})
	e.update(func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE keys.person_keys SET person_id = 10, key_id = 'forced' WHERE person_id = 12`)
		return err
	})
	_, err = e.person(c, 10)
	wantErr(t, err, ErrDecrypt)
	e.reopen()
	_, err = e.person(c, 10)
	wantErr(t, err, ErrShredded)
}

func TestShredCompany(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	setupPeople(t, e, k)
	c1 := e.company(k, 1)
	e.update(func(tx *store.Tx) error { return k.NewShareKey(tx, 1, "e1-0a1b2c3d") })
	e.update(func(tx *store.Tx) error { return k.NewShareKey(tx, 2, "e1-0a1b2c3d") })
	e.update(func(tx *store.Tx) error { return ShredCompany(tx, 1) })
	err := e.try(func(tx *store.Tx) error { _, err := k.Company(tx, 1); return err })
	wantErr(t, err, ErrNoCompanyKey)
	var shareKeys int
	e.update(func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT count(*) FROM share_keys WHERE company_id = 1`).Scan(&shareKeys)
	})
	if shareKeys != 0 {
		t.Error("the company's shared epoch key survived its shredding")
	}
	e.update(func(tx *store.Tx) error { _, err := k.ShareKey(tx, 2, "e1-0a1b2c3d"); return err })
	for _, id := range []int64{10, 11} {
		_, err := e.person(c1, id)
		wantErr(t, err, ErrShredded)
	}
	if _, err := e.person(e.company(k, 2), 20); err != nil {
		t.Fatalf("company 2 was affected: %v", err)
	}
	err = e.try(func(tx *store.Tx) error { return ShredCompany(tx, 1) })
	wantErr(t, err, ErrNoCompanyKey)
}

// fileBytes is the database file plus any WAL, as an attacker who copies the directory sees it.
func fileBytes(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range entries {
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func TestShreddedKeyLeavesTheFile(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	setupPeople(t, e, k)
	var wrapped []byte
	e.update(func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT wrapped FROM person_keys WHERE person_id = 10`).Scan(&wrapped)
	})
	e.reopen()
	if !bytes.Contains(fileBytes(t, e.dir), wrapped) {
		t.Fatal("test is blind: the wrapped key is not found in the file before shredding")
	}
	e.update(func(tx *store.Tx) error { return ShredPerson(tx, 10) })
	e.reopen()
	if bytes.Contains(fileBytes(t, e.dir), wrapped) {
		t.Fatal("the shredded person key is still in the database file")
	}
}

func TestBlindIndex(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	setupPeople(t, e, k)
	a := e.company(k, 1).BlindIndex("123456789018")
	again := e.company(e.mustUnlock(1, adminPassword), 1).BlindIndex("123456789018")
	other := e.company(k, 2).BlindIndex("123456789018")
	diff := e.company(k, 1).BlindIndex("987654321018")
	if len(a) != 32 {
		t.Fatalf("index is %d bytes", len(a))
	}
	if !bytes.Equal(a, again) {
		t.Error("blind index not stable for the same company and value")
	}
	if bytes.Equal(a, other) {
		t.Error("blind index equal across companies")
	}
	if bytes.Equal(a, diff) {
		t.Error("blind index equal for different values")
	}
}

func TestClosedKeys(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	setupPeople(t, e, k)
	c := e.company(k, 1)
	p, err := e.person(c, 10)
	if err != nil {
		t.Fatal(err)
	}
	k.Close()
	k.Close() // twice is fine
	for name, fn := range map[string]func(tx *store.Tx) error{
		"CreateCompany": func(tx *store.Tx) error { return k.CreateCompany(tx, 2) },
		"Company":       func(tx *store.Tx) error { _, err := k.Company(tx, 1); return err },
		"AuditKey":      func(tx *store.Tx) error { _, err := k.AuditKey(tx); return err },
		"SetPassword":   func(tx *store.Tx) error { return e.v.SetPassword(tx, k, 2, "x") },
	} {
		wantErr(t, e.try(fn), ErrSealed)
		_ = name
	}
	p.Close()
	_, err = p.Seal(AAD{"people", 10, "my_number"}, []byte("x"))
	wantErr(t, err, ErrSealed)
	c.Close()
	_, err = c.Seal(AAD{"companies", 1, "x"}, []byte("x"))
	wantErr(t, err, ErrSealed)
	_, err = e.person(c, 11)
	wantErr(t, err, ErrSealed)
	defer func() {
		if recover() == nil {
			t.Error("BlindIndex on a closed CompanyKey did not panic")
		}
	}()
	c.BlindIndex("123456789018")
}

// The database directory never holds a key, the recovery key or a number in clear.
func TestDatabaseHoldsNoClearSecrets(t *testing.T) {
	e := newEnv(t)
	kit, k := e.init()
	setupPeople(t, e, k)
	e.setPassword(k, 2, "tanaka pw")
	recovery, err := parseRecoveryKey(kit.Key)
	if err != nil {
		t.Fatal(err)
	}
	device, _ := e.kc.Get(deviceSecretAccount(kit.VaultID))
	secrets := map[string][]byte{
		"root key":      rootOf(t, k),
		"recovery key":  recovery,
		"recovery text": []byte(kit.Key),
		"device secret": device,
		"my number":     []byte("123456789018"),
	}
	e.update(func(tx *store.Tx) error {
		var err error
		secrets["audit key"], err = k.AuditKey(tx)
		return err
	})
	c := e.company(k, 1)
	secrets["company key"] = bytes.Clone(c.key.raw)
	secrets["index key"] = bytes.Clone(c.index)
	p, err := e.person(c, 10)
	if err != nil {
		t.Fatal(err)
	}
	secrets["person key"] = bytes.Clone(p.key.raw)

	for _, reopen := range []bool{false, true} { // with the WAL live, then checkpointed
		if reopen {
			e.reopen()
		}
		all := fileBytes(t, e.dir)
		for name, s := range secrets {
			for enc, b := range map[string][]byte{
				"raw":    s,
				"hex":    []byte(hex.EncodeToString(s)),
				"base64": []byte(base64.StdEncoding.EncodeToString(s)),
			} {
				if bytes.Contains(all, b) {
					t.Errorf("database files contain the %s (%s)", name, enc)
				}
			}
		}
	}
}

// Keys is shared by the UI's goroutines; Close may come from the idle timer at any moment.
func TestKeysConcurrentUseAndClose(t *testing.T) {
	e := newEnv(t)
	_, k := e.init()
	setupPeople(t, e, k)
	errs := make(chan error, 64)
	for range 4 {
		go func() {
			for range 16 {
				errs <- e.db.View(t.Context(), func(tx *store.Tx) error {
					c, err := k.Company(tx, 1)
					if err != nil {
						return err
					}
					defer c.Close()
					_, err = c.Person(tx, 10)
					return err
				})
			}
		}()
	}
	for i := range 64 {
		if i == 32 {
			k.Close()
		}
		if err := <-errs; err != nil && !errors.Is(err, ErrSealed) {
			t.Fatal(err)
		}
	}
}

func TestVaultDefaults(t *testing.T) {
	var v Vault
	if v.kdf() != DefaultKDF || v.rand() == nil || v.keychain() == nil {
		t.Fatal("zero Vault lacks its documented defaults")
	}
	if DefaultKDF.MemoryKiB < 64*1024 || DefaultKDF.Time < 3 {
		t.Fatalf("DefaultKDF %+v is below the architecture's floor (m ≥ 64 MiB, t ≥ 3)", DefaultKDF)
	}
}
