package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/cloud"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/relaytest"
)

// TestReplicaCommands: replica upload sends the office's sealed vault through a real bridge to
// a real relay on loopback TLS; restore --from-relay brings it onto another PC with a restore
// code and the Recovery Kit, and the administrator works there with the new password.
func TestReplicaCommands(t *testing.T) {
	ctx := context.Background()
	relay := relaytest.Start(t)
	rst, relayURL := relay.Store, relay.URL
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(caFile, []byte(relay.CAPEM), 0o600)
	socket := relaytest.Bridge(t, &keychain.Mem{}, "")

	old := newHarness(t, &keychain.Mem{})
	old.socket = socket
	kitFile := filepath.Join(t.TempDir(), "kit.txt")
	if r := old.run(pw, "--vault", old.dir, "init", "--office", "鹿児島社労士事務所", "--admin", "admin", "--second-factor", "optional", "--reason", noReaders, "--kit", kitFile); r.code != 0 {
		t.Fatalf("init: %d %s", r.code, r.stderr)
	}
	// relay enrol, as M-5 does: the form's example address is refused, a wrong token is the
	// bridge's refusal in words, and the right one enrols and is in the history.
	if r := old.run(pw, old.as("relay", "enrol", "--url", "https://relay.example.jp", "--ca", caFile)...); r.code != exitInvalid ||
		!strings.Contains(r.stderr, "入力例のURL") {
		t.Fatalf("relay enrol with the example address: %d %q", r.code, r.stderr)
	}
	if r := old.run(pw+"not-a-token\n", old.as("relay", "enrol", "--url", relayURL, "--ca", caFile)...); r.code == 0 ||
		!strings.Contains(r.stderr, "登録トークンが使えません") || strings.Contains(r.stdout+r.stderr, "not-a-token") {
		t.Fatalf("relay enrol with a wrong token: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r := old.run(pw+relay.Token(t, "relay customer")+"\n", old.as("relay", "enrol", "--url", relayURL, "--ca", caFile)...)
	if r.code != 0 || !strings.Contains(r.stdout, "enrolled with "+relayURL) {
		t.Fatalf("relay enrol: %d %q %q", r.code, r.stdout, r.stderr)
	}
	st, err := (&bridge.Client{Path: socket}).SyncStatus(ctx)
	if err != nil || !st.Enrolled {
		t.Fatalf("the bridge after relay enrol: %+v %v", st, err)
	}
	hist := filepath.Join(t.TempDir(), "h.csv")
	if r := old.run(pw, old.as("history", "export", "--format", "csv", hist)...); r.code != 0 {
		t.Fatalf("history export: %d %q", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(hist); !strings.Contains(string(b), strings.TrimPrefix(relayURL, "https://")) {
		t.Fatalf("the enrolment is not in the history:\n%s", b)
	}
	if r := old.run(pw, old.as("company", "add", "--name", "株式会社サンプル")...); r.code != 0 {
		t.Fatalf("company add: %d %s", r.code, r.stderr)
	}
	if r := old.run(pw, old.as("replica", "status")...); r.code != 0 || !strings.Contains(r.stdout, "last upload: none") {
		t.Fatalf("replica status: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = old.run(pw, old.as("replica", "upload")...)
	if r.code != 0 || !strings.Contains(r.stdout, "changes not yet uploaded: 0") || !strings.Contains(r.stdout, "last upload: 20") {
		t.Fatalf("replica upload: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// audit verify compares the history with the anchors the upload left on the relay.
	if r := old.run(pw, old.as("audit", "verify")...); r.code != 0 || !regexp.MustCompile(`^ok: \d+ entries, chain intact\nseals: entries 1 to [1-9]\d* are sealed under the root key; \d+ entries after them were written with nobody logged in\nrelay anchors: [1-9]\d* compared, the last at entry [1-9]\d* \(20\d\d-\d\d-\d\d \d\d:\d\d JST\)\n$`).MatchString(r.stdout) {
		t.Fatalf("audit verify with the relay: %d %q %q", r.code, r.stdout, r.stderr)
	}
	sn, err := rst.SnapshotInfo(ctx, st.Office)
	if err != nil || sn.Size == 0 {
		t.Fatalf("relay: %+v %v", sn, err)
	}
	code, _, err := cloud.NewRestoreCode(ctx, rst, st.Office, nil, nil) // the operator's shelter-cloud restore-code
	if err != nil {
		t.Fatal(err)
	}
	kitText, _ := os.ReadFile(kitFile)
	key := regexp.MustCompile(`リカバリーキー:\n((?:    \S+\n)+)`).FindStringSubmatch(string(kitText))
	kit := strings.Join(strings.Fields(key[1]), "")

	fresh := newHarness(t, &keychain.Mem{})
	const newPW = "the new PC's office passphrase\n"
	args := fresh.as("restore", "--from-relay", relayURL, "--ca", caFile, "--code", code)
	if r := fresh.run(kit+"\n"+newPW, args...); r.code != 0 {
		t.Fatalf("restore --from-relay: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := fresh.run(newPW, fresh.as("company", "list")...); r.code != 0 || !strings.Contains(r.stdout, "株式会社サンプル") {
		t.Fatalf("company list on the new PC: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := fresh.run(kit+"\n"+newPW, args...); r.code == 0 {
		t.Fatal("a second restore with the used code succeeded")
	}
}
