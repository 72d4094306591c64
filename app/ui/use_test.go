package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// useFixture is a vault with company A (manager suzuki, handler tanaka), company B (handler
// sato), the administrator assigned nowhere, and company A's employee 山田 太郎 with a dependent,
// both with numbers and notified purposes. The debug log goes to logBuf as well as the test log.
type useFixture struct {
	*fixture
	logBuf   *lockedBuffer
	pw       map[string]string // login → password
	a, b     int64
	yamada   int64
	hanako   int64
	sato     int64 // an employee of A with SI-KENPO only
	numbers  map[int64]string
	outsider string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.b.Bytes())
}

func newUseFixture(t *testing.T) *useFixture {
	t.Helper()
	u := &useFixture{fixture: &fixture{clock: &clock{t: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}, kc: nil, dir: t.TempDir()},
		logBuf: &lockedBuffer{}, pw: map[string]string{"admin": adminPW}, numbers: map[int64]string{}, outsider: "sato"}
	u.kc = &keychain.Mem{}
	a, err := New(Config{VaultDir: u.dir, Keychain: u.kc, KDF: fastKDF, Version: "test", Now: u.clock.Now, SecondFactor: "optional",
		Log: slog.New(slog.NewTextHandler(teeWriter{u.logBuf, testWriter{t}}, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	u.app = a
	kit, err := a.Session.Setup(SetupRequest{Office: Office{Name: "テスト社労士事務所", Kind: "sharoushi"},
		AdminLogin: "admin", AdminName: "管理 太郎", Password: adminPW})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Session.ConfirmRecoveryKit(kit.Key); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, login := range []string{"tanaka", "suzuki", "sato"} {
		tp, err := a.Users.Create(UserInput{Login: login, DisplayName: login})
		if err != nil {
			t.Fatal(err)
		}
		ids[login], u.pw[login] = tp.User.ID, tp.Password
	}
	ca, err := a.Company.Create(Company{Code: "C001", Name: "株式会社テストA", CorporateNumber: "7000012050002"})
	if err != nil {
		t.Fatal(err)
	}
	cb, err := a.Company.Create(Company{Code: "C002", Name: "株式会社テストB"})
	if err != nil {
		t.Fatal(err)
	}
	u.a, u.b = ca.ID, cb.ID
	if _, err := a.Handlers.Set(u.a, []int64{ids["suzuki"]}, []int64{ids["tanaka"]}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Handlers.Set(u.b, []int64{ids["sato"]}, []int64{ids["sato"]}); err != nil {
		t.Fatal(err)
	}
	for _, login := range []string{"tanaka", "suzuki", "sato"} {
		if _, err := a.Session.Login(login, u.pw[login]); err != nil {
			t.Fatal(err)
		}
		next := "a long passphrase no. " + fmt.Sprint(ids[login]) + " here"
		if err := a.Session.ChangePassword(u.pw[login], next); err != nil {
			t.Fatal(err)
		}
		u.pw[login] = next
	}
	// The people of A, registered by the handler through the roster.
	u.login(t, "tanaka")
	sess := a.session()
	ctx := context.Background()
	emp := func(code, name string) int64 {
		e, err := a.Roster.SaveEmployee(ctx, sess.Principal, sess.Keys(), roster.Employee{CompanyID: u.a, Code: code, Name: name, BirthDate: "1985-04-01"})
		if err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	u.yamada, u.sato = emp("E001", "山田 太郎"), emp("E002", "佐藤 次郎")
	d, err := a.Roster.SaveDependent(ctx, sess.Principal, sess.Keys(), roster.Dependent{CompanyID: u.a, EmployeeID: u.yamada,
		Relation: roster.RelationChild, Name: "山田 一郎", BirthDate: "2019-05-01"})
	if err != nil {
		t.Fatal(err)
	}
	u.hanako = d.ID
	for i, id := range []int64{u.yamada, u.hanako, u.sato} {
		n := uiNumber(900 + i)
		if err := a.Roster.SetNumber(ctx, sess.Principal, sess.Keys(), u.a, id, n, false); err != nil {
			t.Fatal(err)
		}
		u.numbers[id] = n
	}
	err = a.DB.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT INTO person_purposes(person_id, purpose_code, notified_at) VALUES (?, 'TAX-WH', ?), (?, 'SI-KENPO', ?), (?, 'TAX-WH', ?), (?, 'SI-KENPO', ?)`,
			u.yamada, tx.NowText(), u.yamada, tx.NowText(), u.hanako, tx.NowText(), u.sato, tx.NowText())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (u *useFixture) login(t *testing.T, login string) {
	t.Helper()
	if _, err := u.app.Session.Login(login, u.pw[login]); err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
}

type teeWriter []interface{ Write([]byte) (int, error) }

func (w teeWriter) Write(p []byte) (int, error) {
	for _, x := range w {
		x.Write(p)
	}
	return len(p), nil
}

func TestUseService(t *testing.T) {
	u := newUseFixture(t)
	s := u.app.Use
	if !slices.Contains(u.app.Services(), any(s)) {
		t.Fatal("UseService is not bound")
	}
	u.login(t, "tanaka")

	page, err := s.People(UsePeopleQuery{CompanyID: u.a})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 3 || page.People[0].MaskedNumber != "**** **** "+u.numbers[u.yamada][8:] || page.People[1].Kind != "dependent" ||
		page.People[1].RelationJA != "子" || page.People[1].BirthDateJA != "令和元年5月1日" || !slices.Equal(page.People[0].Purposes, []string{"TAX-WH", "SI-KENPO"}) {
		t.Fatalf("people: %+v", page)
	}
	for _, p := range page.People {
		if strings.Contains(fmt.Sprint(p), u.numbers[p.ID]) {
			t.Fatal("the list shows a number in clear")
		}
	}

	ps, err := s.Purposes(u.sato)
	if err != nil || len(ps) != 2 || ps[0].Code != "SI-KENPO" || ps[1].Code != "OTHER" || !ps[1].NeedsReason {
		t.Fatalf("purposes: %+v %v", ps, err)
	}
	if _, err := s.Reveal(RevealRequest{PersonID: u.sato, Purpose: "TAX-WH"}); code(t, err) != "purpose_not_notified" || field(err) != "purpose" {
		t.Fatalf("un-notified purpose: %v", err)
	}
	if _, err := s.Reveal(RevealRequest{PersonID: u.sato, Purpose: "OTHER", Reason: "確認"}); code(t, err) != "invalid" || field(err) != "reason" {
		t.Fatalf("other with a short reason: %v", err)
	}
	r, err := s.Reveal(RevealRequest{PersonID: u.sato, Purpose: "SI-KENPO"})
	n := u.numbers[u.sato]
	if err != nil || r.Number != n || r.Formatted != n[:4]+" "+n[4:8]+" "+n[8:] || r.HideAfterSeconds != 30 || r.HideAt <= r.RevealedAt {
		t.Fatalf("reveal: %+v %v", r, err)
	}
	if err := s.RecordCopy(u.sato); err != nil {
		t.Fatal(err)
	}
	u.clock.Add(31 * time.Second)
	if err := s.RecordCopy(u.sato); code(t, err) != "not_revealed" {
		t.Fatalf("copy after the number hid itself: %v", err)
	}
	if _, err := s.Reveal(RevealRequest{PersonID: u.sato, Purpose: "OTHER", Reason: "年金事務所からの照会"}); err != nil {
		t.Fatal(err)
	}

	c, err := s.CorporateNumber(u.a)
	if err != nil || c.Number != "7000012050002" || c.Formatted != "7 0000 1205 0002" {
		t.Fatalf("corporate number: %+v %v", c, err)
	}

	fields, err := s.FormatFields()
	if err != nil || len(fields) < 10 {
		t.Fatalf("fields: %v %v", fields, err)
	}
	fs, err := s.Formats(u.a)
	if err != nil || len(fs) != 1 || fs[0].Preset != "yayoi-kyuyo" || fs[0].Columns[4].Field != "number" {
		t.Fatalf("formats: %+v %v", fs, err)
	}
	if _, err := s.SaveFormat(u.a, DownloadFormat{Name: "x", Columns: []FormatColumn{{Field: "name"}}}); code(t, err) != "invalid" || field(err) != "columns" {
		t.Fatalf("format without a number column: %v", err)
	}
	saved, err := s.SaveFormat(u.a, DownloadFormat{Name: "給与", Columns: []FormatColumn{{Field: "employeeCode"}, {Field: "name"},
		{Field: "birthDate"}, {Field: "number", Title: "マイナンバー"}}, Encoding: "utf8bom", Header: true, Dates: "wareki", LineEnding: "lf"})
	if err != nil || saved.ID == 0 || saved.Columns[3].Title != "マイナンバー" {
		t.Fatalf("save format: %+v %v", saved, err)
	}

	req := NumberDownloadRequest{CompanyID: u.a, FormatID: saved.ID, All: true, Purpose: "TAX-WH", FileType: "csv"}
	if _, err := s.Download(req); code(t, err) != "password_required" || field(err) != "password" {
		t.Fatalf("bulk without password: %v", err)
	}
	req.Password = u.pw["tanaka"]
	dl, err := s.Download(req)
	if err != nil {
		t.Fatal(err)
	}
	data, err := base64.StdEncoding.DecodeString(dl.Data)
	if err != nil {
		t.Fatal(err)
	}
	want := "\uFEFF従業員コード,氏名,生年月日,マイナンバー\nE001,山田 太郎,昭和60年4月1日," + u.numbers[u.yamada] +
		"\nE001,山田 一郎,令和元年5月1日," + u.numbers[u.hanako] + "\n"
	if string(data) != want || dl.Rows != 2 || len(dl.Skipped) != 1 || dl.Skipped[0] != (SkippedPerson{u.sato, "not_notified", "E002", "佐藤 次郎", "本人"}) ||
		!strings.HasSuffix(dl.FileName, ".csv") {
		t.Fatalf("download %+v\n%q", dl, data)
	}
	xl, err := s.Download(NumberDownloadRequest{CompanyID: u.a, Preset: "yayoi-kyuyo", PersonIDs: []int64{u.yamada}, Purpose: "TAX-WH",
		FileType: "xlsx", FilePassword: "file pass phrase"})
	if err != nil || xl.Rows != 1 || !strings.HasSuffix(xl.FileName, ".xlsx") {
		t.Fatalf("xlsx: %+v %v", xl, err)
	}
	if err := s.DeleteFormat(u.a, saved.ID); err != nil {
		t.Fatal(err)
	}

	// The history has each handling with its purpose; OTHER is there to be flagged.
	u.login(t, "suzuki")
	hist, err := u.app.History.Query(HistoryFilter{CompanyID: u.a, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range hist.Entries {
		seen[e.Action+"/"+e.Purpose+"/"+e.Result]++
	}
	for k, want := range map[string]int{"view/SI-KENPO/ok": 1, "view/TAX-WH/denied": 1, "export/SI-KENPO/ok": 1, "view/OTHER/ok": 1,
		"view//ok": 1, "export/TAX-WH/ok": 2} {
		if seen[k] != want {
			t.Errorf("history %s: %d, want %d (%v)", k, seen[k], want, seen)
		}
	}
}

// TestUseServiceRoles calls every bound method of UseService as the unassigned administrator
// and as a user of another company: each is refused in Go.
func TestUseServiceRoles(t *testing.T) {
	u := newUseFixture(t)
	s := u.app.Use
	calls := map[string]func() error{
		"People":          func() error { _, err := s.People(UsePeopleQuery{CompanyID: u.a}); return err },
		"Purposes":        func() error { _, err := s.Purposes(u.yamada); return err },
		"Reveal":          func() error { _, err := s.Reveal(RevealRequest{PersonID: u.yamada, Purpose: "TAX-WH"}); return err },
		"RecordCopy":      func() error { return s.RecordCopy(u.yamada) },
		"CorporateNumber": func() error { _, err := s.CorporateNumber(u.a); return err },
		"Formats":         func() error { _, err := s.Formats(u.a); return err },
		"SaveFormat": func() error {
			_, err := s.SaveFormat(u.a, DownloadFormat{Name: "x", Columns: []FormatColumn{{Field: "number"}}})
			return err
		},
		"DeleteFormat": func() error { return s.DeleteFormat(u.a, 1) },
		"Download": func() error {
			_, err := s.Download(NumberDownloadRequest{CompanyID: u.a, Preset: "yayoi-kyuyo", PersonIDs: []int64{u.yamada}, Purpose: "TAX-WH", FileType: "csv"})
			return err
		},
	}
	for _, who := range []string{"admin", "sato"} {
		u.login(t, who)
		for name, call := range calls {
			if c := code(t, call()); c != "forbidden" {
				t.Errorf("%s as %s: code %q, want forbidden", name, who, c)
			}
		}
		if _, err := s.FormatFields(); err != nil { // no company data: any logged-in user
			t.Errorf("FormatFields as %s: %v", who, err)
		}
	}
	if err := u.app.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	for name, call := range calls {
		if c := code(t, call()); c != "unauthenticated" {
			t.Errorf("%s logged out: code %q", name, c)
		}
	}
	if _, err := s.FormatFields(); code(t, err) != "unauthenticated" {
		t.Errorf("FormatFields logged out: %v", err)
	}
}

// TestUseServiceLeavesNoNumber: after reveals, copies and downloads through the bound methods,
// no file in the vault directory or the temporary directory, and no line of the debug log, holds
// a number. The downloads are returned to the caller, never written by the app.
func TestUseServiceLeavesNoNumber(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("SQLITE_TMPDIR", tmp)
	u := newUseFixture(t)
	s := u.app.Use
	u.login(t, "tanaka")
	for id := range u.numbers {
		if _, err := s.Reveal(RevealRequest{PersonID: id, Purpose: "OTHER", Reason: "照合のため " + u.numbers[id]}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordCopy(id); err != nil {
			t.Fatal(err)
		}
	}
	for _, ft := range []string{"csv", "xlsx"} {
		dl, err := s.Download(NumberDownloadRequest{CompanyID: u.a, Preset: "yayoi-kyuyo", All: true, Purpose: "TAX-WH", FileType: ft,
			FilePassword: "file pass phrase", Password: u.pw["tanaka"]})
		if err != nil || dl.Rows != 2 {
			t.Fatalf("%s: %+v %v", ft, dl, err)
		}
	}
	// Errors that reach the debug log (a CP932 failure is user-safe and not logged at all).
	s.Download(NumberDownloadRequest{CompanyID: u.a, Preset: "yayoi-kyuyo", All: true, Purpose: "TAX-WH", FileType: "csv", Password: "wrong"})
	files := 0
	for _, root := range []string{u.dir, tmp} {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return nil
			}
			files++
			if off, hit := mynumber.ContainsValidIndividual(b); hit {
				t.Errorf("%s holds a number at byte %d", path, off)
			}
			return nil
		})
	}
	if files < 2 {
		t.Fatalf("scanned %d files", files)
	}
	if _, hit := mynumber.ContainsValidIndividual(u.logBuf.Bytes()); hit {
		t.Error("the debug log holds a number")
	}
	hist := ""
	u.app.DB.View(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT group_concat(detail, '|') FROM audit_log`).Scan(&hist)
	})
	if !strings.Contains(hist, "other reason: 照合のため ############") {
		t.Errorf("the typed reason is not recorded redacted: %q", hist)
	}
}
