package ui

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/backup"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// TestBackupSetRestoresOntoANewPC is the office whose PC died: the administrator made a backup
// set from the app onto a drive; on a new PC (another folder, an empty keychain) the first
// start restores it with the Recovery Kit. Every number and image opens, the history verifies
// and says what happened, and what must be refused is: a wrong kit, a folder that is not a set,
// a damaged set, and a restore over an office.
func TestBackupSetRestoresOntoANewPC(t *testing.T) {
	f := newDisposeFixture(t)
	f.as("admin")
	st, err := f.app.Backup.Status()
	if err != nil || !st.Due || st.LastAt != "" {
		t.Fatalf("before any backup: %+v %v", st, err)
	}
	drive := t.TempDir()
	for _, bad := range []string{"", filepath.Join(drive, "no such folder")} {
		if _, err := f.app.Backup.Make(bad); field(err) != "folder" {
			t.Fatalf("Make(%q): %v", bad, err)
		}
	}
	made, err := f.app.Backup.Make(drive)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(made.Folder) != drive || made.Bytes == 0 {
		t.Fatalf("made %+v", made)
	}
	entries, _ := os.ReadDir(drive)
	if len(entries) != 1 {
		t.Fatalf("the drive holds %d entries, want the set alone", len(entries))
	}
	if st, err = f.app.Backup.Status(); err != nil || st.Due || st.LastFolder != made.Folder {
		t.Fatalf("after the backup: %+v %v", st, err)
	}
	f.clock.Add(backup.RemindAfter + time.Hour)
	f.as("admin")
	if st, err = f.app.Backup.Status(); err != nil || !st.Due {
		t.Fatal("no reminder a week after the last backup")
	}
	masked := map[int64]string{}
	for _, code := range []string{"E001", "E002", "E003", "E004", "E001-spouse"} {
		m, _, err := f.open(f.ids[code])
		if err != nil {
			t.Fatal(err)
		}
		masked[f.ids[code]] = m
	}

	// The new PC.
	f.app.Session.Logout()
	f.app.Close()
	f.fixture.dir, f.fixture.kc = t.TempDir(), &keychain.Mem{}
	f.app = f.fixture.open(t)
	restore := func(folder, key string) error {
		_, err := f.app.Backup.RestoreNew(RestoreRequest{Folder: folder, RecoveryKey: key, Login: "admin", NewPassword: "the new PC's long passphrase"})
		return err
	}
	if err := restore(drive, f.kit.Key); field(err) != "folder" {
		t.Fatalf("the drive instead of the set: %v", err)
	}
	otherKit := setup(t).kit.Key
	if err := restore(made.Folder, otherKit); field(err) != "recoveryKey" {
		t.Fatalf("another office's kit: %v", err)
	}
	damaged := filepath.Join(t.TempDir(), "set")
	os.Mkdir(damaged, 0o700)
	for _, name := range []string{backup.SetDataFile, backup.SetKeysFile} {
		b, _ := os.ReadFile(filepath.Join(made.Folder, name))
		if name == backup.SetDataFile {
			b[len(b)-100] ^= 1
		}
		os.WriteFile(filepath.Join(damaged, name), b, 0o600)
	}
	if err := restore(damaged, f.kit.Key); code(t, err) != "backup_damaged" {
		t.Fatalf("a damaged set: %v", err)
	}
	if s, _ := f.app.Session.State(); s.Initialized {
		t.Fatal("a refused restore left an office behind")
	}
	s, err := f.app.Backup.RestoreNew(RestoreRequest{Folder: filepath.Join(made.Folder, backup.SetDataFile), RecoveryKey: f.kit.Key,
		Login: "admin", NewPassword: "the new PC's long passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Initialized || !s.LoggedIn || s.User.Login != "admin" || s.Problem != nil {
		t.Fatalf("after the restore: %+v", s)
	}
	for id, want := range masked {
		if m, _, err := f.open(id); err != nil || m != want {
			t.Fatalf("person %d after the restore: %q %v, want %q", id, m, err, want)
		}
	}
	if _, docs, err := f.open(f.ids["E004"]); err != nil || len(docs) != 2 {
		t.Fatalf("E004's images after the restore: %v %v", docs, err)
	}
	v, err := f.app.History.Verify()
	if err != nil || !v.OK {
		t.Fatalf("history after the restore: %+v %v", v, err)
	}
	page, err := f.app.History.Query(HistoryFilter{Action: "restore", Limit: 10})
	if err != nil || len(page.Entries) != 1 || page.Entries[0].Login != "admin" {
		t.Fatalf("restore not in the history: %+v %v", page, err)
	}
	// The restore marked its entry under the root key: anchors from before it will be counted
	// apart for it, and for no entry written with the audit key alone.
	vouch := backup.VouchWith(f.app.session().Keys())
	if err := f.app.DB.View(context.Background(), func(tx *store.Tx) error {
		var mac []byte
		if err := tx.QueryRow(`SELECT mac FROM audit_log WHERE id = ?`, page.Entries[0].ID).Scan(&mac); err != nil {
			return err
		}
		if !vouch(tx, page.Entries[0].ID, mac) {
			t.Error("the restore's own mark is not accepted")
		}
		if vouch(tx, page.Entries[0].ID, append([]byte{1}, mac[1:]...)) || vouch(tx, page.Entries[0].ID-1, mac) {
			t.Error("a mark is accepted for another entry")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := restore(made.Folder, f.kit.Key); code(t, err) != "already_set_up" {
		t.Fatalf("a restore over the office: %v", err)
	}
	// The restarted app opens the restored vault with the new password.
	f.app.Session.Logout()
	f.app.Close()
	f.app = f.fixture.open(t)
	if _, err := f.app.Session.Login("admin", "the new PC's long passphrase"); err != nil {
		t.Fatal(err)
	}
}
