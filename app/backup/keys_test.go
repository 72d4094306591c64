package backup

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

var (
	key1 = []byte{0x51, 0xa1, 0x51, 0xa1, 0x51, 0xa1, 0x51, 0xa1}
	key2 = []byte{0x52, 0xa2, 0x52, 0xa2, 0x52, 0xa2, 0x52, 0xa2}
)

func openVault(t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func update(t *testing.T, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func keyCount(t *testing.T, db *store.DB, personID int64) int {
	t.Helper()
	var n int
	update(t, db, func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT count(*) FROM keys.person_keys WHERE person_id = ?`, personID).Scan(&n)
	})
	return n
}

// TestKeyBackupRoundTrip: a key backup restored after a shred brings back every key except the
// shredded one; the wrong kind of file, another vault and a damaged file are refused.
func TestKeyBackupRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openVault(t, dir)
	update(t, db, func(tx *store.Tx) error {
		if err := tx.SetMeta(store.MetaVaultID, "vault-a"); err != nil {
			return err
		}
		if err := tx.SetKeysMeta(store.MetaVaultID, "vault-a"); err != nil {
			return err
		}
		// The people the keys belong to (Open removes keys of people vault.db does not hold).
		if _, err := tx.Exec(`INSERT INTO companies(id, code, name, created_at, updated_at) VALUES(1, 'C1', 'x', '', '')`); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO persons(id, company_id, kind, employee_code, name, created_at, updated_at) VALUES
			(1, 1, 'employee', 'E1', 'a', '', ''), (2, 1, 'employee', 'E2', 'b', '', '')`); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO keys.person_keys(person_id, company_id, key_id, wrapped, created_at) VALUES(1, 1, 'ka', ?, ''), (2, 1, 'kb', ?, '')`, key1, key2)
		return err
	})
	out := filepath.Join(t.TempDir(), "keys.mnsk")
	h, err := WriteKeys(ctx, db, "vault-a", out)
	if err != nil || h.VaultID != "vault-a" || h.Size == 0 {
		t.Fatalf("WriteKeys: %+v %v", h, err)
	}
	if _, err := WriteKeys(ctx, db, "vault-a", out); err == nil {
		t.Fatal("overwrote a key backup")
	}
	data := filepath.Join(t.TempDir(), "data.mnsb")
	if _, err := Write(ctx, db, "vault-a", data); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(data); bytes.Contains(b, key1) || bytes.Contains(b, key2) {
		t.Fatal("the data backup holds person keys")
	}
	if b, _ := os.ReadFile(out); !bytes.Contains(b, key1) {
		t.Fatal("the key backup lacks the keys")
	}

	update(t, db, func(tx *store.Tx) error { return vault.ShredPerson(tx, 1) })
	db.Close()

	if _, _, err := RestoreKeys(ctx, data, dir, "vault-a"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("data backup as key backup: %v", err)
	}
	if _, _, err := RestoreKeys(ctx, out, dir, "vault-b"); err == nil {
		t.Fatal("restored a key backup of another vault")
	}
	raw, _ := os.ReadFile(out)
	bad := bytes.Clone(raw)
	bad[len(bad)-1] ^= 1
	badPath := filepath.Join(t.TempDir(), "bad.mnsk")
	os.WriteFile(badPath, bad, 0o600)
	if _, _, err := RestoreKeys(ctx, badPath, dir, "vault-a"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged key backup: %v", err)
	}

	_, res, err := RestoreKeys(ctx, out, dir, "vault-a")
	if err != nil || res.Kept != 1 || res.Removed != 1 {
		t.Fatalf("RestoreKeys: %+v %v", res, err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if bytes.Contains(b, key1) {
			t.Errorf("the shredded key is back in %s", e.Name())
		}
	}
	db = openVault(t, dir)
	defer db.Close()
	if keyCount(t, db, 1) != 0 || keyCount(t, db, 2) != 1 {
		t.Fatal("wrong keys after the restore")
	}
}

// TestBackupLeavesNoCopy: a backup is made from a temporary copy of the vault beside it; when
// that copy cannot be removed (another program holds it), the backup fails and says which
// folder to delete, instead of leaving a second copy of the vault behind silently. When all
// goes well nothing but the backup is left.
func TestBackupLeavesNoCopy(t *testing.T) {
	ctx := context.Background()
	db := openVault(t, t.TempDir())
	defer db.Close()
	for _, write := range map[string]func(dest string) error{
		"data": func(dest string) error { _, err := Write(ctx, db, "v", dest); return err },
		"keys": func(dest string) error { _, err := WriteKeys(ctx, db, "v", dest); return err },
	} {
		out := t.TempDir()
		if err := write(filepath.Join(out, "ok.bak")); err != nil {
			t.Fatal(err)
		}
		if es, _ := os.ReadDir(out); len(es) != 1 {
			t.Fatalf("%d entries beside the backup, want the backup alone", len(es))
		}
		removeAll = func(string) error { return errors.New("the file is in use") }
		err := write(filepath.Join(out, "held.bak"))
		removeAll = removeTree
		if !errors.Is(err, ErrLeftover) || !strings.Contains(err.Error(), out) {
			t.Fatalf("held temporary copy: %v", err)
		}
		if _, err := os.Stat(filepath.Join(out, "held.bak")); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("a backup was written although its temporary copy stayed")
		}
	}
}
