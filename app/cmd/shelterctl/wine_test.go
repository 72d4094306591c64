package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"

	"github.com/mynumber-shelter/shelter/app/backup"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// wineCtl runs the Windows shelterctl.exe in a Wine prefix.
type wineCtl struct {
	t   *testing.T
	w   *testenv.WinePrefix
	exe string
	// seen collects every output, to check no number was ever shown.
	seen strings.Builder
}

// buildWindowsShelterctl cross-builds shelterctl.exe into exe as `make shelterctl-windows` does.
func buildWindowsShelterctl(t *testing.T, exe string) string {
	t.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-o", exe, ".")
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=windows go build: %v\n%s", err, out)
	}
	return exe
}

func (c *wineCtl) run(stdin string, args ...string) result {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := c.w.Command(ctx, c.exe, args...)
	// Passwords on standard input, as the in-process tests give them; none from this process.
	env := cmd.Env[:0:0]
	for _, kv := range cmd.Env {
		if !strings.HasPrefix(kv, "SHELTER_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		c.t.Fatalf("wine shelterctl.exe %v: %v", args, err)
	}
	c.seen.WriteString(out.String() + errb.String())
	return result{code, out.String(), errb.String()}
}

// credentials lists the Windows Credential Manager's generic credentials of MyNumber Shelter
// (Wine keeps them under HKCU\Software\Wine\Credential Manager).
func (c *wineCtl) credentials() []string {
	c.t.Helper()
	out, err := c.w.Command(context.Background(), "reg", "query", `HKCU\Software\Wine\Credential Manager`).Output()
	if err != nil {
		c.t.Fatalf("reg query: %v", err)
	}
	return regexp.MustCompile(`Generic: MyNumber Shelter:(\S+)`).FindAllString(string(out), -1)
}

// TestWindowsShelterctlUnderWine runs the Windows build of shelterctl under Wine, as an office
// would on a Japanese Windows PC: a vault in a user profile with a Japanese name, the keys in
// the Windows Credential Manager, an employee CSV saved by Excel (CP932), the audit chain, a
// backup restored in place, and a backup set restored onto "a new PC" (another profile, the
// Credential Manager emptied) with the Recovery Kit. Needs scripts/with-wine.sh.
func TestWindowsShelterctlUnderWine(t *testing.T) {
	w := testenv.Wine(t)
	c := &wineCtl{t: t, w: w, exe: buildWindowsShelterctl(t, filepath.Join(t.TempDir(), "shelterctl.exe"))}
	for _, p := range []string{`C:\users\山田`, `C:\users\鈴木`} {
		if err := os.MkdirAll(w.Path(p), 0o700); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(w.Path(p)) })
	}
	const vaultDir, kitFile = `C:\users\山田\vault`, `C:\users\山田\kit.txt`
	as := func(args ...string) []string {
		return append([]string{"--vault", vaultDir, "--user", "admin"}, args...)
	}

	// The runtime starts (ProcessPrng), and Japanese reaches a pipe as UTF-8.
	r := c.run("", "mynumber", "check", fakeNumber(7))
	if r.code != 0 || !strings.Contains(r.stdout, "1: valid 個人番号 (individual number) **** **** "+fakeNumber(7)[8:]) {
		t.Fatalf("mynumber check: %d %q %q", r.code, r.stdout, r.stderr)
	}

	r = c.run(pw, "--vault", vaultDir, "init", "--office", "鹿児島社労士事務所", "--admin", "admin",
		"--second-factor", "optional", "--reason", noReaders, "--kit", kitFile)
	m := regexp.MustCompile(`^vault created in (.+) \(vault id ([0-9a-f]{32})\)\nRecovery Kit written to (.+)\n`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil || m[1] != vaultDir || m[3] != kitFile {
		t.Fatalf("init: %d %q %q", r.code, r.stdout, r.stderr)
	}
	vaultID := m[2]
	for _, f := range []string{"vault.db", "keys.db"} {
		if _, err := os.Stat(filepath.Join(w.Path(vaultDir), f)); err != nil {
			t.Fatalf("init made no %s in %s: %v", f, vaultDir, err)
		}
	}
	wantCreds := []string{"Generic: MyNumber Shelter:audit-key/" + vaultID, "Generic: MyNumber Shelter:device-secret/" + vaultID}
	if got := c.credentials(); strings.Join(got, " ") != strings.Join(wantCreds, " ") {
		t.Fatalf("Credential Manager after init: %q, want %q", got, wantCreds)
	}
	kitText, err := os.ReadFile(w.Path(kitFile))
	key := regexp.MustCompile(`リカバリーキー:\r?\n((?:    \S+\r?\n)+)`).FindSubmatch(kitText)
	if err != nil || key == nil {
		t.Fatalf("no key in the kit: %v\n%s", err, kitText)
	}
	kit := strings.Join(strings.Fields(string(key[1])), "")

	if r := c.run(pw, as("company", "add", "--name", "株式会社サンプル", "--corporate-number", "7000012050002")...); r.code != 0 || r.stdout != "1\n" {
		t.Fatalf("company add: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := c.run(pw, as("company", "add", "--name", "株式会社サンプル", "--corporate-number", "7000012050003")...); r.code != 3 || !strings.Contains(r.stderr, "法人番号") {
		t.Fatalf("company add with a wrong check digit: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := c.run(pw, as("role", "set", "--company", "1", "--manager", "admin")...); r.code != 0 {
		t.Fatalf("role set: %d %q %q", r.code, r.stdout, r.stderr)
	}

	// An employee list as Excel saves it on Japanese Windows: CP932, CRLF.
	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(
		"従業員コード,氏名,フリガナ,生年月日,性別,部署,入社日,退職日,メールアドレス,個人番号\r\n" +
			"E001,山田 太郎,ヤマダ タロウ,1985-01-02,男,営業部,R6.4.1,,taro@example.jp," + fakeNumber(1) + "\r\n" +
			"E002,鈴木 花子,スズキ ハナコ,令和2年2月3日,女,総務部,2020/04/01,,," + fakeNumber(2) + "\r\n"))
	if err != nil || utf8.Valid(sjis) {
		t.Fatalf("the test CSV is not CP932: %v", err)
	}
	const csvFile = `C:\users\山田\従業員一覧.csv`
	if err := os.WriteFile(w.Path(csvFile), sjis, 0o600); err != nil {
		t.Fatal(err)
	}
	r = c.run(pw, as("import", "employees", "--company", "1", csvFile)...)
	if r.code != 0 || r.stdout != "added 2, updated 0, rejected 0\nnumbers registered 2\nnew departments: 営業部, 総務部\n" {
		t.Fatalf("import: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := c.run(pw, as("import", "employees", "--company", "1", "--dry-run", csvFile)...); r.code != 0 ||
		r.stdout != "added 0, updated 0, rejected 0\ndry run: nothing was written\nunchanged 2\n" {
		t.Fatalf("import again (dry run): %d %q %q", r.code, r.stdout, r.stderr)
	}

	verify := func(when string) {
		t.Helper()
		r := c.run(pw, as("audit", "verify")...)
		if r.code != 0 || !regexp.MustCompile(`^ok: [1-9][0-9]* entries, chain intact\nseals: entries 1 to [1-9][0-9]* are sealed under the root key; [0-9]+ entries after them were written with nobody logged in\nrelay anchors: none compared [^\n]*\n$`).MatchString(r.stdout) {
			t.Fatalf("audit verify %s: %d %q %q", when, r.code, r.stdout, r.stderr)
		}
	}
	verify("after the import")
	// The workstation commands go through the bridge's named pipe; with no bridge running they
	// say where they looked and what to do.
	if r := c.run(pw, as("workstation", "list")...); r.code != exitFail || !strings.Contains(r.stderr, "shelter-bridge is not reachable") {
		t.Fatalf("workstation list without a bridge: %d %q %q", r.code, r.stdout, r.stderr)
	}

	// A backup file: the Linux build reads what the Windows build wrote.
	const bak = `C:\users\山田\vault.bak`
	r = c.run(pw, as("backup", bak)...)
	m = regexp.MustCompile(`^backup written to (.+) \((\d+) bytes, sha256 ([0-9a-f]{64})\)\n$`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil || m[1] != bak {
		t.Fatalf("backup: %d %q %q", r.code, r.stdout, r.stderr)
	}
	h, _, err := backup.ReadHeader(w.Path(bak))
	if err != nil || h.VaultID != vaultID || h.SHA256 != m[3] || fmt.Sprint(h.Size) != m[2] {
		t.Fatalf("backup file: %v %+v, printed %q", err, h, m[1:])
	}
	if r := c.run(pw, as("company", "add", "--name", "後で消える会社")...); r.code != 0 {
		t.Fatalf("second company: %d %q", r.code, r.stderr)
	}
	if r := c.run(pw, as("restore", bak)...); r.code != 0 || !strings.HasPrefix(r.stdout, "restored backup of "+h.CreatedAt+" into "+vaultDir) {
		t.Fatalf("restore: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := c.run(pw, as("company", "list")...); r.code != 0 || r.stdout != "1\tC001\t7000012050002\t株式会社サンプル\n" {
		t.Fatalf("company list after restore: %d %q %q", r.code, r.stdout, r.stderr)
	}
	verify("after the restore")

	// A backup set on a USB stick, then onto a new PC: another profile, and a Credential
	// Manager without this vault's keys.
	const usb = `C:\users\山田\usb`
	if err := os.Mkdir(w.Path(usb), 0o700); err != nil {
		t.Fatal(err)
	}
	r = c.run(pw, as("backup", "--set", usb)...)
	m = regexp.MustCompile(`^backup set written to (C:\\users\\山田\\usb\\MyNumberShelter-\S+) \(`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("backup --set: %d %q %q", r.code, r.stdout, r.stderr)
	}
	set := m[1]
	// Only the set: the snapshot folders were removed (Wine 8 refuses Go's RemoveAll; see
	// app/backup.removeTree).
	if es, err := os.ReadDir(w.Path(usb)); err != nil || len(es) != 1 || es[0].Name() != filepath.Base(w.Path(set)) {
		t.Fatalf("the USB folder holds %v (%v), want only the set", es, err)
	}
	for _, cred := range c.credentials() {
		name := strings.TrimPrefix(cred, "Generic: ")
		if out, err := w.Command(context.Background(), "reg", "delete", `HKCU\Software\Wine\Credential Manager\Generic: `+name, "/f").CombinedOutput(); err != nil {
			t.Fatalf("reg delete %s: %v %s", name, err, out)
		}
	}
	if got := c.credentials(); len(got) != 0 {
		t.Fatalf("Credential Manager not emptied: %q", got)
	}
	const newVault, newPW = `C:\users\鈴木\vault`, "the new PC's office passphrase\n"
	onNew := func(args ...string) []string {
		return append([]string{"--vault", newVault, "--user", "admin"}, args...)
	}
	if r := c.run("AAAA-BBBB-CCCC\n"+newPW, onNew("restore", "--set", set)...); r.code == 0 || !strings.Contains(r.stderr, "リカバリーキー") {
		t.Fatalf("restore --set with a wrong kit: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = c.run(kit+"\n"+newPW, onNew("restore", "--set", set)...)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "restored "+set+" into "+newVault+"; admin can log in with the new password") {
		t.Fatalf("restore --set: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if got := c.credentials(); strings.Join(got, " ") != strings.Join(wantCreds, " ") {
		t.Fatalf("Credential Manager after restore --set: %q, want %q", got, wantCreds)
	}
	if es, _ := os.ReadDir(w.Path(newVault)); len(es) != 2 {
		t.Errorf("the new vault folder holds %d entries, want vault.db and keys.db only: %v", len(es), es)
	}
	if r := c.run(newPW, onNew("company", "list")...); r.code != 0 || r.stdout != "1\tC001\t7000012050002\t株式会社サンプル\n" {
		t.Fatalf("company list on the new PC: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := c.run(newPW, onNew("import", "employees", "--company", "1", "--dry-run", csvFile)...); r.code != 0 || !strings.Contains(r.stdout, "unchanged 2\n") {
		t.Fatalf("the employees on the new PC: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := c.run(newPW, onNew("audit", "verify")...); r.code != 0 || !strings.HasPrefix(r.stdout, "ok: ") {
		t.Fatalf("audit verify on the new PC: %d %q %q", r.code, r.stdout, r.stderr)
	}

	// No output ever showed a number, whole or in part beyond the last four digits.
	for _, i := range []int{1, 2, 7} {
		if n := fakeNumber(i); strings.Contains(c.seen.String(), n[:11]) {
			t.Fatalf("an output shows number %d", i)
		}
	}
	if _, hit := mynumber.ContainsValidIndividual([]byte(c.seen.String())); hit {
		t.Fatal("an output holds a check-digit-valid number")
	}
}

// TestShelterctlOutputUnderWine: redirected output is in the console's code page, as cmd's
// `type` and PowerShell 5.1 read it — CP932 after `chcp 932` (Japanese Windows), UTF-8 after
// `chcp 65001` or with SHELTER_OUTPUT_ENCODING=utf-8 — and the console itself shows the
// Japanese text. Wine gives a program a console only on a terminal, so `script` provides one.
// (Output to a pipe without a console — the other tests here — is UTF-8: Wine's ANSI code
// page is 1252 in this prefix.)
func TestShelterctlOutputUnderWine(t *testing.T) {
	w := testenv.Wine(t)
	script, err := exec.LookPath("script")
	if err != nil {
		t.Fatalf("script (util-linux) gives Wine a terminal: %v", err)
	}
	const dir = `C:\users\Public\shelterctl-output`
	if err := os.MkdirAll(w.Path(dir), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(w.Path(dir)) })
	buildWindowsShelterctl(t, w.Path(dir+`\shelterctl.exe`))
	n := fakeNumber(7)
	line := "1: valid 個人番号 (individual number) **** **** " + n[8:] + "\n"
	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	// wine runs cmd in a console on script's terminal: cmd /c "chcp CP & shelterctl.exe … > FILE".
	inConsole := func(env, cmdline string, wantExit int) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, script, "-qec", "wine cmd /c '"+cmdline+"'", "/dev/null")
		cmd.Env = append(w.Env(), "LANG=C.UTF-8", "LC_ALL=")
		if env != "" {
			cmd.Env = append(cmd.Env, env)
		}
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != wantExit {
			t.Fatalf("%s: %v, want exit %d\n%s", cmdline, err, wantExit, out)
		}
		return string(out)
	}
	for _, c := range []struct {
		name, chcp, env string
		want            []byte
	}{
		{"cp932", "932", "", sjis},
		{"utf8", "65001", "", []byte(line)},
		{"override", "932", outputEnv + "=utf-8", []byte(line)},
	} {
		file := dir + `\` + c.name + ".txt"
		inConsole(c.env, "chcp "+c.chcp+" >nul & "+dir+`\shelterctl.exe mynumber check `+n+" > "+file, 0)
		if got, err := os.ReadFile(w.Path(file)); err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("%s: chcp %s, %s: the file holds % x (%v), want % x", c.name, c.chcp, c.env, got, err, c.want)
		}
	}
	// On the console itself (UTF-16 through WriteConsoleW; Wine shows it on the terminal in UTF-8).
	if out := inConsole("", "chcp 932 >nul & "+dir+`\shelterctl.exe mynumber check `+n, 0); !strings.Contains(out, strings.TrimSuffix(line, "\n")) {
		t.Errorf("console output %q lacks %q", out, line)
	}
	if r := inConsole(outputEnv+"=latin1", dir+`\shelterctl.exe mynumber check `+n, exitUsage); !strings.Contains(r, outputEnv+`="latin1": want utf-8 or cp932`) {
		t.Errorf("an unknown %s: %q", outputEnv, r)
	}
}
