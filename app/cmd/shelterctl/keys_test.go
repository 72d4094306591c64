package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// TestKeysBackupRestore: data and key backups are separate files; after a person's key is
// destroyed, restoring both backups made before brings back neither the key nor the number,
// while the other person's number still opens.
func TestKeysBackupRestore(t *testing.T) {
	h := newHarness(t, &keychain.Mem{})
	t.Chdir(t.TempDir())
	if r := h.run(pw, "--vault", h.dir, "init", "--office", "鍵の事務所", "--admin", "admin", "--second-factor", "optional", "--reason", noReaders, "--kit", filepath.Join(t.TempDir(), "kit.txt")); r.code != 0 {
		t.Fatalf("init: %q", r.stderr)
	}
	if r := h.run(pw, h.as("company", "add", "--name", "株式会社サンプル")...); r.code != 0 {
		t.Fatalf("company add: %q", r.stderr)
	}
	h.assign(1)
	csv := "従業員コード,氏名,個人番号\nE001,山田 太郎," + fakeNumber(1) + "\nE002,鈴木 花子," + fakeNumber(2) + "\n"
	if r := h.run(pw, h.as("import", "employees", "--company", "1", writeFile(t, "e.csv", []byte(csv)))...); r.code != 0 {
		t.Fatalf("import: %q %q", r.stdout, r.stderr)
	}
	dir := t.TempDir()
	data, keys := filepath.Join(dir, "data.bak"), filepath.Join(dir, "keys.bak")
	if r := h.run(pw, h.as("backup", data)...); r.code != 0 {
		t.Fatalf("backup: %q", r.stderr)
	}
	r := h.run(pw, h.as("keys", "backup", keys)...)
	if r.code != 0 || !strings.Contains(r.stdout, "key backup written") {
		t.Fatalf("keys backup: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := h.run(pw, h.as("keys", "restore", data)...); r.code == 0 || !strings.Contains(r.stderr, "data backup") {
		t.Fatalf("a data backup given to keys restore: %d %q", r.code, r.stderr)
	}
	if r := h.run(pw, h.as("keys", "backup")...); r.code != 2 {
		t.Fatalf("keys backup without FILE: %d", r.code)
	}

	// Dispose of E001 as 4-1 does: destroy the key, delete the ciphertext.
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(h.dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var e001 int64
	err = db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(`SELECT id FROM persons WHERE employee_code = 'E001'`).Scan(&e001); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM person_numbers WHERE person_id = ?`, e001); err != nil {
			return err
		}
		return vault.ShredPerson(tx, e001)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	r = h.run(pw, h.as("keys", "restore", keys)...)
	if r.code != 0 || !strings.Contains(r.stdout, "1 person keys; 1 keys destroyed since the backup left out") {
		t.Fatalf("keys restore: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := h.run(pw, h.as("restore", data)...); r.code != 0 {
		t.Fatalf("restore: %q", r.stderr)
	}
	if r := h.run(pw, h.as("audit", "verify")...); r.code != 0 {
		t.Fatalf("verify: %q %q", r.stdout, r.stderr)
	}

	app, err := ui.New(ui.Config{VaultDir: h.dir, Keychain: h.keychain, KDF: vault.KDFParams{MemoryKiB: 1024, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if _, err := app.Session.Login("admin", strings.TrimSpace(pw)); err != nil {
		t.Fatal(err)
	}
	page, err := app.Employees.Employees(ui.EmployeeQuery{CompanyID: 1})
	if err != nil || len(page.Employees) != 2 {
		t.Fatalf("employees: %+v %v", page, err)
	}
	for _, e := range page.Employees {
		switch e.Code {
		case "E001":
			if e.HasNumber || e.MaskedNumber != "" {
				t.Errorf("the disposed number came back with the backups: %+v", e)
			}
		case "E002":
			if !e.HasNumber || e.MaskedNumber != "**** **** "+fakeNumber(2)[8:] {
				t.Errorf("the other number does not open: %+v", e)
			}
		}
	}
}
