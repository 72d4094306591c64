package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seed writes a company, three persons with keys and a number each, straight into the tables.
func seed(t *testing.T, db *DB) {
	t.Helper()
	err := db.Update(context.Background(), func(tx *Tx) error {
		for _, q := range []string{
			`INSERT INTO companies(id, code, name, created_at, updated_at) VALUES(1, 'C1', 'x', '', '')`,
			`INSERT INTO persons(id, company_id, kind, employee_code, name, created_at, updated_at) VALUES
				(1, 1, 'employee', 'E1', 'a', '', ''), (2, 1, 'employee', 'E2', 'b', '', ''), (3, 1, 'employee', 'E3', 'c', '', '')`,
			`INSERT INTO keys.person_keys(person_id, company_id, key_id, wrapped, created_at) VALUES
				(1, 1, 'ka', x'aa01aa01aa01aa01', ''), (2, 1, 'kb', x'bb02bb02bb02bb02', ''), (3, 1, 'kc', x'cc03cc03cc03cc03', '')`,
			`INSERT INTO person_numbers(person_id, company_id, ciphertext, blind_index, registered_at) VALUES
				(1, 1, x'01', x'01', ''), (2, 1, x'02', x'02', ''), (3, 1, x'03', x'03', '')`,
		} {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		return tx.SetMeta(MetaVaultID, "v1")
	})
	if err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, db *DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.View(context.Background(), func(tx *Tx) error { return tx.QueryRow(q, args...).Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	return n
}

func exec(t *testing.T, db *DB, q string, args ...any) {
	t.Helper()
	if err := db.Update(context.Background(), func(tx *Tx) error { _, err := tx.Exec(q, args...); return err }); err != nil {
		t.Fatal(err)
	}
}

// maintenance runs fn in a transaction on a connection of the maintenance layout (vault.db as
// main), as Open's migrations do.
func maintenance(t *testing.T, db *DB, fn func(*Tx) error) error {
	t.Helper()
	pool := openPool(db.path, db.keysPath, poolMaintenance)
	defer pool.Close()
	return db.run(context.Background(), pool, "main", fn)
}

func reopen(t *testing.T, db *DB) *DB {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(context.Background(), db.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	return db2
}

func TestKeyStoreIsASeparateFile(t *testing.T) {
	db := open(t)
	fi, err := os.Stat(db.KeysPath())
	if err != nil || fi.Mode().Perm() != 0o600 || filepath.Dir(db.KeysPath()) != filepath.Dir(db.Path()) {
		t.Fatalf("key store %s: %v %v", db.KeysPath(), fi, err)
	}
	if n := count(t, db, `SELECT count(*) FROM main.sqlite_master WHERE name = 'person_keys'`); n != 0 {
		t.Fatal("vault.db still has a person_keys table")
	}
	// Both files sync at every commit, so that vault.db's commit is on disk before keys.db's
	// (see "Two files"), and overwrite deleted content.
	for _, q := range []string{`PRAGMA main.synchronous`, `PRAGMA keys.synchronous`, `PRAGMA keys.secure_delete`, `PRAGMA main.secure_delete`} {
		var v int
		if err := db.Update(context.Background(), func(tx *Tx) error { return tx.QueryRow(q).Scan(&v) }); err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 2, false: 1}[strings.Contains(q, "synchronous")]; v != want {
			t.Errorf("%s = %d, want %d", q, v, want)
		}
	}
	var mode string
	if err := db.Update(context.Background(), func(tx *Tx) error { return tx.QueryRow(`PRAGMA keys.journal_mode`).Scan(&mode) }); err != nil || mode != "wal" {
		t.Errorf("key store journal mode %q %v", mode, err)
	}
	seed(t, db)
	// Readers see the key store too, unqualified names resolve to it, and they cannot write it.
	if n := count(t, db, `SELECT count(*) FROM person_keys`); n != 3 {
		t.Fatalf("reader sees %d keys", n)
	}
	err = db.View(context.Background(), func(tx *Tx) error {
		_, err := tx.Exec(`DELETE FROM keys.person_keys`)
		return err
	})
	if err == nil {
		t.Fatal("a reader wrote the key store")
	}
	// The key store is bound to the vault at the next Open; a foreign one is refused.
	db = reopen(t, db)
	if err := db.View(context.Background(), func(tx *Tx) error {
		id, ok, err := tx.KeysMeta(MetaVaultID)
		if id != "v1" || !ok || err != nil {
			t.Errorf("key store vault id %q %v %v", id, ok, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	exec(t, db, `UPDATE keys.meta SET value = 'other' WHERE key = ?`, MetaVaultID)
	db.Close()
	if _, err := Open(context.Background(), db.Path()); !errors.Is(err, ErrKeyStoreMismatch) {
		t.Fatalf("foreign key store: %v", err)
	}
}

func TestDataBackupLeavesKeysOut(t *testing.T) {
	db := open(t)
	seed(t, db)
	dest := filepath.Join(t.TempDir(), "snap.db")
	if err := db.Backup(context.Background(), dest); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte{0xaa, 0x01, 0xaa, 0x01, 0xaa, 0x01}) || bytes.Contains(b, []byte("person_keys")) {
		t.Fatal("a data backup holds person keys")
	}
	if !bytes.Contains(b, []byte("shredded_keys")) {
		t.Fatal("a data backup lacks its shred list")
	}
}

// TestReconcile: an entry on either shred list removes the key from the key store and the
// ciphertext of a wholly disposed person from vault.db, at the next Open.
func TestReconcile(t *testing.T) {
	db := open(t)
	seed(t, db)
	// Person 1: only vault.db knows (crash after vault.db's commit). Person 2: only keys.db
	// knows (a data backup from before the shred was restored). Person 3: rotated, not whole.
	exec(t, db, `INSERT INTO vault.shredded_keys VALUES('ka', 1, 1, 1, 't')`)
	exec(t, db, `INSERT INTO keys.shredded_keys VALUES('kb', 2, 1, 1, 't')`)
	exec(t, db, `INSERT INTO keys.shredded_keys VALUES('old-c', 3, 1, 0, 't')`)
	db = reopen(t, db)
	if n := count(t, db, `SELECT count(*) FROM keys.person_keys`); n != 1 {
		t.Fatalf("%d keys left, want person 3's", n)
	}
	if n := count(t, db, `SELECT count(*) FROM person_numbers WHERE person_id IN (1, 2)`); n != 0 {
		t.Fatal("ciphertext of disposed persons kept")
	}
	if n := count(t, db, `SELECT count(*) FROM person_numbers WHERE person_id = 3`); n != 1 {
		t.Fatal("a rotated person's number was deleted")
	}
	for _, s := range []string{"vault", "keys"} {
		if n := count(t, db, `SELECT count(*) FROM `+s+`.shredded_keys`); n != 3 {
			t.Errorf("%s shred list has %d entries, want 3", s, n)
		}
	}
}

func TestCheckpointEmptiesTheLogs(t *testing.T) {
	db := open(t)
	seed(t, db)
	for _, p := range []string{db.Path() + "-wal", db.KeysPath() + "-wal"} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Fatalf("test is blind: %s is empty before the checkpoint (%v)", p, err)
		}
	}
	if err := db.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{db.Path() + "-wal", db.KeysPath() + "-wal"} {
		if fi, err := os.Stat(p); err == nil && fi.Size() != 0 {
			t.Errorf("%s has %d bytes after the checkpoint", p, fi.Size())
		}
	}
}

// TestKeyBackupRestoreKeepsShreds: a key backup restored after a shred does not bring the key
// back, whichever live file still knows of the shred.
func TestKeyBackupRestoreKeepsShreds(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	seed(t, db)
	db = reopen(t, db) // binds the key store to vault v1
	backup := filepath.Join(t.TempDir(), "keys.bak")
	if err := db.BackupKeys(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if err := db.BackupKeys(ctx, backup); err == nil {
		t.Fatal("overwrote an existing backup")
	}
	exec(t, db, `DELETE FROM keys.person_keys WHERE person_id = 1`)
	exec(t, db, `INSERT INTO keys.shredded_keys VALUES('ka', 1, 1, 1, 't')`)
	exec(t, db, `INSERT INTO vault.shredded_keys VALUES('kb-old', 2, 1, 0, 't'), ('kb', 2, 1, 0, 't')`)
	db.Close()

	staged := filepath.Join(t.TempDir(), "staged.db")
	raw, _ := os.ReadFile(backup)
	if !bytes.Contains(raw, []byte{0xaa, 0x01, 0xaa, 0x01}) {
		t.Fatal("test is blind: the backup lacks person 1's key")
	}
	os.WriteFile(staged, raw, 0o600)
	if _, _, err := MergeShredLists(ctx, staged, "another vault", db.Path(), db.KeysPath()); !errors.Is(err, ErrKeyStoreMismatch) {
		t.Fatalf("foreign key backup: %v", err)
	}
	kept, removed, err := MergeShredLists(ctx, staged, "v1", db.Path(), db.KeysPath(), filepath.Join(t.TempDir(), "missing.db"))
	if err != nil || kept != 1 || removed != 2 {
		t.Fatalf("merge: kept %d removed %d %v", kept, removed, err)
	}
	b, _ := os.ReadFile(staged)
	for _, k := range [][]byte{{0xaa, 0x01, 0xaa, 0x01}, {0xbb, 0x02, 0xbb, 0x02}} {
		if bytes.Contains(b, k) {
			t.Errorf("shredded key %x still in the restored key store", k)
		}
	}
	if !bytes.Contains(b, []byte{0xcc, 0x03, 0xcc, 0x03}) {
		t.Error("person 3's key was lost")
	}
	if _, _, err := MergeShredLists(ctx, db.Path(), "", db.KeysPath()); err == nil || !strings.Contains(err.Error(), "not a key store") {
		t.Fatalf("vault.db taken for a key store: %v", err)
	}
}

// TestMigrationMovesKeys runs migration 0005 over a database in the state before it: person
// keys in vault.db, one person shredded before the shred list existed.
func TestMigrationMovesKeys(t *testing.T) {
	db := open(t)
	seed(t, db)
	var m migration
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ms {
		if strings.HasSuffix(x.name, "_keystore.sql") {
			m = x
		}
	}
	legacy := []byte{0xde, 0xad, 0xbe, 0xef, 0x11, 0x22, 0x33, 0x44}
	// Migrations run with vault.db as main (the maintenance layout of Open).
	err = maintenance(t, db, func(tx *Tx) error {
		for _, q := range []string{
			`DROP TABLE main.shredded_keys`,
			`ALTER TABLE disposals DROP COLUMN decision_note`,
			`DELETE FROM keys.person_keys`,
			`CREATE TABLE person_keys (person_id INTEGER PRIMARY KEY, company_id INTEGER NOT NULL REFERENCES companies(id),
				wrapped BLOB NOT NULL, created_at TEXT NOT NULL)`,
			// persons 1 and 3 have keys; person 2 was shredded (no key).
			`INSERT INTO main.person_keys VALUES(1, 1, x'deadbeef11223344', 'c'), (3, 1, x'0102030405060708', 'c')`,
		} {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(db.Path()); !bytes.Contains(b, legacy) {
		t.Fatal("test is blind: the legacy key is not in vault.db before the migration")
	}
	if err := maintenance(t, db, func(tx *Tx) error { _, err := tx.Exec(m.sql); return err }); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM keys.person_keys WHERE person_id IN (1, 3) AND length(key_id) = 32 AND key_id NOT GLOB '*[0-9]*'`); n != 2 {
		t.Fatalf("%d keys moved with well-formed ids, want 2", n)
	}
	if n := count(t, db, `SELECT count(*) FROM keys.shredded_keys WHERE person_id = 2 AND whole = 1`); n != 1 {
		t.Fatal("the person shredded before 0005 is not on the shred list")
	}
	if n := count(t, db, `SELECT count(*) FROM main.sqlite_master WHERE name = 'person_keys'`); n != 0 {
		t.Fatal("person_keys left in vault.db")
	}
	db.Close()
	b, _ := os.ReadFile(db.Path())
	if bytes.Contains(b, legacy) {
		t.Fatal("a moved key is still in vault.db")
	}
}
