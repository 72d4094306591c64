package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// copies writes copies of src's two files into a folder inside dst's vault directory, as a
// restore stages them.
func copies(t *testing.T, src, dst *DB) (vaultCopy, keysCopy string) {
	t.Helper()
	stage, err := os.MkdirTemp(filepath.Dir(dst.Path()), ".restore-")
	if err != nil {
		t.Fatal(err)
	}
	vaultCopy, keysCopy = filepath.Join(stage, FileName), filepath.Join(stage, KeysFileName)
	if err := src.Backup(context.Background(), vaultCopy); err != nil {
		t.Fatal(err)
	}
	if err := src.BackupKeys(context.Background(), keysCopy); err != nil {
		t.Fatal(err)
	}
	return vaultCopy, keysCopy
}

// TestReplace: an empty vault takes both files of another one, keeping the same *DB; a vault
// with an office refuses; and a crash between the two renames (the key store moved, vault.db
// not) opens as an empty vault again, from which the same restore succeeds.
func TestReplace(t *testing.T) {
	ctx := context.Background()
	src := open(t)
	seed(t, src)
	dst := open(t)
	v, k := copies(t, src, dst)
	if err := dst.Replace(ctx, v, k); err != nil {
		t.Fatal(err)
	}
	if n := count(t, dst, `SELECT count(*) FROM keys.person_keys`); n != 3 {
		t.Fatalf("%d keys after the replace", n)
	}
	if n := count(t, dst, `SELECT count(*) FROM person_numbers`); n != 3 {
		t.Fatalf("%d numbers after the replace", n)
	}
	v, k = copies(t, src, dst)
	if err := dst.Replace(ctx, v, k); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("replace over an office: %v", err)
	}
	if n := count(t, dst, `SELECT count(*) FROM person_numbers`); n != 3 {
		t.Fatal("a refused replace changed the vault")
	}

	// The crash: the key store in place, vault.db still the empty one.
	crashed := open(t)
	v, k = copies(t, src, crashed)
	crashed.Close()
	if err := os.Rename(k, crashed.keysPath); err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, crashed.Path())
	if err != nil {
		t.Fatalf("open after a crash between the renames: %v", err)
	}
	t.Cleanup(func() { again.Close() })
	if n := count(t, again, `SELECT count(*) FROM keys.person_keys`); n != 0 {
		t.Fatalf("%d orphan keys kept in an empty vault", n)
	}
	_, k = copies(t, src, again)
	if err := again.Replace(ctx, v, k); err != nil {
		t.Fatal(err)
	}
	if n := count(t, again, `SELECT count(*) FROM person_numbers JOIN keys.person_keys USING (person_id)`); n != 3 {
		t.Fatalf("%d numbers with their keys after the second restore", n)
	}
}
