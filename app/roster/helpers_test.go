package roster

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// testNow is 2026-04-01 10:00 JST.
var testNow = time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)

// fixture is a vault with an administrator (not assigned to any company), a handler and a
// manager of company A, an outsider assigned only to company B, and both companies' keys.
type fixture struct {
	t        testing.TB
	db       *store.DB
	svc      *Service
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
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return testNow }
	f := &fixture{t: t, db: db,
		admin:    auth.Principal{UserID: 1, Login: "admin", IsAdmin: true},
		handler:  auth.Principal{UserID: 2, Login: "tanaka"},
		manager:  auth.Principal{UserID: 3, Login: "suzuki"},
		outsider: auth.Principal{UserID: 4, Login: "sato"},
	}
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
	f.svc = &Service{DB: db, Audit: log}
	for i, name := range []string{"株式会社テストA", "株式会社テストB"} {
		c, err := f.svc.CreateCompany(ctx, f.admin, f.keys, Company{Code: fmt.Sprintf("C%03d", i+1), Name: name})
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

// auditLog returns every audit entry's text columns, joined, for "never contains" checks.
func (f *fixture) auditText() string {
	f.t.Helper()
	var b strings.Builder
	err := f.db.View(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT action, target_type, target_id, detail FROM audit_log ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, tt, ti, d string
			if err := rows.Scan(&a, &tt, &ti, &d); err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s|%s|%s|%s\n", a, tt, ti, d)
		}
		return rows.Err()
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return b.String()
}

func (f *fixture) employee(code, name string) Employee {
	f.t.Helper()
	e, err := f.svc.SaveEmployee(context.Background(), f.handler, f.keys, Employee{CompanyID: f.a, Code: code, Name: name})
	if err != nil {
		f.t.Fatalf("SaveEmployee %s: %v", code, err)
	}
	return e
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
