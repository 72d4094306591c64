package dispose

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/terminal"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// execFixture is a vault on a temp file with company A (責任者 kanri, 担当者 tanto), an
// outsider assigned to company B, and A's employee E001, who left in 2017, with a number.
type execFixture struct {
	t       *testing.T
	db      *store.DB
	keys    *vault.Keys
	svc     *Service
	a       int64
	person  int64
	number  string
	kanri   auth.Principal
	tanto   auth.Principal
	outside auth.Principal
}

func newExecFixture(t *testing.T) *execFixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC) }
	v := &vault.Vault{Keychain: &keychain.Mem{}, KDF: vault.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}}
	log := &audit.Log{Workstation: "test"}
	f := &execFixture{t: t, db: db, svc: &Service{DB: db, Audit: log},
		kanri: auth.Principal{UserID: 2, Login: "kanri"}, tanto: auth.Principal{UserID: 3, Login: "tanto"},
		outside: auth.Principal{UserID: 4, Login: "other"}}
	err = db.Update(ctx, func(tx *store.Tx) error {
		for i, login := range []string{"admin", "kanri", "tanto", "other"} {
			if _, err := tx.Exec(`INSERT INTO users(id, login, display_name, is_admin, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?)`,
				i+1, login, login, i == 0, tx.NowText(), tx.NowText()); err != nil {
				return err
			}
		}
		_, f.keys, err = v.Init(tx, 1, "correct horse battery staple")
		if err != nil {
			return err
		}
		log.Key, err = f.keys.AuditKey(tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.keys.Close)
	rs := &roster.Service{DB: db, Audit: log}
	admin := auth.Principal{UserID: 1, Login: "admin", IsAdmin: true}
	var companies []int64
	for _, code := range []string{"A", "B"} {
		c, err := rs.CreateCompany(ctx, admin, f.keys, roster.Company{Code: code, Name: "株式会社" + code})
		if err != nil {
			t.Fatal(err)
		}
		companies = append(companies, c.ID)
	}
	f.a = companies[0]
	f.exec(`INSERT INTO assignments(company_id, user_id, role, assigned_at) VALUES(?, 2, 'manager', 'x'), (?, 3, 'handler', 'x'), (?, 4, 'handler', 'x')`,
		f.a, f.a, companies[1])
	e, err := rs.SaveEmployee(ctx, f.tanto, f.keys, roster.Employee{CompanyID: f.a, Code: "E001", Name: "山田 太郎",
		HiredOn: "2010-04-01", LeftOn: "2017-03-31"})
	if err != nil {
		t.Fatal(err)
	}
	f.person = e.ID
	d, err := mynumber.IndividualCheckDigit("12345678901")
	if err != nil {
		t.Fatal(err)
	}
	f.number = fmt.Sprint("12345678901", d)
	if err := rs.SetNumber(ctx, f.tanto, f.keys, f.a, f.person, f.number, false); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *execFixture) exec(q string, args ...any) {
	f.t.Helper()
	if err := f.db.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	}); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

// approved is a disposal of E001 (shred), proposed by tanto and approved by kanri.
func (f *execFixture) approved() Disposal {
	f.t.Helper()
	ctx := context.Background()
	d, err := f.svc.Propose(ctx, f.tanto, Proposal{CompanyID: f.a, PersonIDs: []int64{f.person}, Method: MethodShred,
		Reason: "退職後の保存期間経過"}, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		f.t.Fatal(err)
	}
	if d, err = f.svc.Approve(ctx, f.kanri, d.ID); err != nil || d.Status != StatusApproved {
		f.t.Fatalf("approve: %+v %v", d, err)
	}
	return d
}

// openNumber opens E001's number, or returns why it cannot.
func (f *execFixture) openNumber() (string, error) {
	var out string
	err := f.db.View(context.Background(), func(tx *store.Tx) error {
		var ct []byte
		if err := tx.QueryRow(`SELECT ciphertext FROM person_numbers WHERE person_id = ?`, f.person).Scan(&ct); err != nil {
			return err
		}
		ck, err := f.keys.Company(tx, f.a)
		if err != nil {
			return err
		}
		defer ck.Close()
		pk, err := ck.Person(tx, f.person)
		if err != nil {
			return err
		}
		defer pk.Close()
		pt, err := pk.Open(roster.NumberAAD(f.person), ct)
		out = string(pt)
		return err
	})
	return out, err
}

func (f *execFixture) history(after int64) []audit.Entry {
	f.t.Helper()
	var out []audit.Entry
	err := f.db.View(context.Background(), func(tx *store.Tx) error {
		es, err := audit.Query(tx, audit.Filter{Limit: audit.MaxLimit})
		for _, e := range es {
			if e.ID > after {
				out = append(out, e)
			}
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *execFixture) lastID() int64 {
	if es := f.history(0); len(es) > 0 {
		return es[0].ID // newest first
	}
	return 0
}

func (f *execFixture) limit(r terminal.Rights) {
	f.t.Helper()
	if err := f.db.Update(context.Background(), func(tx *store.Tx) error { return terminal.Set(tx, r, "office-test/ws-2") }); err != nil {
		f.t.Fatal(err)
	}
}

// TestExecuteOnlyOnPermittedTerminal: on a workstation the administrator did not allow to
// dispose, a disposal can still be proposed and approved, but its execution is refused: the
// disposal stays approved, the number still opens, and the refusal is in the history. Allowed,
// the same disposal is carried out.
func TestExecuteOnlyOnPermittedTerminal(t *testing.T) {
	f := newExecFixture(t)
	ctx := context.Background()
	f.limit(terminal.Rights{Reveal: true, Download: true})
	d := f.approved()

	before := f.lastID()
	_, err := f.svc.Execute(ctx, f.tanto, f.keys, d.ID)
	e, ok := apperr.As(err)
	if !errors.Is(err, terminal.ErrNotOnThisTerminal) || !ok || e.Code != apperr.CodeForbidden ||
		!strings.Contains(e.JA, "廃棄を実行できません") || !strings.Contains(e.EN, "Disposals cannot be executed") {
		t.Fatalf("execute on a limited terminal: %v", err)
	}
	if got, err := f.svc.Get(ctx, f.tanto, d.ID); err != nil || got.Status != StatusApproved || got.CertificateNo != "" {
		t.Fatalf("after the refusal the disposal is %+v (%v), want still approved", got, err)
	}
	if n, err := f.openNumber(); err != nil || n != f.number {
		t.Fatalf("after the refusal the number does not open: %v", err)
	}
	es := f.history(before)
	if len(es) != 1 || es[0].Action != audit.ActionDispose || es[0].Result != audit.ResultDenied || es[0].CompanyID != f.a ||
		es[0].TargetType != "disposal" || es[0].TargetID != fmt.Sprint(d.ID) || es[0].Detail != "disposal refused: not permitted on this terminal" ||
		es[0].UserID != f.tanto.UserID {
		t.Fatalf("history after the refusal: %+v", es)
	}

	// The role check comes first: an outsider is refused as before, and learns nothing of this
	// workstation.
	before = f.lastID()
	_, err = f.svc.Execute(ctx, f.outside, f.keys, d.ID)
	if errors.Is(err, terminal.ErrNotOnThisTerminal) || !apperr.HasCode(err, apperr.CodeForbidden) {
		t.Fatalf("outsider: %v", err)
	}
	if es := f.history(before); len(es) != 0 {
		t.Fatalf("an outsider's refusal wrote %+v", es)
	}

	f.limit(terminal.Rights{Dispose: true})
	done, err := f.svc.Execute(ctx, f.tanto, f.keys, d.ID)
	if err != nil || done.Status != StatusExecuted {
		t.Fatalf("execute on a permitted terminal: %+v %v", done, err)
	}
	if _, err := f.openNumber(); err == nil {
		t.Fatal("the number still opens after the disposal")
	}
}

// TestExecuteWithoutLimit: a vault whose rights were never set (a single installation)
// executes a disposal as before.
func TestExecuteWithoutLimit(t *testing.T) {
	f := newExecFixture(t)
	d := f.approved()
	if _, err := f.svc.Execute(context.Background(), f.tanto, f.keys, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.openNumber(); err == nil {
		t.Fatal("the number still opens after the disposal")
	}
}
