package csvimport

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// testNow is 2026-04-01 10:00 JST.
var testNow = time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)

const (
	fixturePassword = "correct horse battery staple"
	keychainFile    = "test-keychain.json"
)

var fixtureKDF = vault.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}

// fixture is a vault with an administrator (not assigned), a handler of company a, and a
// handler of company b.
type fixture struct {
	t        testing.TB
	dir      string
	db       *store.DB
	im       *Importer
	roster   *roster.Service
	keys     *vault.Keys
	admin    auth.Principal
	handler  auth.Principal
	outsider auth.Principal
	a, b     int64
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, dir: t.TempDir(),
		admin:    auth.Principal{UserID: 1, Login: "admin", IsAdmin: true},
		handler:  auth.Principal{UserID: 2, Login: "tanaka"},
		outsider: auth.Principal{UserID: 3, Login: "sato"},
	}
	db, err := store.Open(ctx, filepath.Join(f.dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return testNow }
	f.db = db
	v := &vault.Vault{Keychain: fileKeychain{filepath.Join(f.dir, keychainFile)}, KDF: fixtureKDF}
	log := &audit.Log{Workstation: "test"}
	err = db.Update(ctx, func(tx *store.Tx) error {
		for _, p := range []auth.Principal{f.admin, f.handler, f.outsider} {
			if _, err := tx.Exec(`INSERT INTO users(id, login, display_name, is_admin, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?)`,
				p.UserID, p.Login, p.Login, p.IsAdmin, tx.NowText(), tx.NowText()); err != nil {
				return err
			}
		}
		_, keys, err := v.Init(tx, 1, fixturePassword)
		if err != nil {
			return err
		}
		f.keys = keys
		log.Key, err = keys.AuditKey(tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.keys.Close)
	f.roster = &roster.Service{DB: db, Audit: log}
	f.im = &Importer{DB: db, Audit: log}
	for i := range 2 {
		c, err := f.roster.CreateCompany(ctx, f.admin, f.keys, roster.Company{Code: fmt.Sprintf("C%03d", i+1), Name: "テスト株式会社"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.a = c.ID
		} else {
			f.b = c.ID
		}
	}
	if err := db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT INTO assignments(company_id, user_id, role, assigned_at) VALUES(?, 2, 'handler', 'x'), (?, 3, 'handler', 'x')`, f.a, f.b)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.View(context.Background(), func(tx *store.Tx) error { return tx.QueryRow(q, args...).Scan(&n) }); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (f *fixture) preview(data string, m Mapping) Report {
	f.t.Helper()
	rep, err := f.im.Preview(context.Background(), f.handler, f.keys, Request{CompanyID: f.a, Data: []byte(data), Mapping: m})
	if err != nil {
		f.t.Fatalf("Preview: %v", err)
	}
	return rep
}

func (f *fixture) commit(data string, m Mapping) (Report, error) {
	f.t.Helper()
	return f.im.Commit(context.Background(), f.handler, f.keys, Request{CompanyID: f.a, Data: []byte(data), Mapping: m}, nil)
}

// employees returns "code:name:dept:number mask" of company a, by code.
func (f *fixture) employees() []string {
	f.t.Helper()
	page, err := f.roster.Employees(context.Background(), f.handler, f.keys, roster.EmployeeQuery{CompanyID: f.a, Limit: 500})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range page.Employees {
		out = append(out, fmt.Sprintf("%s:%s:%s:%s", e.Code, e.Name, e.DepartmentName, e.MaskedNumber))
	}
	return out
}

// testNumber returns an obviously fake Individual Number with a valid check digit:
// "1" followed by i in ten digits, then the check digit.
func testNumber(i int) string {
	base := fmt.Sprintf("1%010d", i)
	d, err := mynumber.IndividualCheckDigit(base)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%s%d", base, d)
}

// badNumber is testNumber(i) with a wrong check digit.
func badNumber(i int) string {
	n := testNumber(i)
	return n[:11] + fmt.Sprint((int(n[11]-'0')+1)%10)
}

// noNumbers fails when s holds any of the test numbers 1..n, valid or not, or their last 8 digits.
func noNumbers(t testing.TB, what, s string, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		for _, x := range []string{testNumber(i), badNumber(i)} {
			if strings.Contains(s, x) || strings.Contains(s, x[4:]) {
				t.Errorf("%s contains test number %d", what, i)
			}
		}
	}
}

const header = "従業員コード,氏名,フリガナ,生年月日,性別,部署,入社日,退職日,メールアドレス,個人番号\n"
