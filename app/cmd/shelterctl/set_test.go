package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// TestBackupSetOntoANewPC: backup --set writes data and key store together; restore --set puts
// them on another PC (another vault directory, an empty keychain) with the Recovery Kit, after
// which the administrator works with the new password and the history verifies.
func TestBackupSetOntoANewPC(t *testing.T) {
	old := newHarness(t, &keychain.Mem{})
	kitFile := filepath.Join(t.TempDir(), "kit.txt")
	if r := old.run(pw, "--vault", old.dir, "init", "--office", "鹿児島社労士事務所", "--admin", "admin", "--second-factor", "optional", "--reason", noReaders, "--kit", kitFile); r.code != 0 {
		t.Fatalf("init: %d %s", r.code, r.stderr)
	}
	if r := old.run(pw, old.as("company", "add", "--name", "株式会社サンプル")...); r.code != 0 {
		t.Fatalf("company add: %d %s", r.code, r.stderr)
	}
	drive := t.TempDir()
	r := old.run(pw, old.as("backup", "--set", drive)...)
	m := regexp.MustCompile(`backup set written to (\S+)`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("backup --set: %d %q %q", r.code, r.stdout, r.stderr)
	}
	kitText, _ := os.ReadFile(kitFile)
	key := regexp.MustCompile(`リカバリーキー:\n((?:    \S+\n)+)`).FindStringSubmatch(string(kitText))
	if key == nil {
		t.Fatalf("no key in the kit:\n%s", kitText)
	}
	kit := strings.Join(strings.Fields(key[1]), "")

	fresh := newHarness(t, &keychain.Mem{})
	const newPW = "the new PC's office passphrase\n"
	if r := fresh.run("AAAA-BBBB-CCCC\n"+newPW, fresh.as("restore", "--set", m[1])...); r.code == 0 || !strings.Contains(r.stderr, "リカバリーキー") {
		t.Fatalf("restore with a wrong kit: %d %q", r.code, r.stderr)
	}
	if r := fresh.run(kit+"\n"+newPW, fresh.as("restore", "--set", m[1])...); r.code != 0 {
		t.Fatalf("restore --set: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := fresh.run(newPW, fresh.as("company", "list")...); r.code != 0 || !strings.Contains(r.stdout, "株式会社サンプル") {
		t.Fatalf("company list on the new PC: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := fresh.run(newPW, fresh.as("audit", "verify")...); r.code != 0 || !strings.HasPrefix(r.stdout, "ok:") {
		t.Fatalf("audit verify on the new PC: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := fresh.run(kit+"\n"+newPW, fresh.as("restore", "--set", m[1])...); r.code == 0 {
		t.Fatal("restore --set over an office succeeded")
	}
}
