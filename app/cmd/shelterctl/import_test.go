package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"github.com/mynumber-shelter/shelter/app/ui"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// fakeNumber is an obviously fake Individual Number with a valid check digit: "1", i in ten
// digits, the check digit.
func fakeNumber(i int) string {
	base := fmt.Sprintf("1%010d", i)
	d, err := mynumber.IndividualCheckDigit(base)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%s%d", base, d)
}

// writeFile writes a file into a fresh temp dir and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// assign makes the administrator the 事務取扱責任者 of company id through the app, as 1-1 does.
func (h *harness) assign(id int64) {
	h.t.Helper()
	app, err := ui.New(ui.Config{VaultDir: h.dir, Keychain: h.keychain, KDF: vault.KDFParams{MemoryKiB: 1024, Time: 1, Threads: 1}})
	if err != nil {
		h.t.Fatal(err)
	}
	defer app.Close()
	if _, err := app.Session.Login("admin", strings.TrimSpace(pw)); err != nil {
		h.t.Fatal(err)
	}
	if _, err := app.Handlers.Set(id, []int64{1}, nil); err != nil {
		h.t.Fatal(err)
	}
}

func TestImportEmployees(t *testing.T) {
	h := newHarness(t, &keychain.Mem{})
	t.Chdir(t.TempDir())
	if r := h.run(pw, "--vault", h.dir, "init", "--office", "鹿児島社労士事務所", "--admin", "admin", "--second-factor", "optional", "--reason", noReaders, "--kit", filepath.Join(t.TempDir(), "kit.txt")); r.code != 0 {
		t.Fatalf("init: %q", r.stderr)
	}
	if r := h.run(pw, h.as("company", "add", "--name", "株式会社サンプル")...); r.code != 0 {
		t.Fatalf("company add: %q", r.stderr)
	}
	const head = "従業員コード,氏名,フリガナ,生年月日,性別,部署,入社日,退職日,メールアドレス,個人番号\n"
	good := head +
		"E001,山田 太郎,ヤマダ タロウ,1985-01-02,男,営業部,R6.4.1,,taro@example.jp," + fakeNumber(1) + "\n" +
		"E002,鈴木 花子,スズキ ハナコ,令和2年2月3日,女,総務部,2020/04/01,,," + fakeNumber(2) + "\n"
	goodFile := writeFile(t, "employees.csv", []byte(good))
	var outputs strings.Builder

	// The administrator alone may not import: only the company's 責任者 / 担当者.
	r := h.run(pw, h.as("import", "employees", "--company", "1", goodFile)...)
	if r.code != 1 || !strings.Contains(r.stderr, "not assigned") {
		t.Fatalf("import by an unassigned administrator: %d %q %q", r.code, r.stdout, r.stderr)
	}
	h.assign(1)

	// One bad line: exit 3, each problem by line and column, nothing written.
	n3 := fakeNumber(3)
	bad := good + "E003,佐藤 次郎,,2030-01-01,X,,,,," + n3[:11] + fmt.Sprint((int(n3[11]-'0')+1)%10) + "\n"
	r = h.run(pw, h.as("import", "employees", "--company", "1", writeFile(t, "bad.csv", []byte(bad)))...)
	outputs.WriteString(r.stdout + r.stderr)
	for _, want := range []string{"added 0, updated 0, rejected 1\n", "line 4, column 性別: ", "line 4, column 生年月日: ", "line 4, column 個人番号: ", "nothing was written"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("bad file output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != 3 {
		t.Fatalf("bad file: exit %d", r.code)
	}

	// Dry run: counts, nothing written. Flags may follow FILE.
	r = h.run(pw, h.as("import", "employees", goodFile, "--company", "1", "--dry-run")...)
	outputs.WriteString(r.stdout + r.stderr)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "added 2, updated 0, rejected 0\n") || !strings.Contains(r.stdout, "dry run: nothing was written") {
		t.Fatalf("dry run: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = h.run(pw, h.as("import", "employees", "--company", "1", goodFile)...)
	outputs.WriteString(r.stdout + r.stderr)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "added 2, updated 0, rejected 0\n") || !strings.Contains(r.stdout, "numbers registered 2") ||
		!strings.Contains(r.stdout, "new departments: 営業部, 総務部") {
		t.Fatalf("import: %d %q %q", r.code, r.stdout, r.stderr)
	}

	// Upsert by code, from a CP932 file: E001 unchanged, E002 changed, E003 added.
	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(head +
		"E001,山田 太郎,ヤマダ タロウ,1985-01-02,男,営業部,2024-04-01,,taro@example.jp," + fakeNumber(1) + "\r\n" +
		"E002,鈴木 花子,スズキ ハナコ,2020-02-03,女,総務部,2020-04-01,R8.3.31,,\r\n" +
		"E003,佐藤 次郎,サトウ ジロウ,,,,,,,\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	r = h.run(pw, h.as("import", "employees", "--company", "1", writeFile(t, "sjis.csv", sjis))...)
	outputs.WriteString(r.stdout + r.stderr)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "added 1, updated 1, rejected 0\nunchanged 1\n") {
		t.Fatalf("cp932 upsert: %d %q %q", r.code, r.stdout, r.stderr)
	}

	// A one-line-per-person file: the dependent's line joins registered employee E001.
	r = h.run(pw, h.as("import", "employees", "--company", "1", writeFile(t, "family.csv",
		[]byte("従業員コード,続柄,氏名,生年月日,個人番号\nE001,妻,山田 花子,S63.5.12,"+fakeNumber(5)+"\n")))...)
	outputs.WriteString(r.stdout + r.stderr)
	if r.code != 0 || !strings.Contains(r.stdout, "dependents: added 1, updated 0, unchanged 0\n") || !strings.Contains(r.stdout, "numbers registered 1") {
		t.Fatalf("dependents: %d %q %q", r.code, r.stdout, r.stderr)
	}

	// A mapping file for a headerless export; E004 gets E001's number: refused, named by code.
	mapping := writeFile(t, "mapping.json", []byte(`{"noHeader": true, "columns": {"code": 1, "name": 2, "number": 3}}`))
	headerless := writeFile(t, "payroll.csv", []byte("E004,高橋 三郎,"+fakeNumber(1)+"\n"))
	r = h.run(pw, h.as("import", "employees", "--company", "1", "--mapping", mapping, headerless)...)
	outputs.WriteString(r.stdout + r.stderr)
	if r.code != 3 || !strings.Contains(r.stdout, "line 1, column 列3: ") || !strings.Contains(r.stdout, "E001") {
		t.Fatalf("duplicate number: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := h.run(pw, h.as("import", "employees", "--company", "1", "--mapping", writeFile(t, "m.json", []byte(`{"columns": {"shoe": 1}}`)), headerless)...); r.code != 2 {
		t.Fatalf("bad mapping: %d %q", r.code, r.stderr)
	}

	// Usage errors.
	for _, args := range [][]string{
		{"import", "employees", goodFile},
		{"import", "employees", "--company", "x", goodFile},
		{"import", "employees", "--company", "1"},
		{"import", "employees", "--company", "1", goodFile, goodFile},
	} {
		if r := h.run(pw, h.as(args...)...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (%q)", args, r.code, r.stderr)
		}
	}

	// The history verifies, and no output ever showed a number.
	if r := h.run(pw, h.as("audit", "verify")...); r.code != 0 {
		t.Fatalf("verify: %q %q", r.stdout, r.stderr)
	}
	for i := 1; i <= 3; i++ {
		if strings.Contains(outputs.String(), fakeNumber(i)) || strings.Contains(outputs.String(), fakeNumber(i)[:11]) {
			t.Fatalf("output shows number %d:\n%s", i, outputs.String())
		}
	}
	if _, hit := mynumber.ContainsValidIndividual([]byte(outputs.String())); hit {
		t.Fatalf("output holds a check-digit-valid number:\n%s", outputs.String())
	}
}
