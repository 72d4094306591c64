package ui

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/backup"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// sealedOf returns the wrapped key and the number ciphertext of person id, as they are in the
// files.
func (f *disposeFixture) sealedOf(id int64) (wrapped, number []byte) {
	f.t.Helper()
	err := f.app.DB.View(f.t.Context(), func(tx *store.Tx) error {
		if err := tx.QueryRow(`SELECT wrapped FROM keys.person_keys WHERE person_id = ?`, id).Scan(&wrapped); err != nil {
			return err
		}
		return tx.QueryRow(`SELECT ciphertext FROM person_numbers WHERE person_id = ?`, id).Scan(&number)
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return wrapped, number
}

// backups writes a data backup and a key backup of the open vault and returns their paths and
// the audit key that verifies the data backup.
func (f *disposeFixture) backups() (data, keys string, auditKey []byte) {
	f.t.Helper()
	var id string
	if err := f.app.DB.View(f.t.Context(), func(tx *store.Tx) (err error) { id, err = f.app.Vault.VaultID(tx); return err }); err != nil {
		f.t.Fatal(err)
	}
	dir := f.t.TempDir()
	data, keys = filepath.Join(dir, "data.bak"), filepath.Join(dir, "keys.bak")
	if _, err := backup.Write(f.t.Context(), f.app.DB, id, data); err != nil {
		f.t.Fatal(err)
	}
	if _, err := backup.WriteKeys(f.t.Context(), f.app.DB, id, keys); err != nil {
		f.t.Fatal(err)
	}
	return data, keys, f.app.Audit.CurrentKey()
}

// restore closes the app, restores the data backup (and the key backup when keys is not ""),
// opens the vault again and logs in as login.
func (f *disposeFixture) restore(data, keys string, auditKey []byte, login string) {
	f.t.Helper()
	f.app.Session.Logout()
	f.app.Close()
	ctx := context.Background()
	if _, _, err := backup.Restore(ctx, data, filepath.Join(f.dir, store.FileName), "", auditKey); err != nil {
		f.t.Fatalf("restoring data: %v", err)
	}
	if keys != "" {
		if _, _, err := backup.RestoreKeys(ctx, keys, f.dir, ""); err != nil {
			f.t.Fatalf("restoring keys: %v", err)
		}
	}
	f.app = f.fixture.open(f.t)
	f.as(login)
}

// scanVaultFiles fails the test when a file of the vault directory (vault.db, keys.db, their
// -wal and -shm, anything else) holds one of secrets or a check-digit-valid 12-digit string.
func scanVaultFiles(t *testing.T, dir string, secrets map[string][]byte) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		seen[e.Name()] = true
		for name, s := range secrets {
			if bytes.Contains(b, s) {
				t.Errorf("%s still holds %s", e.Name(), name)
			}
		}
		if off, hit := mynumber.ContainsValidIndividual(b); hit {
			t.Errorf("%s holds a check-digit-valid 12-digit string at byte %d", e.Name(), off)
		}
	}
	if !seen[store.FileName] || !seen[store.KeysFileName] {
		t.Fatalf("scan is blind: %v", seen)
	}
}

func isShredded(err error) bool { return errors.Is(err, vault.ErrShredded) }

// TestDisposalSurvivesRestore: backups made before a disposal, restored after it, do not bring
// the disposed numbers back, while the other numbers still open; after the disposal no file of
// the vault holds the destroyed keys or the deleted ciphertext.
func TestDisposalSurvivesRestore(t *testing.T) {
	tmp := t.TempDir() // SQLite's and excelize's temporary files, scanned at the end
	t.Setenv("TMPDIR", tmp)
	t.Setenv("SQLITE_TMPDIR", tmp)
	f := newDisposeFixture(t)
	f.as("tanto")
	e1, sp := f.ids["E001"], f.ids["E001-spouse"]
	w1, n1 := f.sealedOf(e1)
	w2, n2 := f.sealedOf(sp)
	secrets := map[string][]byte{"E001's wrapped key": w1, "E001's number ciphertext": n1,
		"the spouse's wrapped key": w2, "the spouse's number ciphertext": n2}
	// Not blind: before the disposal the files hold them.
	f.app.DB.Checkpoint(t.Context())
	var before []byte
	for _, name := range []string{store.FileName, store.KeysFileName} {
		b, _ := os.ReadFile(filepath.Join(f.dir, name))
		before = append(before, b...)
	}
	for name, s := range secrets {
		if !bytes.Contains(before, s) {
			t.Fatalf("scan is blind: %s not found before the disposal", name)
		}
	}
	data, keys, auditKey := f.backups()
	if b, _ := os.ReadFile(data); bytes.Contains(b, w1) || !bytes.Contains(b, n1) {
		t.Fatal("the data backup should hold the ciphertext and no key")
	}

	x := f.dispose("shred", "E001")
	if x.Status != "executed" {
		t.Fatalf("%+v", x)
	}
	scanVaultFiles(t, f.dir, secrets) // while the vault is open (WAL checkpointed by Execute)
	if _, err := f.app.Dispose.Certificate(x.ID); err != nil {
		t.Fatal(err)
	}

	// Restore the data backup alone, then with the key backup too.
	for _, withKeys := range []bool{false, true} {
		k := ""
		if withKeys {
			k = keys
		}
		f.restore(data, k, auditKey, "tanto")
		for _, id := range []int64{e1, sp} {
			if m, _, err := f.open(id); !isShredded(err) || m != "" {
				t.Fatalf("keys restored %v: person %d opens after the restore: %q %v", withKeys, id, m, err)
			}
		}
		if m, _, err := f.open(f.ids["E002"]); err != nil || m != "**** **** "+uiNumber(2)[8:] {
			t.Fatalf("keys restored %v: E002 does not open: %q %v", withKeys, m, err)
		}
		if _, docs, err := f.open(f.ids["E004"]); err != nil || len(docs) != 2 {
			t.Fatalf("keys restored %v: E004's documents: %v %v", withKeys, docs, err)
		}
		// The restored data predates the disposal, so its 廃棄記録 is not in it (keep the
		// certificate); the shred list still knows, and the restored ciphertext of the
		// disposed persons is deleted at open.
		if n := f.count(`SELECT count(*) FROM person_numbers WHERE person_id IN (?, ?)`, e1, sp); n != 0 {
			t.Fatalf("keys restored %v: ciphertext of disposed persons back", withKeys)
		}
		if v, err := audit.Verify(t.Context(), f.app.DB, f.app.Audit.CurrentKey()); err != nil {
			t.Fatal(err)
		} else if !v.OK {
			t.Fatalf("chain after restore: %+v", v)
		}
	}
	f.app.Close()
	scanVaultFiles(t, f.dir, map[string][]byte{"E001's wrapped key": w1, "the spouse's wrapped key": w2})
	filepath.WalkDir(tmp, func(path string, de os.DirEntry, err error) error {
		if err == nil && !de.IsDir() {
			if b, err := os.ReadFile(path); err == nil {
				if _, hit := mynumber.ContainsValidIndividual(b); hit {
					t.Errorf("temporary file %s holds a check-digit-valid 12-digit string", path)
				}
			}
		}
		return nil
	})
}

// TestMaskNumberKeepsIdentityImages: mask_number deletes the number and the image of the My
// Number card, keeps the driver's licence under a new key, and an older backup's number does
// not open.
func TestMaskNumberKeepsIdentityImages(t *testing.T) {
	f := newDisposeFixture(t)
	f.as("tanto")
	e4 := f.ids["E004"]
	w, n := f.sealedOf(e4)
	data, _, auditKey := f.backups()
	x := f.dispose("mask_number", "E004")
	if x.Items[0].FileKinds[1] != "number_documents" {
		t.Fatalf("file kinds %v", x.Items[0].FileKinds)
	}
	m, docs, err := f.open(e4)
	if err != nil || m != "" || len(docs) != 1 || docs[0] != "licence image of E004" {
		t.Fatalf("after masking: %q %v %v", m, docs, err)
	}
	w2, _ := func() ([]byte, []byte) {
		var wk []byte
		f.app.DB.View(t.Context(), func(tx *store.Tx) error {
			return tx.QueryRow(`SELECT wrapped FROM keys.person_keys WHERE person_id = ?`, e4).Scan(&wk)
		})
		return wk, nil
	}()
	if len(w2) == 0 || bytes.Equal(w, w2) {
		t.Fatal("the person key was not replaced")
	}
	scanVaultFiles(t, f.dir, map[string][]byte{"the old key": w, "the number ciphertext": n})
	cert, err := f.app.Dispose.Certificate(x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if text := xlsxText(t, cert); !strings.Contains(text, "個人番号のみを復元できない方法で削除") {
		t.Error("certificate does not name the masking method")
	}

	f.restore(data, "", auditKey, "tanto")
	if n := f.count(`SELECT count(*) FROM person_numbers WHERE person_id = ?`, e4); n != 1 {
		t.Fatal("test is blind: the restored backup has no number for E004")
	}
	m, _, err = f.open(e4)
	if m != "" || !isShredded(err) || !errors.Is(err, vault.ErrDecrypt) {
		t.Fatalf("the masked number opens from the old backup: %q %v", m, err)
	}
	if m, _, err := f.open(f.ids["E002"]); err != nil || m == "" {
		t.Fatalf("E002: %q %v", m, err)
	}
}
