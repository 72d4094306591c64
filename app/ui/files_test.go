package ui

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
)

// TestFileSave: a download goes where the user chose in the save dialog, 0600, whole; a
// cancelled dialog writes nothing; without a dialog (a browser) the page is told to download.
func TestFileSave(t *testing.T) {
	f := setup(t)
	data := base64.StdEncoding.EncodeToString([]byte("従業員コード,氏名\nE001,山田 太郎\n"))
	if _, err := f.app.Files.Save("a.csv", data); code(t, err) != "no_dialog" {
		t.Fatalf("without a dialog: %v", err)
	}
	dir := t.TempDir()
	var asked string
	f.app.SetSaveDialog(func(name string) (string, error) { asked = name; return filepath.Join(dir, "chosen.csv"), nil })
	got, err := f.app.Files.Save("../../etc/mynumber.csv", data)
	if err != nil || got.Path != filepath.Join(dir, "chosen.csv") || asked != "mynumber.csv" {
		t.Fatalf("save: %+v %v (dialog asked for %q)", got, err, asked)
	}
	b, err := os.ReadFile(got.Path)
	fi, _ := os.Stat(got.Path)
	if err != nil || string(b) != "従業員コード,氏名\nE001,山田 太郎\n" || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved %q %v %v", b, fi.Mode(), err)
	}
	f.app.SetSaveDialog(func(string) (string, error) { return "", nil })
	if got, err := f.app.Files.Save("b.csv", data); err != nil || got.Path != "" {
		t.Fatalf("cancelled: %+v %v", got, err)
	}
	if _, err := f.app.Files.Save("b.csv", "not base64!"); code(t, err) != "invalid" {
		t.Fatalf("bad data: %v", err)
	}
}
