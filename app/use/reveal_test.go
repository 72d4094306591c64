package use

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

func TestPurposesFor(t *testing.T) {
	f := newFixture(t)
	ps, err := f.svc.PurposesFor(context.Background(), f.sess["handler"].Principal, f.yamada)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, p := range ps {
		codes = append(codes, p.Code)
		if p.LabelJA == "" || p.LabelEN == "" {
			t.Errorf("%s has no label", p.Code)
		}
		if p.NeedsReason != (p.Code == PurposeOther) {
			t.Errorf("%s NeedsReason = %v", p.Code, p.NeedsReason)
		}
	}
	// Notified purposes in display order (TAX-WH sorts before SI-KENPO), then OTHER.
	if want := []string{"TAX-WH", "SI-KENPO", "OTHER"}; !slices.Equal(codes, want) {
		t.Fatalf("purposes = %v, want %v", codes, want)
	}
	if !ps[0].NotifiedAt.Equal(testStart) {
		t.Errorf("notified at %v", ps[0].NotifiedAt)
	}
	// A person with nothing notified still gets OTHER.
	f.exec(`DELETE FROM person_purposes WHERE person_id = ?`, f.sato)
	ps, _ = f.svc.PurposesFor(context.Background(), f.sess["handler"].Principal, f.sato)
	if len(ps) != 1 || ps[0].Code != PurposeOther {
		t.Fatalf("without notified purposes: %+v", ps)
	}
}

// TestRevealPurposeRule is the rule of 3-1: a number is shown only for a purpose notified to that
// person, or for その他 with a typed reason, and every outcome is in the history.
func TestRevealPurposeRule(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name    string
		person  func() int64
		purpose string
		reason  string
		code    string       // "" = revealed
		result  audit.Result // the entry written; "" = none
		detail  string       // a part of the entry's detail
	}{
		{"notified purpose", func() int64 { return f.yamada }, "TAX-WH", "", "", audit.ResultOK, "my number revealed"},
		{"second notified purpose", func() int64 { return f.yamada }, "SI-KENPO", "", "", audit.ResultOK, "my number revealed"},
		{"dependent's own purpose", func() int64 { return f.hanako }, "TAX-WH", "", "", audit.ResultOK, "revealed"},
		{"purpose notified to someone else only", func() int64 { return f.hanako }, "SI-KENPO", "", "purpose_not_notified", audit.ResultDenied, "not notified"},
		{"known purpose never notified", func() int64 { return f.sato }, "TAX-WH", "", "purpose_not_notified", audit.ResultDenied, "not notified"},
		{"unknown purpose", func() int64 { return f.yamada }, "MARKETING", "", "invalid", "", ""},
		{"no purpose", func() int64 { return f.yamada }, " ", "", "invalid", "", ""},
		{"other without reason", func() int64 { return f.sato }, "OTHER", "", "invalid", "", ""},
		{"other with a too short reason", func() int64 { return f.sato }, "OTHER", " 確認 ", "invalid", "", ""},
		{"other with a reason", func() int64 { return f.sato }, "OTHER", "年金事務所からの照会に回答", "", audit.ResultOK, "other reason: 年金事務所からの照会に回答"},
		{"other with a number typed as reason", func() int64 { return f.sato }, "OTHER", "番号 2222 2222 222" + fakeNumber(t, "22222222222")[11:] + " の確認",
			"", audit.ResultOK, "other reason: 番号 #### #### #### の確認"},
		{"no number registered", func() int64 { return f.suzuki }, "TAX-WH", "", "no_number", "", ""},
		{"person of another company", func() int64 { return f.bPerson }, "TAX-WH", "", "forbidden", audit.ResultDenied, "not assigned"},
		{"no such person", func() int64 { return 9999 }, "TAX-WH", "", "not_found", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.lastID()
			person := c.person()
			r, err := f.svc.Reveal(context.Background(), f.sess["handler"], person, c.purpose, c.reason)
			if got := codeOf(err); got != c.code {
				t.Fatalf("code %q (%v), want %q", got, err, c.code)
			}
			if c.code == "" && (r.Number != f.numbers[person] || r.Purpose != c.purpose) {
				t.Fatalf("revealed %+v", r)
			}
			if c.code != "" && r.Number != "" {
				t.Fatal("a refused reveal returned a number")
			}
			es := f.entries(before)
			if c.result == "" {
				if len(es) != 0 {
					t.Fatalf("entries written: %+v", es)
				}
				return
			}
			if len(es) != 1 {
				t.Fatalf("want one entry, got %+v", es)
			}
			e := es[0]
			if e.Action != audit.ActionView || e.Result != c.result || e.TargetType != "person" || e.TargetID != fmt.Sprint(person) ||
				!strings.Contains(e.Detail, c.detail) || e.Login != "tanaka" {
				t.Fatalf("entry %+v", e)
			}
			wantPurpose := c.purpose
			if c.code == "forbidden" {
				wantPurpose = ""
			}
			if e.Purpose != wantPurpose {
				t.Errorf("entry purpose %q, want %q (OTHER flags the entry for 2-1)", e.Purpose, wantPurpose)
			}
			if c.code == "" {
				if r.EntryID != e.ID || !r.RevealedAt.Equal(e.Time) || r.HideAfter != 30*time.Second || !r.HideAt.Equal(e.Time.Add(30*time.Second)) {
					t.Errorf("reveal %+v vs entry %d at %v", r, e.ID, e.Time)
				}
			}
		})
	}
	if strings.Contains(f.auditText(), fakeNumber(t, "22222222222")) {
		t.Fatal("a number reached the history")
	}
}

// TestRevealFailsClosed: when the history cannot be written, no number is returned and nothing
// is written.
func TestRevealFailsClosed(t *testing.T) {
	f := newFixture(t)
	before := f.lastID()
	key := f.log.CurrentKey()
	f.log.SetKey(nil) // the audit key is gone
	r, err := f.svc.Reveal(context.Background(), f.sess["handler"], f.yamada, "TAX-WH", "")
	if !errors.Is(err, audit.ErrUnavailable) || r.Number != "" {
		t.Fatalf("reveal without an audit key: %+v, %v", r, err)
	}
	f.log.SetKey(key[:16]) // a broken key
	if r, err := f.svc.Reveal(context.Background(), f.sess["handler"], f.yamada, "OTHER", "照会対応のため"); err == nil || r.Number != "" {
		t.Fatalf("reveal with a broken audit key: %+v, %v", r, err)
	}
	// A database that refuses the entry (a trigger stands in for a full disk).
	f.log.SetKey(key)
	f.exec(`CREATE TRIGGER vault.no_history BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
	if r, err := f.svc.Reveal(context.Background(), f.sess["handler"], f.yamada, "TAX-WH", ""); !errors.Is(err, audit.ErrUnavailable) || r.Number != "" {
		t.Fatalf("reveal with a failing history: %+v, %v", r, err)
	}
	f.exec(`DROP TRIGGER vault.no_history`)
	if got := f.lastID(); got != before {
		t.Fatalf("entries written while failing: %d → %d", before, got)
	}
	if r, err := f.svc.Reveal(context.Background(), f.sess["handler"], f.yamada, "TAX-WH", ""); err != nil || r.Number != f.numbers[f.yamada] {
		t.Fatalf("after repair: %+v %v", r, err)
	}
	res, err := audit.Verify(context.Background(), f.db, key)
	if err != nil || !res.OK {
		t.Fatalf("chain: %+v %v", res, err)
	}
}

// TestRoles: only the company's 責任者 and 担当者 reach 3-1; the administrator who is not assigned
// and a user of another company are refused by every use case.
func TestRoles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// The manager may do everything the handler may.
	if r, err := f.svc.Reveal(ctx, f.sess["manager"], f.yamada, "SI-KENPO", ""); err != nil || r.Number == "" {
		t.Fatalf("manager reveal: %v", err)
	}
	calls := map[string]func(s *auth.Session) error{
		"People": func(s *auth.Session) error {
			_, err := f.svc.People(ctx, s, PeopleQuery{CompanyID: f.a})
			return err
		},
		"PurposesFor": func(s *auth.Session) error { _, err := f.svc.PurposesFor(ctx, s.Principal, f.yamada); return err },
		"Reveal":      func(s *auth.Session) error { _, err := f.svc.Reveal(ctx, s, f.yamada, "TAX-WH", ""); return err },
		"RecordCopy":  func(s *auth.Session) error { return f.svc.RecordCopy(ctx, s.Principal, f.yamada) },
		"CorporateNumber": func(s *auth.Session) error {
			_, err := f.svc.CorporateNumber(ctx, s.Principal, f.a)
			return err
		},
		"Formats": func(s *auth.Session) error { _, err := f.svc.Formats(ctx, s.Principal, f.a); return err },
		"SaveFormat": func(s *auth.Session) error {
			_, err := f.svc.SaveFormat(ctx, s.Principal, f.a, Format{Name: "x", Spec: Presets()[0].Spec})
			return err
		},
		"DeleteFormat": func(s *auth.Session) error { return f.svc.DeleteFormat(ctx, s.Principal, f.a, 1) },
		"Download": func(s *auth.Session) error {
			_, err := f.svc.Download(ctx, s, DownloadRequest{CompanyID: f.a, Preset: PresetYayoi, Purpose: "TAX-WH",
				FileType: FileCSV, Selection: Selection{PersonIDs: []int64{f.yamada}}})
			return err
		},
	}
	for _, who := range []string{"admin", "outsider"} {
		for name, call := range calls {
			before := f.lastID()
			if got := codeOf(call(f.sess[who])); got != "forbidden" {
				t.Errorf("%s as %s: code %q, want forbidden", name, who, got)
			}
			for _, e := range f.entries(before) {
				if e.Result != audit.ResultDenied {
					t.Errorf("%s as %s wrote %+v", name, who, e)
				}
			}
		}
	}
	// A locked session has no keys: nothing that needs them works.
	h := f.sess["handler"]
	h.Lock()
	if _, err := f.svc.Reveal(ctx, h, f.yamada, "TAX-WH", ""); !errors.Is(err, auth.ErrLocked) {
		t.Fatalf("reveal while locked: %v", err)
	}
}

// TestRecordCopy: a copy is recorded only while the number is shown, with the reveal's purpose.
func TestRecordCopy(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	h := f.sess["handler"]
	if err := f.svc.RecordCopy(ctx, h.Principal, f.yamada); codeOf(err) != "not_revealed" {
		t.Fatalf("copy before any reveal: %v", err)
	}
	r, err := f.svc.Reveal(ctx, h, f.yamada, "OTHER", "市役所からの照会対応")
	if err != nil {
		t.Fatal(err)
	}
	// Another user cannot record a copy of this user's reveal.
	if err := f.svc.RecordCopy(ctx, f.sess["manager"].Principal, f.yamada); codeOf(err) != "not_revealed" {
		t.Fatalf("copy by another user: %v", err)
	}
	f.clock.Add(29 * time.Second)
	before := f.lastID()
	if err := f.svc.RecordCopy(ctx, h.Principal, f.yamada); err != nil {
		t.Fatal(err)
	}
	es := f.entries(before)
	if len(es) != 1 || es[0].Action != audit.ActionExport || es[0].Purpose != "OTHER" || es[0].TargetID != fmt.Sprint(f.yamada) ||
		!strings.Contains(es[0].Detail, fmt.Sprintf("copied to clipboard; revealed in entry %d", r.EntryID)) {
		t.Fatalf("copy entry: %+v", es)
	}
	f.clock.Add(2 * time.Second) // 31 s after the reveal: hidden again
	if err := f.svc.RecordCopy(ctx, h.Principal, f.yamada); codeOf(err) != "not_revealed" {
		t.Fatalf("copy after the number was hidden: %v", err)
	}
}

func TestCorporateNumber(t *testing.T) {
	f := newFixture(t)
	before := f.lastID()
	c, err := f.svc.CorporateNumber(context.Background(), f.sess["handler"].Principal, f.a)
	if err != nil || c.Number != "7000012050002" || c.CompanyName != "株式会社テストA" {
		t.Fatalf("%+v %v", c, err)
	}
	es := f.entries(before)
	if len(es) != 1 || es[0].Action != audit.ActionView || es[0].Purpose != "" || es[0].TargetType != "company" ||
		strings.Contains(es[0].Detail, c.Number) {
		t.Fatalf("entries: %+v", es)
	}
	// No number registered: nothing to view, nothing recorded.
	f.exec(`UPDATE companies SET corporate_number = '' WHERE id = ?`, f.a)
	before = f.lastID()
	if c, err := f.svc.CorporateNumber(context.Background(), f.sess["handler"].Principal, f.a); err != nil || c.Number != "" {
		t.Fatalf("%+v %v", c, err)
	}
	if len(f.entries(before)) != 0 {
		t.Fatal("an empty view was recorded")
	}
}

func TestPeopleMasked(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	page, err := f.svc.People(ctx, f.sess["handler"], PeopleQuery{CompanyID: f.a})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range page.People {
		got = append(got, fmt.Sprintf("%s/%s/%s/%s/%v", p.EmployeeCode, p.Kind, p.Name, p.MaskedNumber, p.Purposes))
		if n := f.numbers[p.ID]; n != "" && (p.MaskedNumber != "**** **** "+n[8:] || !p.HasNumber) {
			t.Errorf("%s masked as %q", p.Name, p.MaskedNumber)
		}
	}
	want := []string{
		"E001/employee/山田 太郎/**** **** " + f.numbers[f.yamada][8:] + "/[TAX-WH SI-KENPO]",
		"E001/dependent/山田 花子/**** **** " + f.numbers[f.hanako][8:] + "/[TAX-WH]",
		"E002/employee/佐藤 次郎/**** **** " + f.numbers[f.sato][8:] + "/[SI-KENPO]",
		"E010/employee/鈴木 三郎//[TAX-WH]",
	}
	if !slices.Equal(got, want) || page.Total != 4 {
		t.Fatalf("people (%d):\n%s\nwant\n%s", page.Total, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if page.People[1].Department != "総務部" || page.People[1].EmployeeID != f.yamada || page.People[1].Relation != "spouse" {
		t.Errorf("dependent: %+v", page.People[1])
	}
	for _, q := range []struct {
		q    PeopleQuery
		want int
	}{
		{PeopleQuery{CompanyID: f.a, Search: "山田"}, 2},
		{PeopleQuery{CompanyID: f.a, Search: "やまだ"}, 2},
		{PeopleQuery{CompanyID: f.a, Search: "ﾔﾏﾀﾞﾊﾅｺ"}, 1},
		{PeopleQuery{CompanyID: f.a, Search: "E00"}, 3},
		{PeopleQuery{CompanyID: f.a, Kind: KindDependent}, 1},
		{PeopleQuery{CompanyID: f.a, WithNumber: true}, 3},
		{PeopleQuery{CompanyID: f.a, DepartmentID: f.dept}, 2},
		{PeopleQuery{CompanyID: f.a, Limit: 1, Offset: 3}, 1},
	} {
		p, err := f.svc.People(ctx, f.sess["handler"], q.q)
		if err != nil || len(p.People) != q.want {
			t.Errorf("%+v: %d people, %v", q.q, len(p.People), err)
		}
	}
	if _, err := f.svc.People(ctx, f.sess["handler"], PeopleQuery{CompanyID: f.a, Kind: "x"}); codeOf(err) != "invalid" {
		t.Errorf("bad kind: %v", err)
	}
	// A disposed person lists without a number.
	if err := f.db.Update(ctx, func(tx *store.Tx) error { return vault.ShredPerson(tx, f.sato) }); err != nil {
		t.Fatal(err)
	}
	page, _ = f.svc.People(ctx, f.sess["handler"], PeopleQuery{CompanyID: f.a, Search: "佐藤"})
	if len(page.People) != 1 || page.People[0].HasNumber || page.People[0].MaskedNumber != "" {
		t.Fatalf("disposed: %+v", page.People)
	}
	if _, err := f.svc.Reveal(ctx, f.sess["handler"], f.sato, "SI-KENPO", ""); codeOf(err) != "disposed" {
		t.Fatalf("reveal of a disposed number: %v", err)
	}
}
