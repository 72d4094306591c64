package ui

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/mynumber-shelter/shelter/app/collect"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// disposeFixture is a vault with company A (責任者 kanri and kanri2, 担当者 tanto) and company B
// (担当者 other), and employees of A:
//
//	E001 山田  left 2017-03-31, number, spouse with number   due (retention passed)
//	E002 鈴木  employed, number                              not listed
//	E003 佐藤  left 2025-12-31, number                       listed, not due
//	E004 高橋  left 2017-03-31, number, two document images  due
//
// The clock stands at 2026-04-01.
type disposeFixture struct {
	*fixture
	t          *testing.T
	a, b       int64
	pw         map[string]string
	ids        map[string]int64 // employee code → id; "E001-spouse" → the spouse
	kanri, k2  int64
	tanto, oth int64
}

func newDisposeFixture(t *testing.T) *disposeFixture {
	t.Helper()
	f := &disposeFixture{fixture: setup(t), t: t, pw: map[string]string{"admin": adminPW}, ids: map[string]int64{}}
	app := f.app
	ca, err := app.Company.Create(Company{Code: "A", Name: "株式会社エー"})
	if err != nil {
		t.Fatal(err)
	}
	cb, err := app.Company.Create(Company{Code: "B", Name: "株式会社ビー"})
	if err != nil {
		t.Fatal(err)
	}
	f.a, f.b = ca.ID, cb.ID
	for _, u := range []struct {
		login string
		id    *int64
	}{{"kanri", &f.kanri}, {"kanri2", &f.k2}, {"tanto", &f.tanto}, {"other", &f.oth}} {
		tp, err := app.Users.Create(UserInput{Login: u.login, DisplayName: u.login + " さん"})
		if err != nil {
			t.Fatal(err)
		}
		*u.id = tp.User.ID
		f.pw[u.login] = tp.Password
	}
	if _, err := app.Handlers.Set(f.a, []int64{f.kanri, f.k2}, []int64{f.tanto}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Handlers.Set(f.b, []int64{f.oth}, nil); err != nil {
		t.Fatal(err)
	}
	f.as("tanto")
	es := app.Employees
	for i, e := range []Employee{
		{Code: "E001", Name: "山田 太郎", HiredOn: "2010-04-01", LeftOn: "2017-03-31"},
		{Code: "E002", Name: "鈴木 花子", HiredOn: "2010-04-01"},
		{Code: "E003", Name: "佐藤 次郎", HiredOn: "2010-04-01", LeftOn: "2025-12-31"},
		{Code: "E004", Name: "高橋 三郎", HiredOn: "2010-04-01", LeftOn: "2017-03-31"},
	} {
		e.CompanyID = f.a
		out, err := es.SaveEmployee(e)
		if err != nil {
			t.Fatalf("%s: %v", e.Code, err)
		}
		f.ids[e.Code] = out.ID
		if err := es.SetNumber(f.a, out.ID, uiNumber(i+1), false); err != nil {
			t.Fatal(err)
		}
	}
	d, err := es.SaveDependent(Dependent{CompanyID: f.a, EmployeeID: f.ids["E001"], Relation: "妻", Name: "山田 花子"})
	if err != nil {
		t.Fatal(err)
	}
	f.ids["E001-spouse"] = d.ID
	if err := es.SetNumber(f.a, d.ID, uiNumber(9), false); err != nil {
		t.Fatal(err)
	}
	f.addDocument(f.ids["E004"], string(collect.DriversLicense), "licence image of E004")
	f.addDocument(f.ids["E004"], string(collect.MyNumberCard), "card image of E004")
	return f
}

// as logs login in (changing the temporary password the first time).
func (f *disposeFixture) as(login string) {
	f.t.Helper()
	f.app.Session.Logout()
	st, err := f.app.Session.Login(login, f.pw[login])
	if err != nil {
		f.t.Fatalf("login %s: %v", login, err)
	}
	if st.MustChangePassword {
		next := "a long passphrase for user number " + string(rune('A'+len(f.pw)))
		if err := f.app.Session.ChangePassword(f.pw[login], next); err != nil {
			f.t.Fatal(err)
		}
		f.pw[login] = next
	}
}

// addDocument seals an image for person id as 1-3 STEP2 does.
func (f *disposeFixture) addDocument(id int64, kind, content string) {
	f.t.Helper()
	keys := f.app.session().Keys()
	err := f.app.DB.Update(f.t.Context(), func(tx *store.Tx) error {
		ck, err := keys.Company(tx, f.a)
		if err != nil {
			return err
		}
		defer ck.Close()
		pk, err := ck.Person(tx, id)
		if err != nil {
			return err
		}
		defer pk.Close()
		res, err := tx.Exec(`INSERT INTO person_documents(person_id, kind, content_type, size, ciphertext, created_at)
			VALUES(?, ?, 'image/png', ?, x'00', ?)`, id, kind, len(content), tx.NowText())
		if err != nil {
			return err
		}
		docID, _ := res.LastInsertId()
		ct, err := pk.Seal(collect.DocumentAAD(docID), []byte(content))
		if err != nil {
			return err
		}
		_, err = tx.Exec(`UPDATE person_documents SET ciphertext = ? WHERE id = ?`, ct, docID)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// open opens what person id has sealed: the number (masked) and every document, with the
// current session's keys. A missing key gives vault.ErrShredded.
func (f *disposeFixture) open(id int64) (masked string, docs []string, err error) {
	keys := f.app.session().Keys()
	err = f.app.DB.View(f.t.Context(), func(tx *store.Tx) error {
		ck, err := keys.Company(tx, f.a)
		if err != nil {
			return err
		}
		defer ck.Close()
		if masked, _, err = roster.MaskedNumberTx(tx, ck, id); err != nil {
			return err
		}
		pk, err := ck.Person(tx, id)
		if err != nil {
			return err
		}
		defer pk.Close()
		rows, err := tx.Query(`SELECT id, ciphertext FROM person_documents WHERE person_id = ? ORDER BY id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var docID int64
			var ct []byte
			if err := rows.Scan(&docID, &ct); err != nil {
				return err
			}
			pt, err := pk.Open(collect.DocumentAAD(docID), ct)
			if err != nil {
				return err
			}
			docs = append(docs, string(pt))
		}
		return rows.Err()
	})
	return masked, docs, err
}

func (f *disposeFixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.app.DB.View(f.t.Context(), func(tx *store.Tx) error { return tx.QueryRow(q, args...).Scan(&n) }); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// propose, approve and execute a disposal of codes by method.
func (f *disposeFixture) dispose(method string, codes ...string) Disposal {
	f.t.Helper()
	var ids []int64
	for _, c := range codes {
		ids = append(ids, f.ids[c])
	}
	f.as("tanto")
	d, err := f.app.Dispose.Propose(DisposalProposal{CompanyID: f.a, PersonIDs: ids, Method: method})
	if err != nil {
		f.t.Fatalf("propose: %v", err)
	}
	f.as("kanri")
	if _, err := f.app.Dispose.Approve(d.ID); err != nil {
		f.t.Fatalf("approve: %v", err)
	}
	f.as("tanto")
	d, err = f.app.Dispose.Execute(d.ID)
	if err != nil {
		f.t.Fatalf("execute: %v", err)
	}
	return d
}

// guid matches the GUIDs excelize writes (xr:uid="{00000000-0001-0000-0000-000000000000}"):
// their last group is twelve digits, and twelve zeros pass the check digit.
var guid = regexp.MustCompile(`\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}`)

// xlsxText returns every cell of every sheet (as a reader sees it) and every part of an .xlsx
// workbook (a zip of XML, GUIDs removed), concatenated, for scanning.
func xlsxText(t *testing.T, file DisposalFile) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(file.Data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(file.FileName, ".xlsx") || file.ContentType != xlsxType {
		t.Fatalf("file %q %q", file.FileName, file.ContentType)
	}
	var all strings.Builder
	book, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for _, sheet := range book.GetSheetList() {
		rows, err := book.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			all.WriteString(strings.Join(row, "\t") + "\n")
		}
	}
	book.Close()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not an xlsx: %v", err)
	}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		part, _ := io.ReadAll(rc)
		rc.Close()
		all.Write(guid.ReplaceAll(part, nil))
	}
	return all.String()
}

func TestDisposeFlow(t *testing.T) {
	f := newDisposeFixture(t)
	ds := f.app.Dispose
	if !slices.Contains(f.app.Services(), any(ds)) {
		t.Fatal("DisposeService is not bound")
	}

	// The due list: E001 and E004 due, E003 listed but retained, E002 (employed) absent.
	f.as("tanto")
	due, err := ds.DueList(f.a)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, d := range due {
		codes = append(codes, d.EmployeeCode)
	}
	if strings.Join(codes, ",") != "E001,E004,E003" {
		t.Fatalf("due list %v", codes)
	}
	e1, e3 := due[0], due[2]
	if !e1.Ready || !e1.Overdue || e1.Dependents != 1 || !e1.AssumedPurposes || e1.Due != "2025-01-11" || len(e1.Documents) != 4 || e1.ReasonCode != "passed" {
		t.Fatalf("E001 %+v", e1)
	}
	if e3.Ready || e3.Due != "2034-01-11" || e3.ReasonJA == "" {
		t.Fatalf("E003 %+v", e3)
	}
	alert, err := ds.DueCount()
	if err != nil || alert.Ready != 2 || alert.Overdue != 2 || len(alert.Companies) != 1 || alert.Companies[0].CompanyID != f.a {
		t.Fatalf("alert %+v %v", alert, err)
	}

	// Proposals: checked before anything is written.
	for name, c := range map[string]struct {
		p     DisposalProposal
		code  string
		field string
	}{
		"no method":         {DisposalProposal{CompanyID: f.a, PersonIDs: []int64{e1.PersonID}}, "invalid", "method"},
		"nobody":            {DisposalProposal{CompanyID: f.a, Method: "shred"}, "invalid", "personIds"},
		"not yet due":       {DisposalProposal{CompanyID: f.a, PersonIDs: []int64{e3.PersonID}, Method: "shred"}, "invalid", "reason"},
		"number in reason":  {DisposalProposal{CompanyID: f.a, PersonIDs: []int64{e1.PersonID}, Method: "shred", Reason: "番号 " + uiNumber(1)}, "invalid", "reason"},
		"another company's": {DisposalProposal{CompanyID: f.a, PersonIDs: []int64{f.ids["E001-spouse"]}, Method: "shred"}, "invalid", "personIds"},
	} {
		if _, err := ds.Propose(c.p); code(t, err) != c.code || field(err) != c.field {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := f.count(`SELECT count(*) FROM disposals`); n != 0 {
		t.Fatal("a refused proposal was written")
	}
	d, err := ds.Propose(DisposalProposal{CompanyID: f.a, PersonIDs: []int64{e1.PersonID}, Method: "shred"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != "proposed" || len(d.Items) != 2 || d.Items[0].Relation != "本人" || d.Items[1].Relation != "配偶者" ||
		d.Items[1].EmployeeCode != "E001" || !slices.Contains(d.Items[0].FileKinds, "my_number") || d.ProposedBy.Login != "tanto" {
		t.Fatalf("proposal %+v", d)
	}
	if _, err := ds.Propose(DisposalProposal{CompanyID: f.a, PersonIDs: []int64{e1.PersonID}, Method: "shred"}); code(t, err) != "conflict" {
		t.Fatalf("second proposal of E001: %v", err)
	}
	// A 担当者 cannot approve; nothing can be executed before approval.
	if _, err := ds.Approve(d.ID); code(t, err) != "forbidden" {
		t.Fatalf("担当者 approves: %v", err)
	}
	if _, err := ds.Execute(d.ID); code(t, err) != "conflict" {
		t.Fatalf("executed before approval: %v", err)
	}
	if _, err := ds.Certificate(d.ID); code(t, err) != "conflict" {
		t.Fatalf("certificate before execution: %v", err)
	}
	// A 責任者 may not approve their own proposal; another 責任者 rejects it, with a reason.
	f.as("kanri")
	own, err := ds.Propose(DisposalProposal{CompanyID: f.a, PersonIDs: []int64{f.ids["E003"]}, Method: "shred", Reason: "本人から削除の申出"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ds.Approve(own.ID); code(t, err) != "forbidden" {
		t.Fatalf("approving one's own proposal: %v", err)
	}
	f.as("kanri2")
	if _, err := ds.Reject(own.ID, ""); code(t, err) != "invalid" {
		t.Fatalf("reject without reason: %v", err)
	}
	if r, err := ds.Reject(own.ID, "保存期間中のため"); err != nil || r.Status != "rejected" || r.DecisionNote != "保存期間中のため" || r.ApprovedBy.Login != "kanri2" {
		t.Fatalf("reject: %+v %v", r, err)
	}
	if _, err := ds.Approve(own.ID); code(t, err) != "conflict" {
		t.Fatalf("approving a rejected disposal: %v", err)
	}
	ad, err := ds.Approve(d.ID)
	if err != nil || ad.Status != "approved" || ad.ApprovedBy.Login != "kanri2" {
		t.Fatalf("approve: %+v %v", ad, err)
	}
	pending, err := ds.Pending(f.a)
	if err != nil || len(pending) != 2 {
		t.Fatalf("pending %+v %v", pending, err)
	}
	if alert, _ := ds.DueCount(); alert.Ready != 1 || alert.AwaitingExecution != 1 {
		t.Fatalf("alert after approval %+v", alert)
	}

	// Execute as the 担当者: keys destroyed, ciphertext deleted, recorded with a certificate number.
	f.as("tanto")
	x, err := ds.Execute(d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != "executed" || x.CertificateNo != "MNS-2026-"+strings.Repeat("0", 5)+"1" || x.ExecutedBy.Login != "tanto" {
		t.Fatalf("executed %+v", x)
	}
	for _, id := range []int64{f.ids["E001"], f.ids["E001-spouse"]} {
		if _, _, err := f.open(id); !errorsIsShredded(err) {
			t.Fatalf("person %d after disposal: %v", id, err)
		}
	}
	if m, _, err := f.open(f.ids["E002"]); err != nil || m != "**** **** "+uiNumber(2)[8:] {
		t.Fatalf("E002 affected: %q %v", m, err)
	}
	if n := f.count(`SELECT count(*) FROM person_numbers WHERE person_id IN (?, ?)`, f.ids["E001"], f.ids["E001-spouse"]); n != 0 {
		t.Fatal("ciphertext left after disposal")
	}
	if _, err := ds.Execute(d.ID); code(t, err) != "conflict" {
		t.Fatalf("executed twice: %v", err)
	}
	recs, err := ds.Records(f.a)
	if err != nil || len(recs) != 1 || recs[0].CertificateNo != x.CertificateNo || recs[0].ExecutedAt == "" || len(recs[0].Items[0].FileKindsJA) == 0 {
		t.Fatalf("records %+v %v", recs, err)
	}
	due, _ = ds.DueList(f.a)
	if len(due) != 2 || due[0].EmployeeCode != "E004" {
		t.Fatalf("E001 still due after disposal: %+v", due)
	}

	// The certificate: the facts, no number.
	cert, err := ds.Certificate(d.ID)
	if err != nil {
		t.Fatal(err)
	}
	text := xlsxText(t, cert)
	for _, want := range []string{x.CertificateNo, "山田 太郎", "山田 花子", "配偶者", "株式会社エー", "kanri2 さん", "tanto さん", "個人番号"} {
		if !strings.Contains(text, want) {
			t.Errorf("certificate lacks %q", want)
		}
	}
	if off, hit := mynumber.ContainsValidIndividual([]byte(text)); hit {
		t.Fatalf("the certificate holds a check-digit-valid number: %q", text[max(0, off-80):off+20])
	}
	for i := 1; i <= 9; i++ {
		if strings.Contains(text, uiNumber(i)) {
			t.Fatalf("the certificate holds number %d", i)
		}
	}

	// The register: 責任者 only.
	if _, err := ds.FileRegister(f.a); code(t, err) != "forbidden" {
		t.Fatalf("register as 担当者: %v", err)
	}
	f.as("kanri")
	reg, err := ds.FileRegister(f.a)
	if err != nil {
		t.Fatal(err)
	}
	text = xlsxText(t, reg)
	for _, want := range []string{"特定個人情報ファイル管理台帳", "事務取扱責任者 kanri さん", "事務取扱担当者 tanto さん", "廃棄済 2名", x.CertificateNo, "本人確認書類の画像"} {
		if !strings.Contains(text, want) {
			t.Errorf("register lacks %q", want)
		}
	}
	if _, hit := mynumber.ContainsValidIndividual([]byte(text)); hit {
		t.Fatal("the register holds a check-digit-valid number")
	}

	// The history holds every step, without a number, and verifies.
	f.as("admin")
	page, err := f.app.History.Query(HistoryFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var dispose, print int
	for _, e := range page.Entries {
		switch e.Action {
		case "dispose":
			dispose++
		case "print":
			print++
		}
		if _, hit := mynumber.ContainsValidIndividual([]byte(e.Detail)); hit {
			t.Fatalf("history entry %d holds a number", e.ID)
		}
	}
	// 2 proposals, 1 rejection, 1 approval, 2 persons + 1 execution; a certificate and a register.
	if dispose != 7 || print != 2 {
		t.Fatalf("history: %d dispose, %d print entries", dispose, print)
	}
	if v, err := f.app.History.Verify(); err != nil || !v.OK {
		t.Fatalf("verify %+v %v", v, err)
	}
}

func errorsIsShredded(err error) bool {
	return err != nil && strings.Contains(err.Error(), vault.ErrShredded.Error())
}

// TestDisposeRoles calls every bound method as a user of another company and as the
// administrator who is not assigned: each refuses with "forbidden"; DueCount shows nothing.
func TestDisposeRoles(t *testing.T) {
	f := newDisposeFixture(t)
	ds := f.app.Dispose
	f.as("tanto")
	d, err := ds.Propose(DisposalProposal{CompanyID: f.a, PersonIDs: []int64{f.ids["E001"]}, Method: "shred"})
	if err != nil {
		t.Fatal(err)
	}
	x := f.dispose("shred", "E004")
	calls := map[string]func() error{
		"DueList": func() error { _, err := ds.DueList(f.a); return err },
		"Propose": func() error {
			_, err := ds.Propose(DisposalProposal{CompanyID: f.a, PersonIDs: []int64{f.ids["E003"]}, Method: "shred", Reason: "x"})
			return err
		},
		"Pending":      func() error { _, err := ds.Pending(f.a); return err },
		"Approve":      func() error { _, err := ds.Approve(d.ID); return err },
		"Reject":       func() error { _, err := ds.Reject(d.ID, "理由"); return err },
		"Execute":      func() error { _, err := ds.Execute(d.ID); return err },
		"Records":      func() error { _, err := ds.Records(f.a); return err },
		"Certificate":  func() error { _, err := ds.Certificate(x.ID); return err },
		"FileRegister": func() error { _, err := ds.FileRegister(f.a); return err },
	}
	for _, who := range []string{"other", "admin"} {
		f.as(who)
		for name, call := range calls {
			if c := code(t, call()); c != "forbidden" {
				t.Errorf("%s as %s: code %q, want forbidden", name, who, c)
			}
		}
		if alert, err := ds.DueCount(); err != nil || alert.Ready+alert.AwaitingApproval+alert.AwaitingExecution != 0 || len(alert.Companies) != 0 {
			t.Errorf("DueCount as %s: %+v %v", who, alert, err)
		}
	}
	if n := f.count(`SELECT count(*) FROM disposals`); n != 2 {
		t.Fatalf("%d disposals after the refused calls", n)
	}
	// Logged out, every method refuses too.
	f.app.Session.Logout()
	for name, call := range calls {
		if c := code(t, call()); c != "unauthenticated" {
			t.Errorf("%s logged out: %q", name, c)
		}
	}
}
