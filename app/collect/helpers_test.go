package collect

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// testStart is 2026-04-01 10:00 JST.
var testStart = time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fixture is a vault with an administrator (not assigned), a handler and a manager of company
// A, an outsider assigned only to company B, and the roster and collect services.
type fixture struct {
	t        testing.TB
	dir      string
	db       *store.DB
	clock    *clock
	svc      *Service
	roster   *roster.Service
	keys     *vault.Keys
	admin    auth.Principal
	handler  auth.Principal
	manager  auth.Principal
	outsider auth.Principal
	a, b     int64 // company ids
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, dir: dir, db: db, clock: &clock{t: testStart},
		admin:    auth.Principal{UserID: 1, Login: "admin", IsAdmin: true},
		handler:  auth.Principal{UserID: 2, Login: "tanaka"},
		manager:  auth.Principal{UserID: 3, Login: "suzuki"},
		outsider: auth.Principal{UserID: 4, Login: "sato"},
	}
	db.Now = f.clock.Now
	v := &vault.Vault{Keychain: &keychain.Mem{}, KDF: vault.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}}
	log := &audit.Log{Workstation: "test"}
	err = db.Update(ctx, func(tx *store.Tx) error {
		for _, p := range []auth.Principal{f.admin, f.handler, f.manager, f.outsider} {
			if _, err := tx.Exec(`INSERT INTO users(id, login, display_name, is_admin, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?)`,
				p.UserID, p.Login, p.Login, p.IsAdmin, tx.NowText(), tx.NowText()); err != nil {
				return err
			}
		}
		_, keys, err := v.Init(tx, 1, "correct horse battery staple")
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
	f.svc = &Service{DB: db, Audit: log}
	for i, name := range []string{"株式会社テストA", "株式会社テストB"} {
		c, err := f.roster.CreateCompany(ctx, f.admin, f.keys, roster.Company{Code: fmt.Sprintf("C%03d", i+1), Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.a = c.ID
		} else {
			f.b = c.ID
		}
	}
	f.exec(`INSERT INTO assignments(company_id, user_id, role, assigned_at) VALUES(?, 2, 'handler', 'x'), (?, 3, 'manager', 'x'), (?, 4, 'handler', 'x')`,
		f.a, f.a, f.b)
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if err := f.db.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	}); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.View(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(q, args...).Scan(&n)
	}); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// employee adds an employee of company A with n dependents and returns the ids (employee first).
func (f *fixture) employee(code, name string, n int) []int64 {
	f.t.Helper()
	ctx := context.Background()
	e, err := f.roster.SaveEmployee(ctx, f.handler, f.keys, roster.Employee{CompanyID: f.a, Code: code, Name: name})
	if err != nil {
		f.t.Fatalf("SaveEmployee %s: %v", code, err)
	}
	ids := []int64{e.ID}
	for i := range n {
		d, err := f.roster.SaveDependent(ctx, f.handler, f.keys, roster.Dependent{CompanyID: f.a, EmployeeID: e.ID,
			Relation: roster.Relations()[0], Name: fmt.Sprintf("%s 家族%d", name, i+1)})
		if err != nil {
			f.t.Fatalf("SaveDependent: %v", err)
		}
		ids = append(ids, d.ID)
	}
	return ids
}

// request asks the employees for their numbers with the web page offered.
func (f *fixture) request(ids ...int64) Issued {
	f.t.Helper()
	is, err := f.svc.CreateRequest(context.Background(), f.handler, f.keys, Request{CompanyID: f.a, Title: "入社時収集",
		EmployeeIDs: ids, Purposes: []string{"TAX-WH", "SI-KENPO"},
		Notice: NoticeSettings{InPerson: "本社2階 人事部", Online: true, Contact: "人事部 山田"}}, NoticeOptions{})
	if err != nil {
		f.t.Fatalf("CreateRequest: %v", err)
	}
	return is
}

// testNumber returns an obviously fake Individual Number with a valid check digit.
func testNumber(i int) string {
	base := fmt.Sprintf("1%010d", i)
	d, err := mynumber.IndividualCheckDigit(base)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%s%d", base, d)
}

// cells returns every non-empty cell of every sheet of an xlsx, per sheet name.
func cells(t testing.TB, xlsx []byte) map[string][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	out := map[string][]string{}
	for _, sh := range x.GetSheetList() {
		rows, err := x.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			for _, c := range r {
				if c != "" {
					out[sh] = append(out[sh], c)
				}
			}
		}
	}
	return out
}

// otpOf finds the one-time password printed on a letter (the cell after 初回パスワード).
func otpOf(t testing.TB, sheet []string) string {
	t.Helper()
	for i, c := range sheet {
		if c == "初回パスワード" && i+1 < len(sheet) {
			return sheet[i+1]
		}
	}
	t.Fatalf("no password on the letter: %q", sheet)
	return ""
}

// vaultFiles returns the bytes of every file in the vault directory (database, WAL, journal).
func (f *fixture) vaultFiles() map[string][]byte {
	f.t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(f.dir, e.Name()))
		if err != nil {
			f.t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// auditText returns the text columns of every audit entry.
func (f *fixture) auditText() string {
	f.t.Helper()
	var b strings.Builder
	err := f.db.View(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT action, result, target_type, target_id, detail FROM audit_log ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, r, tt, ti, d string
			if err := rows.Scan(&a, &r, &tt, &ti, &d); err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s|%s|%s|%s|%s\n", a, r, tt, ti, d)
		}
		return rows.Err()
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return b.String()
}
