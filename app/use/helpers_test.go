package use

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
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

const testPW = "correct horse battery staple"

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeNumber completes an obviously fake 11-digit base with its check digit.
func fakeNumber(t testing.TB, base string) string {
	t.Helper()
	d, err := mynumber.IndividualCheckDigit(base)
	if err != nil {
		t.Fatal(err)
	}
	return base + fmt.Sprint(d)
}

// fixture is a vault on a temp file with: an administrator (assigned nowhere), a handler and a
// manager of company A, an outsider (handler of company B); a real login session for each;
// company A's people (see people below) with numbers and notified purposes.
type fixture struct {
	t       testing.TB
	dir     string
	clock   *clock
	db      *store.DB
	vault   *vault.Vault
	log     *audit.Log
	auth    *auth.Service
	roster  *roster.Service
	svc     *Service
	sess    map[string]*auth.Session // admin, handler, manager, outsider
	a, b    int64                    // company ids
	dept    int64                    // 総務部 of A
	yamada  int64                    // employee E001, TAX-WH and SI-KENPO notified
	hanako  int64                    // Yamada's spouse, TAX-WH notified
	sato    int64                    // employee E002, SI-KENPO only
	suzuki  int64                    // employee E010, no number, TAX-WH notified
	bPerson int64                    // an employee of company B, TAX-WH notified
	numbers map[int64]string         // registered numbers by person id
}

var users = []struct {
	id    int64
	login string
	admin bool
}{{1, "admin", true}, {2, "tanaka", false}, {3, "suzuki", false}, {4, "sato", false}}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, dir: t.TempDir(), clock: &clock{t: testStart}, sess: map[string]*auth.Session{}, numbers: map[int64]string{}}
	db, err := store.Open(ctx, filepath.Join(f.dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = f.clock.Now
	f.db = db
	f.vault = &vault.Vault{Keychain: &keychain.Mem{}, KDF: vault.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}}
	f.log = &audit.Log{Workstation: "test"}
	var keys *vault.Keys
	err = db.Update(ctx, func(tx *store.Tx) error {
		for _, u := range users {
			if _, err := tx.Exec(`INSERT INTO users(id, login, display_name, is_admin, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?)`,
				u.id, u.login, u.login, u.admin, tx.NowText(), tx.NowText()); err != nil {
				return err
			}
		}
		_, k, err := f.vault.Init(tx, 1, testPW)
		if err != nil {
			return err
		}
		keys = k
		for _, u := range users[1:] {
			if err := f.vault.SetPassword(tx, keys, u.id, testPW+" "+u.login); err != nil {
				return err
			}
		}
		f.log.Key, err = keys.AuditKey(tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	// The administrator's setup below is sealed, as a session's entries are in the app.
	sealKey, err := keys.AuditSealKey()
	if err != nil {
		t.Fatal(err)
	}
	f.log.Seal(keys, sealKey)
	defer f.log.Unseal(keys)
	f.auth = &auth.Service{DB: db, Vault: f.vault, Audit: f.log}
	f.roster = &roster.Service{DB: db, Audit: f.log}
	f.svc = &Service{DB: db, Audit: f.log, Vault: f.vault}
	adminP := auth.Principal{UserID: 1, Login: "admin", IsAdmin: true}
	for i, name := range []string{"株式会社テストA", "株式会社テストB"} {
		corp := "7000012050002"
		if i > 0 {
			corp = ""
		}
		c, err := f.roster.CreateCompany(ctx, adminP, keys, roster.Company{Code: fmt.Sprintf("C%03d", i+1), Name: name, CorporateNumber: corp})
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
	for _, u := range users {
		pw := testPW
		if !u.admin {
			pw += " " + u.login
		}
		s, err := f.auth.Login(ctx, u.login, pw)
		if err != nil {
			t.Fatalf("login %s: %v", u.login, err)
		}
		f.sess[[]string{"", "admin", "handler", "manager", "outsider"}[u.id]] = s
	}
	f.people()
	return f
}

// people registers company A's and B's people as the handlers.
func (f *fixture) people() {
	f.t.Helper()
	ctx := context.Background()
	h := f.sess["handler"]
	d, err := f.roster.SaveDepartment(ctx, h.Principal, roster.Department{CompanyID: f.a, Code: "D01", Name: "総務部"})
	if err != nil {
		f.t.Fatal(err)
	}
	f.dept = d.ID
	emp := func(s *auth.Session, company int64, code, name, kana, birth string, dept int64) int64 {
		e, err := f.roster.SaveEmployee(ctx, s.Principal, s.Keys(), roster.Employee{CompanyID: company, Code: code, Name: name,
			NameKana: kana, BirthDate: birth, Sex: roster.SexMale, DepartmentID: dept, HiredOn: "2010-04-01"})
		if err != nil {
			f.t.Fatalf("employee %s: %v", code, err)
		}
		return e.ID
	}
	f.yamada = emp(h, f.a, "E001", "山田 太郎", "ヤマダ タロウ", "1985-04-01", f.dept)
	dep, err := f.roster.SaveDependent(ctx, h.Principal, h.Keys(), roster.Dependent{CompanyID: f.a, EmployeeID: f.yamada,
		Relation: roster.RelationSpouse, Name: "山田 花子", NameKana: "ヤマダ ハナコ", BirthDate: "1989-01-08", Sex: roster.SexFemale})
	if err != nil {
		f.t.Fatal(err)
	}
	f.hanako = dep.ID
	f.sato = emp(h, f.a, "E002", "佐藤 次郎", "サトウ ジロウ", "2000-02-29", 0)
	f.suzuki = emp(h, f.a, "E010", "鈴木 三郎", "スズキ サブロウ", "", 0)
	o := f.sess["outsider"]
	f.bPerson = emp(o, f.b, "B001", "別会社 一郎", "ベツガイシャ イチロウ", "1970-01-01", 0)
	for id, base := range map[int64]string{f.yamada: "12345678901", f.hanako: "11111111111", f.sato: "22222222222"} {
		f.setNumber(h, f.a, id, fakeNumber(f.t, base))
	}
	f.setNumber(o, f.b, f.bPerson, fakeNumber(f.t, "33333333333"))
	f.notify(f.yamada, "TAX-WH", "SI-KENPO")
	f.notify(f.hanako, "TAX-WH")
	f.notify(f.sato, "SI-KENPO")
	f.notify(f.suzuki, "TAX-WH")
	f.notify(f.bPerson, "TAX-WH")
}

func (f *fixture) setNumber(s *auth.Session, company, id int64, n string) {
	f.t.Helper()
	if err := f.roster.SetNumber(context.Background(), s.Principal, s.Keys(), company, id, n, false); err != nil {
		f.t.Fatal(err)
	}
	f.numbers[id] = n
}

// notify records purposes as notified to a person (what collection, 1-3, writes).
func (f *fixture) notify(person int64, codes ...string) {
	f.t.Helper()
	for _, c := range codes {
		f.exec(`INSERT INTO person_purposes(person_id, purpose_code, notified_at) VALUES(?, ?, ?)`, person, c, store.FormatTime(testStart))
	}
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

// entries returns the audit entries after id, oldest first.
func (f *fixture) entries(after int64) []audit.Entry {
	f.t.Helper()
	var out []audit.Entry
	err := f.db.View(context.Background(), func(tx *store.Tx) error {
		es, err := audit.Query(tx, audit.Filter{Limit: audit.MaxLimit})
		for i := len(es) - 1; i >= 0; i-- {
			if es[i].ID > after {
				out = append(out, es[i])
			}
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// lastID is the id of the newest audit entry.
func (f *fixture) lastID() int64 {
	es := f.entries(0)
	if len(es) == 0 {
		return 0
	}
	return es[len(es)-1].ID
}

// auditText joins every text column of the history, for "never contains" checks.
func (f *fixture) auditText() string {
	var b strings.Builder
	for _, e := range f.entries(0) {
		fmt.Fprintln(&b, e.Login, e.Workstation, e.Action, e.TargetType, e.TargetID, e.Purpose, e.Result, e.Detail)
	}
	return b.String()
}

// codeOf is the apperr code of err, or "" when it has none.
func codeOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	return ""
}
