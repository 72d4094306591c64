package roster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// TestRoles: only the company's 事務取扱責任者 / 担当者 may read or write its people and numbers;
// the system administrator alone may not, nor a handler of another company.
func TestRoles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.employee("E001", "山田 太郎")
	calls := map[string]func(p auth.Principal) error{
		"Departments": func(p auth.Principal) error { _, err := f.svc.Departments(ctx, p, f.a); return err },
		"SaveDepartment": func(p auth.Principal) error {
			_, err := f.svc.SaveDepartment(ctx, p, Department{CompanyID: f.a, Name: "総務部 " + p.Login})
			return err
		},
		"Employees": func(p auth.Principal) error {
			_, err := f.svc.Employees(ctx, p, f.keys, EmployeeQuery{CompanyID: f.a})
			return err
		},
		"Employee": func(p auth.Principal) error { _, err := f.svc.Employee(ctx, p, f.keys, f.a, e.ID); return err },
		"SaveEmployee": func(p auth.Principal) error {
			_, err := f.svc.SaveEmployee(ctx, p, f.keys, Employee{CompanyID: f.a, Code: "X-" + p.Login, Name: "試験"})
			return err
		},
		"SaveDependent": func(p auth.Principal) error {
			_, err := f.svc.SaveDependent(ctx, p, f.keys, Dependent{CompanyID: f.a, EmployeeID: e.ID, Name: "山田 花子", Relation: RelationSpouse})
			return err
		},
		"SetNumber": func(p auth.Principal) error {
			return f.svc.SetNumber(ctx, p, f.keys, f.a, e.ID, testNumber(int(p.UserID)), true)
		},
	}
	for name, call := range calls {
		for _, c := range []struct {
			p    auth.Principal
			deny bool
		}{{f.admin, true}, {f.outsider, true}, {f.handler, false}, {f.manager, false}} {
			err := call(c.p)
			if denied := apperr.HasCode(err, apperr.CodeForbidden); denied != c.deny {
				t.Errorf("%s as %s: err %v, want denied=%v", name, c.p.Login, err, c.deny)
			}
		}
	}
}

func TestEmployeeLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sales, err := f.svc.SaveDepartment(ctx, f.handler, Department{CompanyID: f.a, Code: "S", Name: "営業部"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := f.svc.SaveEmployee(ctx, f.handler, f.keys, Employee{CompanyID: f.a, Code: "１０", Name: "山田 太郎",
		NameKana: "ﾔﾏﾀﾞ ﾀﾛｳ", BirthDate: "昭和60年1月2日", Sex: SexMale, DepartmentID: sales.ID, HiredOn: "R6.4.1"})
	if err != nil {
		t.Fatal(err)
	}
	if e.ID == 0 || e.Code != "10" || e.NameKana != "ヤマダ タロウ" || e.BirthDate != "1985-01-02" || e.HiredOn != "2024-04-01" ||
		e.DepartmentName != "営業部" || e.HasNumber || e.MaskedNumber != "" {
		t.Fatalf("saved %+v", e)
	}
	if n := f.count(`SELECT count(*) FROM person_keys WHERE person_id = ? AND company_id = ?`, e.ID, f.a); n != 1 {
		t.Fatalf("new employee has %d person keys", n)
	}
	for i, code := range []string{"9", "100"} {
		f.employee(code, fmt.Sprintf("社員 %d", i))
	}
	if _, err := f.svc.SaveEmployee(ctx, f.handler, f.keys, Employee{CompanyID: f.a, Code: "A1", Name: "髙橋 一郎", NameKana: "タカハシ イチロウ"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveEmployee(ctx, f.handler, f.keys, Employee{CompanyID: f.a, Code: "10", Name: "別人"}); !apperr.HasCode(err, apperr.CodeConflict) {
		t.Fatalf("duplicate code: %v", err)
	}
	// The same code in another company is fine.
	if _, err := f.svc.SaveEmployee(ctx, f.outsider, f.keys, Employee{CompanyID: f.b, Code: "10", Name: "他社"}); err != nil {
		t.Fatalf("same code in company B: %v", err)
	}
	// A department of another company is refused.
	other, err := f.svc.SaveDepartment(ctx, f.outsider, Department{CompanyID: f.b, Name: "他社の部"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveEmployee(ctx, f.handler, f.keys, Employee{CompanyID: f.a, Code: "Z", Name: "x", DepartmentID: other.ID}); !apperr.HasCode(err, apperr.CodeInvalid) {
		t.Fatalf("foreign department: %v", err)
	}

	page, err := f.svc.Employees(ctx, f.manager, f.keys, EmployeeQuery{CompanyID: f.a})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, x := range page.Employees {
		codes = append(codes, x.Code)
	}
	if page.Total != 4 || strings.Join(codes, ",") != "9,10,A1,100" {
		t.Fatalf("list: total %d, codes %v", page.Total, codes)
	}
	for _, c := range []struct {
		q    EmployeeQuery
		want string
	}{
		{EmployeeQuery{Search: "ﾔﾏﾀﾞ"}, "10"},
		{EmployeeQuery{Search: "山田"}, "10"},
		// What a clerk types: the reading in hiragana or without its space, variant kanji.
		{EmployeeQuery{Search: "やまだ"}, "10"},
		{EmployeeQuery{Search: "やまだたろう"}, "10"},
		{EmployeeQuery{Search: "髙橋"}, "A1"},
		{EmployeeQuery{Search: "高橋"}, "A1"},
		{EmployeeQuery{Search: "たかはし"}, "A1"},
		{EmployeeQuery{Search: "10"}, "10,100"},
		{EmployeeQuery{Search: "%"}, ""},
		{EmployeeQuery{DepartmentID: sales.ID}, "10"},
		{EmployeeQuery{Limit: 2, Offset: 1}, "10,A1"},
	} {
		c.q.CompanyID = f.a
		page, err := f.svc.Employees(ctx, f.handler, f.keys, c.q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range page.Employees {
			got = append(got, x.Code)
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%+v: got %v, want %s", c.q, got, c.want)
		}
	}

	// Update: the audit entry names the changed fields, never their values.
	e.Name, e.LeftOn = "山田 太郎二", "2026-03-31"
	if e, err = f.svc.SaveEmployee(ctx, f.handler, f.keys, e); err != nil {
		t.Fatal(err)
	}
	log := f.auditText()
	if !strings.Contains(log, "modify|person|"+fmt.Sprint(e.ID)+"|employee code=10; changed: name,leftOn") || strings.Contains(log, "山田") {
		t.Fatalf("audit after update:\n%s", log)
	}
	for status, want := range map[string]int{"active": 3, "left": 1, "": 4} {
		page, err := f.svc.Employees(ctx, f.handler, f.keys, EmployeeQuery{CompanyID: f.a, Status: status})
		if err != nil || page.Total != want {
			t.Errorf("status %q: %d employees, %v; want %d", status, page.Total, err, want)
		}
	}

	// Dependents.
	d, err := f.svc.SaveDependent(ctx, f.handler, f.keys, Dependent{CompanyID: f.a, EmployeeID: e.ID, Name: "山田 花子", Relation: "妻", BirthDate: "1990-05-06"})
	if err != nil || d.ID == 0 || d.Relation != RelationSpouse {
		t.Fatalf("SaveDependent: %+v %v", d, err)
	}
	d.Relation = "長女"
	if d, err = f.svc.SaveDependent(ctx, f.handler, f.keys, d); err != nil || d.Relation != RelationChild {
		t.Fatalf("update dependent: %+v %v", d, err)
	}
	got, err := f.svc.Employee(ctx, f.handler, f.keys, f.a, e.ID)
	if err != nil || len(got.Dependents) != 1 || got.DependentCount != 1 || got.Dependents[0].Name != "山田 花子" {
		t.Fatalf("Employee: %+v %v", got, err)
	}
	// A dependent cannot be moved to an employee of another company, nor read through it.
	if _, err := f.svc.Employee(ctx, f.outsider, f.keys, f.b, e.ID); err == nil {
		t.Fatal("employee of A read through company B")
	}

	// Delete: refused while a number is registered, allowed after, and the keys go with the rows.
	if err := f.svc.SetNumber(ctx, f.handler, f.keys, f.a, d.ID, testNumber(7), false); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteEmployee(ctx, f.handler, f.a, e.ID); !apperr.HasCode(err, apperr.CodeConflict) {
		t.Fatalf("delete with a dependent's number: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM persons WHERE id IN (?, ?)`, e.ID, d.ID); n != 2 {
		t.Fatalf("refused delete removed rows: %d left", n)
	}
	x := f.employee("DEL", "消す人")
	dx, err := f.svc.SaveDependent(ctx, f.handler, f.keys, Dependent{CompanyID: f.a, EmployeeID: x.ID, Name: "子", Relation: RelationChild})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteEmployee(ctx, f.handler, f.a, x.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM persons WHERE id IN (?, ?)`, x.ID, dx.ID) + f.count(`SELECT count(*) FROM person_keys WHERE person_id IN (?, ?)`, x.ID, dx.ID); n != 0 {
		t.Fatalf("deleted employee left %d rows or keys", n)
	}
	// Ids are never reused.
	y := f.employee("NEW", "新人")
	if y.ID <= dx.ID {
		t.Fatalf("id %d reused (last deleted %d)", y.ID, dx.ID)
	}
}

func TestSetNumber(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.employee("E001", "山田 太郎")
	b := f.employee("E002", "鈴木 一郎")
	n1, n2 := testNumber(1), testNumber(2)

	if err := f.svc.SetNumber(ctx, f.handler, f.keys, f.a, a.ID, "1234 5678 901", false); !apperr.HasCode(err, apperr.CodeInvalid) {
		t.Fatalf("short number: %v", err)
	}
	bad := n1[:11] + fmt.Sprint((int(n1[11]-'0')+1)%10)
	err := f.svc.SetNumber(ctx, f.handler, f.keys, f.a, a.ID, bad, false)
	if ae, ok := apperr.As(err); !ok || ae.Field != FieldNumber || strings.Contains(ae.JA+ae.EN+err.Error(), bad) {
		t.Fatalf("check digit: %v", err)
	}
	if err := f.svc.SetNumber(ctx, f.handler, f.keys, f.a, a.ID, "１０００ ００００ "+n1[8:], false); err != nil {
		t.Fatalf("SetNumber with full-width digits and spaces: %v", err)
	}
	got, err := f.svc.Employee(ctx, f.handler, f.keys, f.a, a.ID)
	if err != nil || !got.HasNumber || got.MaskedNumber != "**** **** "+n1[8:] {
		t.Fatalf("after SetNumber: %+v %v", got, err)
	}
	// Stored sealed: no digits of the number in the row, and it does not open at another row.
	var ct, bi []byte
	err = f.db.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT ciphertext, blind_index FROM person_numbers WHERE person_id = ?`, a.ID).Scan(&ct, &bi)
	})
	if err != nil || bytes.Contains(ct, []byte(n1[4:])) || len(bi) != 32 {
		t.Fatalf("stored row: %v", err)
	}
	err = f.db.View(ctx, func(tx *store.Tx) error {
		ck, err := f.keys.Company(tx, f.a)
		if err != nil {
			return err
		}
		defer ck.Close()
		pt, err := openNumber(tx, ck, a.ID, ct)
		if err != nil || string(pt) != n1 {
			return fmt.Errorf("own row: %v", err)
		}
		pk, err := ck.Person(tx, b.ID)
		if err != nil {
			return err
		}
		defer pk.Close()
		if _, err := pk.Open(NumberAAD(b.ID), ct); !errors.Is(err, vault.ErrDecrypt) {
			return fmt.Errorf("moved to another person: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Setting the same number again writes nothing.
	entries := f.count(`SELECT count(*) FROM audit_log`)
	if err := f.svc.SetNumber(ctx, f.handler, f.keys, f.a, a.ID, n1, false); err != nil || f.count(`SELECT count(*) FROM audit_log`) != entries {
		t.Fatalf("same number again: %v", err)
	}
	// The same number on another person is a typed warning naming the other employee's code.
	err = f.svc.SetNumber(ctx, f.handler, f.keys, f.a, b.ID, n1, false)
	var dup *DuplicateNumberError
	if !errors.As(err, &dup) || dup.PersonID != a.ID || dup.EmployeeCode != "E001" || dup.Dependent ||
		!strings.Contains(dup.Japanese(), "E001") || strings.Contains(dup.Error()+dup.Japanese(), n1) {
		t.Fatalf("duplicate: %v", err)
	}
	if f.count(`SELECT count(*) FROM person_numbers WHERE person_id = ?`, b.ID) != 0 {
		t.Fatal("a refused duplicate was stored")
	}
	// Another company's identical number is not a duplicate (blind indexes differ per company).
	c := Employee{CompanyID: f.b, Code: "E001", Name: "他社 太郎"}
	if c, err = f.svc.SaveEmployee(ctx, f.outsider, f.keys, c); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetNumber(ctx, f.outsider, f.keys, f.b, c.ID, n1, false); err != nil {
		t.Fatalf("same number in another company: %v", err)
	}
	// Accepted duplicates are stored and audited as such; a dependent holder is named as one.
	d, err := f.svc.SaveDependent(ctx, f.handler, f.keys, Dependent{CompanyID: f.a, EmployeeID: b.ID, Name: "鈴木 花子", Relation: RelationSpouse})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetNumber(ctx, f.handler, f.keys, f.a, d.ID, n2, false); err != nil {
		t.Fatal(err)
	}
	err = f.svc.SetNumber(ctx, f.handler, f.keys, f.a, a.ID, n2, false)
	if !errors.As(err, &dup) || !dup.Dependent || dup.EmployeeCode != "E002" {
		t.Fatalf("duplicate of a dependent: %v", err)
	}
	if err := f.svc.SetNumber(ctx, f.handler, f.keys, f.a, a.ID, n2, true); err != nil {
		t.Fatal(err)
	}
	log := f.auditText()
	if !strings.Contains(log, fmt.Sprintf("modify|person|%d|my number replaced; same number as person %d acknowledged", a.ID, d.ID)) {
		t.Fatalf("audit:\n%s", log)
	}
	for _, n := range []string{n1, n2, n1[4:], n2[4:]} {
		if strings.Contains(log, n) {
			t.Fatal("audit log contains a number")
		}
	}
	// A person of another company cannot be given a number through this one.
	if err := f.svc.SetNumber(ctx, f.handler, f.keys, f.a, c.ID, testNumber(9), false); !apperr.HasCode(err, apperr.CodeNotFound) {
		t.Fatalf("cross-company person: %v", err)
	}
	// A disposed person (key destroyed) gets ErrDisposed, not a new key.
	if err := f.db.Update(ctx, func(tx *store.Tx) error { return vault.ShredPerson(tx, b.ID) }); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetNumber(ctx, f.handler, f.keys, f.a, b.ID, testNumber(10), false); !errors.Is(err, ErrDisposed) {
		t.Fatalf("disposed person: %v", err)
	}
}

func TestDepartments(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	save := func(d Department) (Department, error) {
		d.CompanyID = f.a
		return f.svc.SaveDepartment(ctx, f.handler, d)
	}
	hq, err := save(Department{Name: "本社"})
	if err != nil || hq.Code != "D001" {
		t.Fatalf("auto code: %+v %v", hq, err)
	}
	sales, _ := save(Department{Name: "営業部", ParentID: hq.ID, Code: "S"})
	s1, _ := save(Department{Name: "営業一課", ParentID: sales.ID, Code: "S1"})
	admin, _ := save(Department{Name: "総務部", ParentID: hq.ID, Code: "A"})
	plant, _ := save(Department{Name: "工場", Code: "P"})
	if _, err := save(Department{Name: "営業部", ParentID: hq.ID}); !apperr.HasCode(err, apperr.CodeConflict) {
		t.Fatalf("same name among siblings: %v", err)
	}
	if _, err := save(Department{Name: "営業部", ParentID: plant.ID}); err != nil {
		t.Fatalf("same name elsewhere: %v", err)
	}
	if _, err := save(Department{Name: "x", Code: "S1"}); !apperr.HasCode(err, apperr.CodeConflict) {
		t.Fatalf("same code: %v", err)
	}
	if _, err := save(Department{Name: "x", Code: "123456789012"}); !apperr.HasCode(err, apperr.CodeInvalid) {
		t.Fatalf("12-digit code: %v", err)
	}
	// Cycles: under itself, under its own descendant.
	for _, parent := range []int64{sales.ID, s1.ID} {
		sales.ParentID = parent
		if _, err := save(sales); !apperr.HasCode(err, apperr.CodeInvalid) {
			t.Fatalf("move under %d: %v", parent, err)
		}
	}
	// Move 営業部 under 工場 is fine.
	sales.ParentID = plant.ID
	sales.Name = "営業本部"
	if _, err := save(sales); err != nil {
		t.Fatal(err)
	}
	ds, err := f.svc.Departments(ctx, f.manager, f.a)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, d := range ds {
		lines = append(lines, fmt.Sprintf("%d:%s", d.Depth, d.Path))
	}
	want := "0:工場,1:工場 / 営業本部,2:工場 / 営業本部 / 営業一課,1:工場 / 営業部,0:本社,1:本社 / 総務部"
	if strings.Join(lines, ",") != want {
		t.Fatalf("tree:\n%s\nwant\n%s", strings.Join(lines, ","), want)
	}
	// Parent from another company is refused.
	other, err := f.svc.SaveDepartment(ctx, f.outsider, Department{CompanyID: f.b, Name: "B社"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := save(Department{Name: "x", ParentID: other.ID}); !apperr.HasCode(err, apperr.CodeInvalid) {
		t.Fatalf("foreign parent: %v", err)
	}
	// Delete: refused with children or employees.
	if err := f.svc.DeleteDepartment(ctx, f.handler, f.a, plant.ID); !apperr.HasCode(err, apperr.CodeConflict) {
		t.Fatalf("delete with children: %v", err)
	}
	if _, err := f.svc.SaveEmployee(ctx, f.handler, f.keys, Employee{CompanyID: f.a, Code: "E1", Name: "総務 太郎", DepartmentID: admin.ID}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteDepartment(ctx, f.handler, f.a, admin.ID); !apperr.HasCode(err, apperr.CodeConflict) {
		t.Fatalf("delete with an employee: %v", err)
	}
	if err := f.svc.DeleteDepartment(ctx, f.handler, f.a, s1.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteDepartment(ctx, f.handler, f.b, other.ID); !apperr.HasCode(err, apperr.CodeForbidden) {
		t.Fatalf("delete in another company: %v", err)
	}
	if log := f.auditText(); !strings.Contains(log, "delete|department|"+fmt.Sprint(s1.ID)) {
		t.Fatalf("audit:\n%s", log)
	}
}
