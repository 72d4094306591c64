package main

import (
	"bytes"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/ui"

	"github.com/mynumber-shelter/shelter/internal/testenv"

	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

type result struct {
	code           int
	stdout, stderr string
}

// harness runs shelterctl in-process against one vault directory and keychain.
type harness struct {
	t        *testing.T
	dir      string
	keychain keychain.Keychain
	socket   string // shelter-bridge's socket for the replica commands
}

func newHarness(t *testing.T, kc keychain.Keychain) *harness {
	return &harness{t: t, dir: filepath.Join(t.TempDir(), "vault"), keychain: kc}
}

func (h *harness) run(stdin string, args ...string) result {
	h.t.Helper()
	return h.runFrom(strings.NewReader(stdin), args...)
}

// runFrom runs shelterctl with standard input stdin (a terminal in some tests).
func (h *harness) runFrom(stdin io.Reader, args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	c := &cli{stdin: stdin, stdout: &out, stderr: &errb, keychain: h.keychain,
		kdf: vault.KDFParams{MemoryKiB: 1024, Time: 1, Threads: 1}, bridgeSocket: h.socket}
	code := c.run(args)
	return result{code, out.String(), errb.String()}
}

func (h *harness) as(args ...string) []string {
	return append([]string{"--vault", h.dir, "--user", "admin"}, args...)
}

const pw = "an office passphrase 2026\n"

// noReaders is the recorded reason of the test offices for optional second factors.
const noReaders = "テスト環境（読み取り機なし）"

// TestSecondFactorRule: with the office's default rule (a second factor is required, as in the
// app), a user who has not proved a factor gets nothing from shelterctl by password alone; an
// office that made factors optional at setup (reason recorded) works with the password.
func TestSecondFactorRule(t *testing.T) {
	h := newHarness(t, &keychain.Mem{})
	// Setting up an office whose rule is "required" needs the app (a factor is enrolled there).
	if r := h.run(pw, "--vault", h.dir, "init", "--office", "必須の事務所", "--admin", "admin", "--kit", filepath.Join(t.TempDir(), "kit")); r.code != 2 {
		t.Fatalf("init with the required rule: %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(h.dir); !os.IsNotExist(err) {
		t.Fatal("a refused init created the vault")
	}
	// An office set up without readers, whose administrator then makes factors required.
	if r := h.run(pw, "--vault", h.dir, "init", "--office", "必須の事務所", "--admin", "admin", "--second-factor", "optional", "--reason", noReaders, "--kit", filepath.Join(t.TempDir(), "kit")); r.code != 0 {
		t.Fatalf("init: %d %s", r.code, r.stderr)
	}
	app, err := ui.New(ui.Config{VaultDir: h.dir, Keychain: h.keychain, KDF: vault.KDFParams{MemoryKiB: 1024, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Session.Login("admin", strings.TrimSpace(pw)); err != nil {
		t.Fatal(err)
	}
	if err := app.Factors.SetPolicy("required", ""); err != nil {
		t.Fatal(err)
	}
	app.Close()
	for _, args := range [][]string{{"company", "list"}, {"company", "add", "--name", "株式会社テスト"}, {"audit", "verify"}} {
		r := h.run(pw, h.as(args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, "二要素認証") {
			t.Errorf("%v with the password alone under the required rule: %d %q", args, r.code, r.stderr)
		}
	}
	if r := h.run(pw, "--vault", filepath.Join(t.TempDir(), "v2"), "init", "--office", "x", "--admin", "admin", "--second-factor", "optional"); r.code != 2 {
		t.Errorf("optional without a reason: %d %q", r.code, r.stderr)
	}
	h2 := newHarness(t, &keychain.Mem{})
	if r := h2.run(pw, "--vault", h2.dir, "init", "--office", "任意の事務所", "--admin", "admin", "--second-factor", "optional", "--reason", noReaders, "--kit", filepath.Join(t.TempDir(), "kit")); r.code != 0 {
		t.Fatalf("init optional: %d %s", r.code, r.stderr)
	}
	if r := h2.run(pw, h2.as("company", "list")...); r.code != 0 {
		t.Fatalf("company list under the optional rule: %d %q", r.code, r.stderr)
	}
	if r := h2.run(pw, h2.as("audit", "verify")...); r.code != 0 {
		t.Fatalf("audit verify: %d %q", r.code, r.stderr)
	}
}

func TestMynumberCheck(t *testing.T) {
	h := newHarness(t, &keychain.Mem{})
	cases := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"123456789018"}, 0, []string{"1: valid 個人番号", "**** **** 9018"}},
		{[]string{"７１２３４５６７８９０１２"}, 0, []string{"1: valid 法人番号 (corporate number) 7123456789012"}},
		{[]string{"1234-5678-9018", "123456789019"}, 3, []string{"1: valid", "2: invalid: "}},
		{[]string{"12345"}, 3, []string{"1: invalid: "}},
		{nil, 2, nil},
	}
	for _, c := range cases {
		r := h.run("", append([]string{"mynumber", "check"}, c.args...)...)
		if r.code != c.code {
			t.Errorf("%v: exit %d, want %d (%s%s)", c.args, r.code, c.code, r.stdout, r.stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%v: output %q lacks %q", c.args, r.stdout, w)
			}
		}
		// A number is never echoed in full.
		if strings.Contains(r.stdout, "123456789018") || strings.Contains(r.stdout, "123456789019") {
			t.Errorf("%v: number echoed: %q", c.args, r.stdout)
		}
	}
}

func TestVaultLifecycle(t *testing.T) {
	h := newHarness(t, &keychain.Mem{})
	t.Chdir(t.TempDir())

	// Without --kit and not on a terminal, init refuses and makes nothing: the kit is never
	// written where the user did not ask (it once landed in the current directory).
	if r := h.run(pw, "--vault", h.dir, "init", "--office", "鹿児島社労士事務所", "--admin", "admin", "--second-factor", "optional", "--reason", noReaders); r.code != 2 ||
		!strings.Contains(r.stderr, "--kit") {
		t.Fatalf("init without --kit off a terminal: %d %q", r.code, r.stderr)
	}
	if es, _ := os.ReadDir("."); len(es) != 0 {
		t.Fatalf("init without --kit left %d files in the current directory", len(es))
	}
	if _, err := os.Stat(h.dir); !os.IsNotExist(err) {
		t.Fatal("init without --kit created the vault")
	}
	r := h.run(pw, "--vault", h.dir, "init", "--office", "鹿児島社労士事務所", "--admin", "admin", "--second-factor", "optional", "--reason", noReaders, "--kit", "kit.txt")
	if r.code != 0 {
		t.Fatalf("init: %d %s", r.code, r.stderr)
	}
	m := regexp.MustCompile(`Recovery Kit written to (\S+)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("init output: %q", r.stdout)
	}
	kit, err := os.ReadFile(m[1])
	if err != nil || !strings.Contains(string(kit), "リカバリーキー") {
		t.Fatalf("kit file: %v %q", err, kit)
	}
	if fi, _ := os.Stat(m[1]); fi.Mode().Perm() != 0o600 {
		t.Errorf("kit file mode %v", fi.Mode().Perm())
	}
	if r := h.run(pw, "--vault", h.dir, "init", "--office", "x", "--admin", "admin", "--second-factor", "optional", "--reason", noReaders, "--kit", "kit2.txt"); r.code == 0 {
		t.Fatal("second init succeeded")
	}

	// company add validates the 法人番号 and writes nothing when it is wrong.
	r = h.run(pw, h.as("company", "add", "--name", "株式会社サンプル", "--corporate-number", "7000012050003")...)
	if r.code != 3 || !strings.Contains(r.stderr, "法人番号") {
		t.Fatalf("bad corporate number: %d %q", r.code, r.stderr)
	}
	r = h.run(pw, h.as("company", "add", "--name", "株式会社サンプル", "--corporate-number", "7000012050002")...)
	if r.code != 0 || strings.TrimSpace(r.stdout) != "1" {
		t.Fatalf("company add: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := h.run("wrong password here\n", h.as("company", "list")...); r.code == 0 {
		t.Fatal("wrong password accepted")
	}
	if r := h.run("", h.as("company", "list")...); r.code == 0 || !strings.Contains(r.stderr, "no password") {
		t.Fatalf("no password: %d %q", r.code, r.stderr)
	}
	r = h.run(pw, h.as("audit", "verify")...)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ok: ") {
		t.Fatalf("verify: %d %q %q", r.code, r.stdout, r.stderr)
	}

	// Backup, change, restore: the change is gone and the chain verifies.
	bak := filepath.Join(t.TempDir(), "vault.bak")
	if r := h.run(pw, h.as("backup", bak)...); r.code != 0 {
		t.Fatalf("backup: %d %q", r.code, r.stderr)
	}
	if r := h.run(pw, h.as("backup", bak)...); r.code == 0 {
		t.Fatal("backup overwrote an existing file")
	}
	if r := h.run(pw, h.as("company", "add", "--name", "後で消える会社")...); r.code != 0 {
		t.Fatalf("second company: %q", r.stderr)
	}
	// A damaged backup is refused and the vault is left as it was.
	raw, _ := os.ReadFile(bak)
	bad := filepath.Join(t.TempDir(), "bad.bak")
	raw2 := append([]byte(nil), raw...)
	raw2[len(raw2)-100] ^= 0xff
	os.WriteFile(bad, raw2, 0o600)
	if r := h.run(pw, h.as("restore", bad)...); r.code == 0 || !strings.Contains(r.stderr, "checksum") {
		t.Fatalf("damaged backup: %d %q", r.code, r.stderr)
	}
	if r := h.run(pw, h.as("company", "list")...); strings.Count(r.stdout, "\n") != 2 {
		t.Fatalf("vault changed by a refused restore: %q", r.stdout)
	}
	if r := h.run(pw, h.as("restore", bak)...); r.code != 0 || strings.Contains(r.stderr, "warning") {
		t.Fatalf("restore: %d %q", r.code, r.stderr)
	}
	r = h.run(pw, h.as("company", "list")...)
	if strings.Count(r.stdout, "\n") != 1 || !strings.Contains(r.stdout, "株式会社サンプル") {
		t.Fatalf("after restore: %q", r.stdout)
	}
	// The restored history records the restore (the entry written before went with the
	// replaced file), in Japanese with the backup's time in JST.
	hist := filepath.Join(t.TempDir(), "h.csv")
	if r := h.run(pw, h.as("history", "export", "--format", "csv", hist)...); r.code != 0 {
		t.Fatalf("history export: %d %q", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(hist); !regexp.MustCompile(`バックアップ（20\d\d-\d\d-\d\d \d\d:\d\d 作成）からこのPCに復元`).Match(b) {
		t.Fatalf("the restore is not in the restored history:\n%s", b)
	}
	if r := h.run(pw, h.as("audit", "verify")...); r.code != 0 {
		t.Fatalf("verify after restore: %q %q", r.stdout, r.stderr)
	}

	// Tampering with the history by SQL is detected and named.
	db, err := sql.Open("sqlite", filepath.Join(h.dir, "vault.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_log SET login = 'someone-else' WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r = h.run(pw, h.as("audit", "verify")...)
	if r.code != 4 || !strings.Contains(r.stdout, "first broken entry 2") {
		t.Fatalf("tampered verify: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestUsage(t *testing.T) {
	h := newHarness(t, &keychain.Mem{})
	for _, args := range [][]string{{}, {"frobnicate"}, {"--vault", h.dir, "init"}, {"company", "list"}} {
		if r := h.run("", args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (%q)", args, r.code, r.stderr)
		}
	}
}

// TestWithOSKeychain runs init, a login and verify against the real OS keychain (gnome-keyring
// under scripts/with-keyring.sh), then checks the keychain holds this vault's device secret and
// audit key, and that they are what the vault needs: removing the device secret makes the login
// fail with the recovery message.
func TestWithOSKeychain(t *testing.T) {
	testenv.Keyring(t)
	kc := keychain.OS()
	h := newHarness(t, kc)
	t.Chdir(t.TempDir())
	r := h.run(pw, "--vault", h.dir, "init", "--office", "キーチェーン確認事務所", "--admin", "admin", "--second-factor", "optional", "--reason", noReaders, "--kit", filepath.Join(t.TempDir(), "kit.txt"))
	if r.code != 0 {
		t.Fatalf("init: %q", r.stderr)
	}
	id := regexp.MustCompile(`vault id ([0-9a-f]+)`).FindStringSubmatch(r.stdout)[1]
	for _, acct := range []string{"device-secret/" + id, "audit-key/" + id} {
		if _, err := kc.Get(acct); err != nil {
			t.Fatalf("keychain lacks %s: %v", acct, err)
		}
		defer kc.Delete(acct)
	}
	if r := h.run(pw, h.as("audit", "verify")...); r.code != 0 {
		t.Fatalf("verify: %q %q", r.stdout, r.stderr)
	}
	if err := kc.Delete("device-secret/" + id); err != nil {
		t.Fatal(err)
	}
	r = h.run(pw, h.as("company", "list")...)
	if r.code == 0 || !strings.Contains(r.stderr, "Recovery Kit") {
		t.Fatalf("login without the device secret: %d %q", r.code, r.stderr)
	}
}
