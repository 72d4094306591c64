package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func open(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "v", FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenMigratesAndSetsPragmas(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	var version int
	var mode string
	var fk int
	err := db.View(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(`PRAGMA vault.user_version`).Scan(&version); err != nil {
			return err
		}
		if err := tx.QueryRow(`PRAGMA vault.journal_mode`).Scan(&mode); err != nil {
			return err
		}
		return tx.QueryRow(`PRAGMA foreign_keys`).Scan(&fk)
	})
	if err != nil {
		t.Fatal(err)
	}
	if version != SchemaVersion() || version < 1 || mode != "wal" || fk != 1 {
		t.Fatalf("version %d mode %s fk %d", version, mode, fk)
	}
	fi, err := os.Stat(db.Path())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode: %v %v", fi.Mode(), err)
	}
	// Opening again applies nothing and keeps data.
	if err := db.Update(ctx, func(tx *Tx) error { return tx.SetMeta("k", "v") }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2, err := Open(ctx, db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	db2.View(ctx, func(tx *Tx) error {
		v, ok, err := tx.Meta("k")
		if v != "v" || !ok || err != nil {
			t.Errorf("meta after reopen: %q %v %v", v, ok, err)
		}
		return nil
	})
}

func TestUpdateRollsBackOnError(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.SetMeta("half", "written"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	db.View(ctx, func(tx *Tx) error {
		if _, ok, _ := tx.Meta("half"); ok {
			t.Error("a failed transaction left a row")
		}
		return nil
	})
	// Read transactions cannot write.
	if err := db.View(ctx, func(tx *Tx) error { return tx.SetMeta("x", "y") }); err == nil {
		t.Error("View wrote")
	}
}

func TestRefusesNewerDatabase(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if _, err := db.writer.ExecContext(ctx, `PRAGMA vault.user_version = 999`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(ctx, db.Path()); !errors.Is(err, ErrTooNew) {
		t.Fatalf("got %v, want ErrTooNew", err)
	}
}

func TestBackupIsAConsistentDatabase(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	db.Update(ctx, func(tx *Tx) error { return tx.SetMeta("k", "before") })
	// A data backup is opened with a key store next to it, as a restore puts it back.
	dir := t.TempDir()
	dest := filepath.Join(dir, FileName)
	if err := db.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if err := db.BackupKeys(ctx, filepath.Join(dir, KeysFileName)); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, dest); err == nil {
		t.Fatal("backup overwrote a file")
	}
	db.Update(ctx, func(tx *Tx) error { return tx.SetMeta("k", "after") })
	cp, err := Open(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if err := cp.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	cp.View(ctx, func(tx *Tx) error {
		if v, _, _ := tx.Meta("k"); v != "before" {
			t.Errorf("backup holds %q", v)
		}
		return nil
	})
}

func TestTimeFormat(t *testing.T) {
	for _, s := range []string{"", "2026-11-24T09:08:07.123Z"} {
		tm, err := ParseTime(s)
		if err != nil || FormatTime(tm) != s {
			t.Errorf("round trip %q: %q %v", s, FormatTime(tm), err)
		}
	}
	if _, err := ParseTime("2026-11-24"); err == nil {
		t.Error("accepted a bare date")
	}
}

// TestPathsWithURICharacters: a vault in a folder whose name holds characters a URI reserves or
// escapes stays whole inside that folder (a '#' once cut the path and put the database
// elsewhere, outside the vault; '%25' failed).
func TestPathsWithURICharacters(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"hx#2", "p%25x", "q?x", "with space", "山田の保管庫", "a#b?c%d e"} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, name, "vault")
			db, err := Open(ctx, filepath.Join(dir, FileName))
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(ctx, func(tx *Tx) error { return tx.SetMeta("k", "v") }); err != nil {
				t.Fatal(err)
			}
			db.Close()
			db, err = Open(ctx, filepath.Join(dir, FileName))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.View(ctx, func(tx *Tx) error {
				if v, ok, _ := tx.Meta("k"); v != "v" || !ok {
					t.Errorf("meta after reopen: %q", v)
				}
				return nil
			})
			// Everything is inside the vault folder, mode 0600, and nothing was made beside it.
			var outside []string
			filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
				if err == nil && !fi.IsDir() && filepath.Dir(p) != dir {
					outside = append(outside, p)
				}
				return nil
			})
			if len(outside) > 0 {
				t.Errorf("files outside the vault folder: %v", outside)
			}
			for _, f := range []string{FileName, KeysFileName} {
				fi, err := os.Stat(filepath.Join(dir, f))
				if err != nil || fi.Size() == 0 || fi.Mode().Perm() != 0o600 {
					t.Errorf("%s: %v %v", f, fi, err)
				}
			}
		})
	}
}

// TestOpenNoticesDamage: a damaged page in vault.db is found when the vault opens, not only at
// the next backup.
func TestOpenNoticesDamage(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	if err := db.Update(ctx, func(tx *Tx) error {
		for i := range 200 {
			if err := tx.SetMeta(fmt.Sprintf("filler-%d", i), strings.Repeat("x", 200)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	f, err := os.OpenFile(db.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	// Scribble over the middle of every page after the first (the header stays readable).
	junk := bytes.Repeat([]byte{0x5a}, 512)
	for off := int64(4096 + 1024); off < fi.Size(); off += 4096 {
		f.WriteAt(junk, off)
	}
	f.Close()
	if _, err := Open(ctx, db.Path()); !errors.Is(err, ErrDamaged) {
		t.Fatalf("opening a damaged vault: %v", err)
	}
}
