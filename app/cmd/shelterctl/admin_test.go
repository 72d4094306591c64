package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// TestAdminCommands: an administrator sets an office up for an import without the app — a
// user, the company's 責任者 and 担当者 — with the checks and history entries of the app, and
// the new handler imports. A handler cannot do an administrator's commands.
func TestAdminCommands(t *testing.T) {
	h := newHarness(t, &keychain.Mem{})
	if r := h.run(pw, "--vault", h.dir, "init", "--office", "自動化の事務所", "--admin", "admin", "--second-factor", "optional", "--reason", noReaders, "--kit", filepath.Join(t.TempDir(), "kit")); r.code != 0 {
		t.Fatalf("init: %q", r.stderr)
	}
	if r := h.run(pw, h.as("company", "add", "--name", "株式会社サンプル")...); r.code != 0 {
		t.Fatalf("company add: %q", r.stderr)
	}
	r := h.run(pw, h.as("user", "add", "tanaka", "--name", "田中 一郎")...)
	fields := strings.Fields(r.stdout)
	if r.code != 0 || len(fields) != 2 || fields[0] != "tanaka" || len(fields[1]) < 12 {
		t.Fatalf("user add: %d %q %q", r.code, r.stdout, r.stderr)
	}
	temp := fields[1]
	if r := h.run(pw, h.as("role", "set", "--company", "1", "--manager", "admin", "--handler", "tanaka,nobody")...); r.code == 0 {
		t.Fatal("role set with an unknown login succeeded")
	}
	if r := h.run(pw, h.as("role", "set", "--company", "1", "--manager", "admin", "--handler", "tanaka")...); r.code != 0 {
		t.Fatalf("role set: %q", r.stderr)
	}

	// tanaka changes the temporary password in the app, then imports with shelterctl.
	app, err := ui.New(ui.Config{VaultDir: h.dir, Keychain: h.keychain, KDF: vault.KDFParams{MemoryKiB: 1024, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Session.Login("tanaka", temp); err != nil {
		t.Fatal(err)
	}
	tanakaPW := "ichiro keeps a long passphrase"
	if err := app.Session.ChangePassword(temp, tanakaPW); err != nil {
		t.Fatal(err)
	}
	app.Close()
	csv := writeFile(t, "e.csv", []byte("従業員コード,氏名,個人番号\nE001,山田 太郎,"+fakeNumber(1)+"\n"))
	asTanaka := func(args ...string) []string { return append([]string{"--vault", h.dir, "--user", "tanaka"}, args...) }
	if r := h.run(tanakaPW+"\n", asTanaka("import", "employees", "--company", "1", csv)...); r.code != 0 {
		t.Fatalf("tanaka's import: %d %q", r.code, r.stderr)
	}
	// A handler is no administrator.
	if r := h.run(tanakaPW+"\n", asTanaka("user", "add", "sato")...); r.code == 0 {
		t.Fatal("a handler added a user")
	}
	if r := h.run(tanakaPW+"\n", asTanaka("policy", "set", "optional", "--reason", "x")...); r.code == 0 {
		t.Fatal("a handler changed the policy")
	}
	if r := h.run(pw, h.as("policy", "set", "optional")...); r.code == 0 {
		t.Fatal("optional without a reason")
	}
	if r := h.run(pw, h.as("user", "disable", "tanaka")...); r.code != 0 {
		t.Fatalf("user disable: %q", r.stderr)
	}
	if r := h.run(tanakaPW+"\n", asTanaka("company", "list")...); r.code == 0 {
		t.Fatal("a disabled user logged in")
	}
	if r := h.run(pw, h.as("user", "enable", "tanaka")...); r.code != 0 {
		t.Fatalf("user enable: %q", r.stderr)
	}
	if r := h.run(pw, h.as("user", "reset-password", "tanaka")...); r.code != 0 || !strings.HasPrefix(r.stdout, "tanaka\t") {
		t.Fatalf("reset-password: %q %q", r.stdout, r.stderr)
	}

	// The same history entries as the app.
	db, err := store.Open(context.Background(), filepath.Join(h.dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got []string
	db.View(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT action FROM audit_log WHERE action IN (?, ?, ?, ?, ?) ORDER BY id`,
			audit.ActionUserCreate, audit.ActionAssignmentChange, audit.ActionUserDisable, audit.ActionUserEnable, audit.ActionPasswordReset)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			rows.Scan(&a)
			got = append(got, a)
		}
		return nil
	})
	if want := "user_create assignment_change user_disable user_enable password_reset"; strings.Join(got, " ") != want {
		t.Errorf("history: %v, want %s", got, want)
	}
}

// TestHistoryExport: the monthly job writes the 2-1 report of a period, with the summary the
// 責任者 signs, as a new 0600 file; the export is itself in the history.
func TestHistoryExport(t *testing.T) {
	h := newHarness(t, &keychain.Mem{})
	if r := h.run(pw, "--vault", h.dir, "init", "--office", "月次の事務所", "--admin", "admin", "--second-factor", "optional", "--reason", noReaders, "--kit", filepath.Join(t.TempDir(), "kit")); r.code != 0 {
		t.Fatalf("init: %q", r.stderr)
	}
	if r := h.run(pw, h.as("company", "add", "--name", "株式会社サンプル")...); r.code != 0 {
		t.Fatalf("company add: %q", r.stderr)
	}
	out := filepath.Join(t.TempDir(), "2026-12.xlsx")
	today := time.Now().In(jpdate.JST).Format("2006-01-02")
	r := h.run(pw, h.as("history", "export", "--from", "2020-01-01", "--to", today, "--format", "xlsx", out)...)
	if r.code != 0 || !strings.Contains(r.stdout, "entries written") {
		t.Fatalf("history export: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("report file: %v %v", fi, err)
	}
	wb, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	if sheets := wb.GetSheetList(); len(sheets) != 2 || sheets[1] != "集計・確認" {
		t.Fatalf("sheets %v", sheets)
	}
	rows, _ := wb.GetRows("集計・確認")
	var all strings.Builder
	for _, r := range rows {
		all.WriteString(strings.Join(r, "|") + "\n")
	}
	for _, want := range []string{"月次の事務所", "契約企業登録", "admin (admin)", "事務取扱責任者　確認欄", "改ざんは検出されませんでした"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the summary lacks %q:\n%s", want, all.String())
		}
	}
	// An existing file is never overwritten; a bad date is a usage error.
	if r := h.run(pw, h.as("history", "export", "--format", "csv", out)...); r.code == 0 {
		t.Fatal("overwrote an existing report")
	}
	if r := h.run(pw, h.as("history", "export", "--from", "2026/12/01", "--format", "csv", out+".csv")...); r.code != 2 {
		t.Fatalf("bad date: %d %q", r.code, r.stderr)
	}
}
