package vault

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// testKDF keeps Argon2id cheap in unit tests; BenchmarkUnlockArgon2id measures DefaultKDF.
var testKDF = KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}

var testNow = time.Date(2025, 11, 24, 9, 30, 0, 0, time.UTC)

const adminPassword = "correct horse battery staple"

// env is a vault database in a temp dir with users 1 (admin), 2, 3 and companies 1, 2.
type env struct {
	t   testing.TB
	dir string
	db  *store.DB
	kc  *keychain.Mem
	v   *Vault
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), kc: &keychain.Mem{}}
	e.v = &Vault{Keychain: e.kc, KDF: testKDF}
	e.open()
	e.update(func(tx *store.Tx) error {
		for id, login := range map[int64]string{1: "admin", 2: "tanaka", 3: "suzuki"} {
			if _, err := tx.Exec(`INSERT INTO users(id, login, display_name, is_admin, created_at, updated_at)
				VALUES(?, ?, ?, ?, ?, ?)`, id, login, login, id == 1, tx.NowText(), tx.NowText()); err != nil {
				return err
			}
		}
		for _, id := range []int64{1, 2} {
			if _, err := tx.Exec(`INSERT INTO companies(id, code, name, created_at, updated_at) VALUES(?, ?, ?, ?, ?)`,
				id, "C"+string(rune('0'+id)), "テスト株式会社", tx.NowText(), tx.NowText()); err != nil {
				return err
			}
		}
		return nil
	})
	return e
}

func (e *env) path() string { return filepath.Join(e.dir, store.FileName) }

func (e *env) open() {
	e.t.Helper()
	db, err := store.Open(context.Background(), e.path())
	if err != nil {
		e.t.Fatal(err)
	}
	db.Now = func() time.Time { return testNow }
	e.db = db
	e.t.Cleanup(func() { db.Close() })
}

// reopen closes the database (checkpointing the WAL into the file) and opens it again.
func (e *env) reopen() {
	e.t.Helper()
	if err := e.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// update runs fn in a write transaction and fails the test on error.
func (e *env) update(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.Update(context.Background(), fn); err != nil {
		e.t.Fatal(err)
	}
}

// try runs fn in a write transaction and returns its error.
func (e *env) try(fn func(tx *store.Tx) error) error {
	return e.db.Update(context.Background(), fn)
}

func (e *env) init() (RecoveryKit, *Keys) {
	e.t.Helper()
	var kit RecoveryKit
	var k *Keys
	e.update(func(tx *store.Tx) error {
		var err error
		kit, k, err = e.v.Init(tx, 1, adminPassword)
		return err
	})
	e.t.Cleanup(k.Close)
	return kit, k
}

func (e *env) unlock(userID int64, password string) (*Keys, error) {
	var k *Keys
	err := e.try(func(tx *store.Tx) error {
		var err error
		k, err = e.v.Unlock(tx, userID, password)
		return err
	})
	if k != nil {
		e.t.Cleanup(k.Close)
	}
	return k, err
}

func (e *env) mustUnlock(userID int64, password string) *Keys {
	e.t.Helper()
	k, err := e.unlock(userID, password)
	if err != nil {
		e.t.Fatalf("unlock user %d: %v", userID, err)
	}
	return k
}

func (e *env) setPassword(k *Keys, userID int64, password string) {
	e.t.Helper()
	e.update(func(tx *store.Tx) error { return e.v.SetPassword(tx, k, userID, password) })
}

func (e *env) company(k *Keys, id int64) *CompanyKey {
	e.t.Helper()
	var c *CompanyKey
	e.update(func(tx *store.Tx) error {
		var err error
		c, err = k.Company(tx, id)
		return err
	})
	return c
}

func (e *env) person(c *CompanyKey, id int64) (*PersonKey, error) {
	var p *PersonKey
	err := e.try(func(tx *store.Tx) error {
		var err error
		p, err = c.Person(tx, id)
		return err
	})
	return p, err
}

func rootOf(t testing.TB, k *Keys) []byte {
	t.Helper()
	root, err := k.rootFor(k.VaultID())
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

// addPerson writes the company and person rows a person key belongs to: the store removes, at
// Open, keys of people vault.db does not hold (what an unfinished transaction leaves).
func addPerson(tx *store.Tx, companyID, personID int64) error {
	if _, err := tx.Exec(`INSERT INTO companies(id, code, name, created_at, updated_at) VALUES(?, 'C' || ?, 'テスト企業', ?, ?)
		ON CONFLICT DO NOTHING`, companyID, companyID, tx.NowText(), tx.NowText()); err != nil {
		return err
	}
	_, err := tx.Exec(`INSERT INTO persons(id, company_id, kind, employee_code, name, created_at, updated_at) VALUES(?, ?, 'employee', 'E' || ?, 'テスト', ?, ?)
		ON CONFLICT DO NOTHING`, personID, companyID, personID, tx.NowText(), tx.NowText())
	return err
}
