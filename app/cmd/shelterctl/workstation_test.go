package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/share"
	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/relaytest"
)

// workstationPC is one installation of the office for the workstation tests: its vault, its
// own shelter-bridge enrolled with the relay as officeID.
type workstationPC struct {
	*harness
	office string
}

// newWorkstationPC sets up an office on a new PC and enrols its bridge with the relay.
func newWorkstationPC(t *testing.T, relay *relaytest.Relay, caFile, name string, enrol bool) *workstationPC {
	t.Helper()
	h := newHarness(t, &keychain.Mem{})
	h.socket = relaytest.Bridge(t, &keychain.Mem{}, "")
	if r := h.run(pw, "--vault", h.dir, "init", "--office", "鹿児島社労士事務所", "--admin", "admin", "--second-factor", "optional", "--reason", noReaders,
		"--kit", filepath.Join(t.TempDir(), "kit.txt")); r.code != 0 {
		t.Fatalf("%s: init: %d %s", name, r.code, r.stderr)
	}
	pc := &workstationPC{harness: h}
	if enrol {
		pc.enrol(relay, caFile, name)
	}
	return pc
}

func (pc *workstationPC) enrol(relay *relaytest.Relay, caFile, name string) {
	t := pc.t
	t.Helper()
	r := pc.run(pw+relay.Token(t, name)+"\n", pc.as("relay", "enrol", "--url", relay.URL, "--ca", caFile)...)
	m := regexp.MustCompile(`as office (\S+)\n`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("%s: relay enrol: %d %q %q", name, r.code, r.stdout, r.stderr)
	}
	pc.office = m[1]
}

// ok runs a shelterctl command that must succeed and returns its output.
func (pc *workstationPC) ok(args ...string) string {
	pc.t.Helper()
	r := pc.run(pw, pc.as(args...)...)
	if r.code != 0 {
		pc.t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

var pairCodeLine = regexp.MustCompile(`(?m)^pair code: ([0-9A-F]{4}(?:-[0-9A-F]{4}){4})$`)

// TestWorkstationCommands: two installations of one office, each with its own real
// shelter-bridge, and one real relay. Both show the same pair code; a wrong code is refused
// and records nothing; the new PC joins, the first approves it, and the new PC's workstation
// sync brings the company; the list shows the other workstation with its rights; rights
// change them; remove says from how many companies, and the removed PC's next sync is
// refused by the relay.
func TestWorkstationCommands(t *testing.T) {
	// help lists them, and says that an absent rights flag is a right not given.
	if r := newHarness(t, &keychain.Mem{}).run("", "help"); r.code != 0 || !strings.Contains(r.stdout, "workstation approve OFFICE --code CODE [--reveal] [--download] [--dispose]") ||
		!strings.Contains(r.stdout, "a right whose flag is absent is not allowed") || !strings.Contains(r.stdout, "workstation remove OFFICE [--yes]") {
		t.Fatalf("help: %d %q", r.code, r.stdout)
	}
	relay := relaytest.Start(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(caFile, []byte(relay.CAPEM), 0o600)
	pc1 := newWorkstationPC(t, relay, caFile, "PC-1", true)
	pc2 := newWorkstationPC(t, relay, caFile, "PC-2", false)

	// Without an enrolled bridge the commands say what to do first.
	if r := pc2.run(pw, pc2.as("workstation", "list")...); r.code != exitFail || !strings.Contains(r.stderr, "relay enrol") {
		t.Fatalf("workstation list without an enrolled bridge: %d %q", r.code, r.stderr)
	}
	pc2.enrol(relay, caFile, "PC-2")

	pc1.ok("company", "add", "--name", "株式会社サンプル")
	pc1.ok("role", "set", "--company", "1", "--manager", "admin")
	out := pc1.ok("workstation", "list") // the workstation screen publishes the key
	if !strings.Contains(out, "this PC: office id "+pc1.office+", fingerprint ") || !strings.Contains(out, "no other workstation") {
		t.Fatalf("workstation list on PC-1 before pairing:\n%s", out)
	}

	// Both PCs show the same code.
	out2 := pc2.ok("workstation", "pair", pc1.office)
	out1 := pc1.ok("workstation", "pair", pc2.office)
	c2, c1 := pairCodeLine.FindStringSubmatch(out2), pairCodeLine.FindStringSubmatch(out1)
	if c1 == nil || c2 == nil || c1[1] != c2[1] || !strings.Contains(out2, "this PC: office id "+pc2.office) {
		t.Fatalf("pair codes differ or are missing:\nPC-1:\n%s\nPC-2:\n%s", out1, out2)
	}
	code := c1[1]
	if r := pc1.run(pw, pc1.as("workstation", "pair", "office-0000000000000000")...); r.code != exitFail ||
		!strings.Contains(r.stderr, "公開鍵は中継サーバーにありません") || !strings.Contains(r.stderr, "workstation list") {
		t.Fatalf("pair with an office that published no key: %d %q", r.code, r.stderr)
	}

	// A wrong code is refused on both sides, and nothing is recorded.
	if r := pc2.run(pw, pc2.as("workstation", "join", pc1.office, "--code", "0000-0000-0000-0000-0000")...); r.code != exitInvalid ||
		!strings.Contains(r.stderr, "確認コードが一致しません") || !strings.Contains(r.stderr, "The pair code does not match") {
		t.Fatalf("join with a wrong code: %d %q %q", r.code, r.stdout, r.stderr)
	}
	wrong := code[:len(code)-1] + "0" // the code with its last digit changed
	if strings.HasSuffix(code, "0") {
		wrong = code[:len(code)-1] + "1"
	}
	if r := pc1.run(pw, pc1.as("workstation", "approve", pc2.office, "--code", wrong, "--reveal")...); r.code != exitInvalid ||
		!strings.Contains(r.stderr, "確認コードが一致しません") {
		t.Fatalf("approve with a wrong code: %d %q %q", r.code, r.stdout, r.stderr)
	}
	for _, pc := range []*workstationPC{pc1, pc2} {
		if out := pc.ok("workstation", "list"); !strings.Contains(out, "no other workstation") {
			t.Fatalf("a workstation was recorded after wrong codes:\n%s", out)
		}
	}
	if r := pc2.run(pw, pc2.as("workstation", "join", pc1.office)...); r.code != exitUsage {
		t.Fatalf("join without --code: %d %q", r.code, r.stderr)
	}

	// The new PC joins with the code; PC-1 approves it, which offers the company at once.
	if out := pc2.ok("workstation", "join", pc1.office, "--code", strings.ToLower(code)); !strings.Contains(out, "joined the office through workstation "+pc1.office) {
		t.Fatalf("join: %s", out)
	}
	if out := pc1.ok("workstation", "approve", pc2.office, "--code", code, "--reveal"); !strings.Contains(out, "approved; it may reveal numbers: yes, download: no, dispose: no") {
		t.Fatalf("approve: %s", out)
	}
	if out := pc2.ok("company", "list"); strings.Contains(out, "株式会社サンプル") {
		t.Fatalf("the company reached PC-2 before its sync:\n%s", out)
	}
	if out := pc2.ok("workstation", "sync"); !strings.Contains(out, "accepted: 1 companies") {
		t.Fatalf("workstation sync on PC-2: %s", out)
	}
	if out := pc2.ok("company", "list"); !strings.Contains(out, "株式会社サンプル") {
		t.Fatalf("workstation sync did not bring the company to PC-2:\n%s", out)
	}

	// Each lists the other with how it is known, its companies and its rights.
	added := regexp.MustCompile(`  added by admin at 20\d\d-\d\d-\d\d \d\d:\d\d JST\n`)
	out = pc1.ok("workstation", "list")
	for _, want := range []string{"workstation " + pc2.office + " (PC-2): one of the office's", "how known: approved here", "companies: 1",
		"rights: reveal numbers: yes, download: no, dispose: no"} {
		if !strings.Contains(out, want) || !added.MatchString(out) {
			t.Fatalf("workstation list on PC-1 lacks %q:\n%s", want, out)
		}
	}
	if out := pc2.ok("workstation", "list"); !strings.Contains(out, "workstation "+pc1.office+" (PC-1)") || !strings.Contains(out, "how known: this PC joined through it") {
		t.Fatalf("workstation list on PC-2:\n%s", out)
	}

	// rights: a flag left out is a right taken away.
	pc1.ok("workstation", "rights", pc2.office, "--download")
	if out := pc1.ok("workstation", "list"); !strings.Contains(out, "rights: reveal numbers: no, download: yes, dispose: no") {
		t.Fatalf("rights did not change:\n%s", out)
	}
	if r := pc1.run(pw, pc1.as("workstation", "rights", "XXXX-NOT-ONE")...); r.code == 0 || !strings.Contains(r.stderr, "この事務所IDの端末は登録されていません") {
		t.Fatalf("rights of an unknown workstation: %d %q", r.code, r.stderr)
	}

	// remove: off a terminal only with --yes; then from the company, at the relay too.
	if r := pc1.run(pw, pc1.as("workstation", "remove", pc2.office)...); r.code != exitUsage || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("remove without --yes: %d %q", r.code, r.stderr)
	}
	// On a terminal it asks, and anything but yes removes nothing.
	if tty := terminalInput(t, pw+"no\n"); tty != nil {
		if r := pc1.runFrom(tty, pc1.as("workstation", "remove", pc2.office)...); r.code != exitFail ||
			!strings.Contains(r.stderr, "Remove workstation "+pc2.office+" (PC-2) from the office and from its 1 companies?") || !strings.Contains(r.stderr, "not removed") {
			t.Fatalf("remove answered no: %d %q %q", r.code, r.stdout, r.stderr)
		}
	}
	if out := pc1.ok("workstation", "list"); !strings.Contains(out, "(PC-2): one of the office's") {
		t.Fatalf("remove without --yes removed:\n%s", out)
	}
	if out := pc1.ok("workstation", "remove", pc2.office, "--yes"); out != "workstation "+pc2.office+" removed from the office and from 1 companies\n" {
		t.Fatalf("remove: %q", out)
	}
	if out := pc1.ok("workstation", "list"); !regexp.MustCompile(`\(PC-2\): REMOVED by admin at 20\d\d-\d\d-\d\d \d\d:\d\d JST`).MatchString(out) {
		t.Fatalf("list after remove:\n%s", out)
	}
	// The removed PC learns at its next workstation sync that the relay no longer serves it.
	pc2.ok("workstation", "sync")
	if out := pc2.ok("workstation", "list"); !strings.Contains(out, "WARNING: the relay no longer serves this PC 1 shared companies") {
		t.Fatalf("the removed PC's list:\n%s", out)
	}
	// The removed PC's next sync of the company is refused by the relay (as the app's).
	app, err := ui.New(ui.Config{VaultDir: pc2.dir, Keychain: pc2.keychain, KDF: vault.KDFParams{MemoryKiB: 1024, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if _, err := app.Session.Login("admin", strings.TrimSpace(pw)); err != nil {
		t.Fatal(err)
	}
	app.SetShareTransport(&share.BridgeTransport{Bridge: &bridge.Client{Path: pc2.socket}})
	if _, err := app.Share.Sync(1); err == nil || !strings.Contains(err.Error(), "共有から外されています") {
		t.Fatalf("the removed PC's sync: %v", err)
	}

	// The history says who did what.
	hist := filepath.Join(t.TempDir(), "h.csv")
	pc1.ok("history", "export", "--format", "csv", hist)
	b, _ := os.ReadFile(hist)
	for _, want := range []string{"端末 " + pc2.office + " を事務所の端末として承認（確認コードを照合）", "端末 " + pc2.office + " の権限を変更",
		"端末 " + pc2.office + " を事務所から外した"} {
		if !strings.Contains(string(b), want) {
			t.Fatalf("PC-1's history lacks %q:\n%s", want, b)
		}
	}
}
