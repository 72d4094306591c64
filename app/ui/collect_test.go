package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"

	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

const collectPW = "a long passphrase for the tests"

// collectFixture: company C001 (manager suzuki, handler tanaka) with employees E001 (one
// dependent), E002 and E003; company C002 (sato). The administrator is assigned to neither.
type collectFixture struct {
	*fixture
	tb              testing.TB
	c1, c2          int64
	e1, dep, e2, e3 int64
}

func newCollectFixture(t *testing.T) *collectFixture {
	t.Helper()
	f := &collectFixture{fixture: setup(t), tb: t}
	a := f.app
	users := map[string]int64{}
	temp := map[string]string{}
	for _, login := range []string{"tanaka", "suzuki", "sato"} {
		tp, err := a.Users.Create(UserInput{Login: login, DisplayName: login})
		if err != nil {
			t.Fatal(err)
		}
		users[login], temp[login] = tp.User.ID, tp.Password
	}
	for i, c := range []Company{{Code: "C001", Name: "株式会社テスト"}, {Code: "C002", Name: "株式会社よそ"}} {
		co, err := a.Company.Create(c)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.c1 = co.ID
			_, err = a.Handlers.Set(co.ID, []int64{users["suzuki"]}, []int64{users["tanaka"]})
		} else {
			f.c2 = co.ID
			_, err = a.Handlers.Set(co.ID, []int64{users["sato"]}, []int64{users["sato"]})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, login := range []string{"sato", "tanaka"} {
		f.login(login, temp[login])
		if err := a.Session.ChangePassword(temp[login], collectPW); err != nil {
			t.Fatal(err)
		}
	}
	// Employees through the roster, as tanaka.
	sess := a.session()
	ctx := context.Background()
	for i, code := range []string{"E001", "E002", "E003"} {
		e, err := a.Roster.SaveEmployee(ctx, sess.Principal, sess.Keys(), roster.Employee{CompanyID: f.c1, Code: code, Name: []string{"山田 太郎", "佐藤 花子", "鈴木 一郎"}[i]})
		if err != nil {
			t.Fatal(err)
		}
		*[]*int64{&f.e1, &f.e2, &f.e3}[i] = e.ID
	}
	d, err := a.Roster.SaveDependent(ctx, sess.Principal, sess.Keys(), roster.Dependent{CompanyID: f.c1, EmployeeID: f.e1, Relation: "妻", Name: "山田 花子"})
	if err != nil {
		t.Fatal(err)
	}
	f.dep = d.ID
	return f
}

func (f *collectFixture) login(login, pw string) {
	f.tb.Helper()
	if err := f.app.Session.Logout(); err != nil {
		f.tb.Fatal(err)
	}
	if _, err := f.app.Session.Login(login, pw); err != nil {
		f.tb.Fatalf("login %s: %v", login, err)
	}
}

// vaultBytes returns every file the app wrote in the vault directory.
func (f *collectFixture) vaultBytes(t *testing.T) map[string][]byte {
	out := map[string][]byte{}
	err := filepath.WalkDir(f.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func collectFileBytes(t *testing.T, f CollectFile) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(f.Data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func workbookText(t *testing.T, xlsx []byte) string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var b strings.Builder
	for _, sh := range x.GetSheetList() {
		rows, _ := x.GetRows(sh)
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t") + "\n")
		}
	}
	return b.String()
}

var collectOTP = regexp.MustCompile(`[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}`)

func TestCollectFlow(t *testing.T) {
	f := newCollectFixture(t)
	cs := f.app.Collect
	if !slices.Contains(f.app.Services(), any(cs)) {
		t.Fatal("CollectService is not bound")
	}
	rules, err := cs.Rules()
	if err != nil || len(rules.Documents) < 15 || len(rules.Channels) != 4 || len(rules.Statuses) != 7 {
		t.Fatalf("rules: %+v %v", rules, err)
	}
	ps, err := cs.Purposes()
	if err != nil || len(ps) == 0 || slices.ContainsFunc(ps, func(p CollectLabel) bool { return p.Code == "OTHER" }) {
		t.Fatalf("purposes: %+v %v", ps, err)
	}

	// STEP1: the workbook names the company, the purposes and the credentials.
	n, err := cs.CreateRequest(CollectRequestInput{CompanyID: f.c1, Title: "入社時", EmployeeIDs: []int64{f.e1, f.e2},
		Purposes: []string{"TAX-WH", "SI-KENPO"}, InPerson: "本社2階 人事部", Online: true, Deadline: "2026-04-30"})
	if err != nil {
		t.Fatal(err)
	}
	if n.Letters != 2 || n.Persons != 3 || n.ExpiresAt != "2026-04-15T00:00:00.000Z" || !strings.HasSuffix(n.File.FileName, ".xlsx") {
		t.Fatalf("notice: %+v", n)
	}
	text := workbookText(t, collectFileBytes(t, n.File))
	for _, want := range []string{"株式会社テスト", "給与所得の源泉徴収票・給与支払報告書の作成", "健康保険・厚生年金保険の届出",
		"本社2階 人事部", "企業ID", "C001", "E001", "E002", "山田 太郎 様", "初回パスワード"} {
		if !strings.Contains(text, want) {
			t.Errorf("workbook lacks %q", want)
		}
	}
	otps := collectOTP.FindAllString(text, -1)
	if len(otps) != 2 || otps[0] == otps[1] {
		t.Fatalf("passwords on the letters: %v", otps)
	}
	for name, b := range f.vaultBytes(t) {
		for _, otp := range otps {
			if bytes.Contains(b, []byte(otp)) || bytes.Contains(b, []byte(strings.ReplaceAll(otp, "-", ""))) {
				t.Fatalf("%s holds a one-time password", name)
			}
		}
	}

	// STEP2: the rules, then a check with an image sent as a data: URL.
	probs, err := cs.Evaluate(CollectSubmission{Channel: "in_person", NumberDoc: "individual_number_notice", IdentityDocs: []string{"passport"}})
	if err != nil || len(probs) != 1 || probs[0].Code != "number_notice" {
		t.Fatalf("evaluate: %+v %v", probs, err)
	}
	_, err = cs.RecordCheck(CollectCheckInput{CompanyID: f.c1, PersonID: f.e1, CollectSubmission: CollectSubmission{
		Channel: "in_person", NumberDoc: "notification_card", IdentityDocs: []string{"health_insurance_card"}}})
	if code(t, err) != "check_failed" || !strings.Contains(err.Error(), "2点以上") || !strings.Contains(err.Error(), "通知カード") {
		t.Fatalf("refused check: %v", err)
	}
	img := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "UI-SECRET-IMAGE-CONTENT"...)
	big := CollectImage{Kind: "mynumber_card", ContentType: "image/png", Data: base64.StdEncoding.EncodeToString(make([]byte, 11<<20))}
	if _, err := cs.RecordCheck(CollectCheckInput{CompanyID: f.c1, PersonID: f.e1, CollectSubmission: CollectSubmission{
		Channel: "online", NumberDoc: "mynumber_card"}, Images: []CollectImage{big}}); code(t, err) != "invalid" || field(err) != "images" {
		t.Fatalf("oversized image: %v", err)
	}
	res, err := cs.RecordCheck(CollectCheckInput{CompanyID: f.c1, PersonID: f.e1, CollectSubmission: CollectSubmission{
		Channel: "online", NumberDoc: "mynumber_card"},
		Images: []CollectImage{{Kind: "mynumber_card", Data: "data:image/png;base64," + base64.StdEncoding.EncodeToString(img)}}})
	if err != nil || res.Status != "checked" || len(res.DocumentIDs) != 1 {
		t.Fatalf("check: %+v %v", res, err)
	}
	for name, b := range f.vaultBytes(t) {
		if bytes.Contains(b, []byte("UI-SECRET-IMAGE")) {
			t.Fatalf("%s holds the image in clear", name)
		}
	}

	// STEP3: the dependent typed with the employee's number is a duplicate to confirm.
	_, err = cs.RegisterNumbers(CollectNumbersInput{CompanyID: f.c1, EmployeeID: f.e1, Numbers: []CollectNumber{
		{f.e1, uiNumber(11)}, {f.dep, uiNumber(11)}}})
	if code(t, err) != "duplicate_number" || field(err) != fmt.Sprintf("number:%d", f.dep) || strings.Contains(err.Error(), uiNumber(11)) {
		t.Fatalf("duplicate: %v", err)
	}
	reg, err := cs.RegisterNumbers(CollectNumbersInput{CompanyID: f.c1, EmployeeID: f.e1, Numbers: []CollectNumber{
		{f.e1, fullWidthGrouped(uiNumber(11))}, {f.dep, uiNumber(12)}}})
	if err != nil || reg.Status != "registered" || reg.Missing != 0 || reg.Masked[f.dep] != mynumber.Mask(uiNumber(12)) {
		t.Fatalf("register: %+v %v", reg, err)
	}

	// Board, refusal, record and its export.
	if st, err := cs.Refuse(f.c1, f.e2, "本人が提供を拒否"); err != nil || st != "refused" {
		t.Fatalf("refuse: %v %v", st, err)
	}
	b, err := cs.StatusBoard(CollectBoardFilter{CompanyID: f.c1})
	if err != nil || b.Total != 3 || b.Counts["registered"] != 1 || b.Counts["refused"] != 1 || b.Counts["unrequested"] != 1 {
		t.Fatalf("board: %+v %v", b, err)
	}
	rr, err := cs.RefusalRecord(f.c1)
	if err != nil || len(rr) != 1 || rr[0].EmployeeCode != "E002" || rr[0].Reason != "本人が提供を拒否" {
		t.Fatalf("refusal record: %+v %v", rr, err)
	}
	file, err := cs.ExportRefusalRecord(f.c1, "cp932")
	if err != nil {
		t.Fatal(err)
	}
	csv, err := japanese.ShiftJIS.NewDecoder().Bytes(collectFileBytes(t, file))
	if err != nil || !strings.Contains(string(csv), `"E002","佐藤 花子"`) {
		t.Fatalf("csv: %s %v", csv, err)
	}
	reqs, err := cs.Requests(f.c1)
	if err != nil || len(reqs) != 1 || reqs[0].Counts["registered"] != 1 {
		t.Fatalf("requests: %+v %v", reqs, err)
	}

	// The history holds each step; the vault holds no number in clear.
	f.login("admin", adminPW)
	page, err := f.app.History.Query(HistoryFilter{CompanyID: f.c1, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range page.Entries {
		seen[e.Action+"/"+e.TargetType]++
	}
	for _, want := range []string{"register/collection_request", "print/collection_request", "register/person", "modify/person", "export/refusal_record"} {
		if seen[want] == 0 {
			t.Errorf("history lacks %s: %v", want, seen)
		}
	}
	for name, b := range f.vaultBytes(t) {
		if _, hit := mynumber.ContainsValidIndividual(b); hit {
			t.Errorf("%s holds a valid-looking My Number", name)
		}
	}
}

// fullWidthGrouped writes a number as a Japanese IME may: full-width digits in groups of four
// separated by "ー".
func fullWidthGrouped(n string) string {
	fw := strings.Map(func(r rune) rune { return r - '0' + '０' }, n)
	r := []rune(fw)
	return string(r[:4]) + "ー" + string(r[4:8]) + "ー" + string(r[8:])
}

// TestCollectRoles calls every company-scoped method as another company's handler and as the
// unassigned administrator: each is refused with "forbidden", nothing changes, and the refusal
// is in the history.
func TestCollectRoles(t *testing.T) {
	f := newCollectFixture(t)
	cs := f.app.Collect
	if _, err := cs.CreateRequest(CollectRequestInput{CompanyID: f.c1, EmployeeIDs: []int64{f.e1}, Purposes: []string{"TAX-WH"}, Online: true}); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"CreateRequest": func() error {
			_, err := cs.CreateRequest(CollectRequestInput{CompanyID: f.c1, EmployeeIDs: []int64{f.e2}, Purposes: []string{"TAX-WH"}, Online: true})
			return err
		},
		"Reissue": func() error {
			_, err := cs.Reissue(CollectReissueInput{CompanyID: f.c1, RequestID: 1, EmployeeIDs: []int64{f.e1}})
			return err
		},
		"Requests":      func() error { _, err := cs.Requests(f.c1); return err },
		"MarkSubmitted": func() error { _, err := cs.MarkSubmitted(f.c1, f.e1); return err },
		"SendBack":      func() error { _, err := cs.SendBack(f.c1, f.e1, "理由"); return err },
		"Refuse":        func() error { _, err := cs.Refuse(f.c1, f.e1, "理由"); return err },
		"RecordCheck": func() error {
			_, err := cs.RecordCheck(CollectCheckInput{CompanyID: f.c1, PersonID: f.e1,
				CollectSubmission: CollectSubmission{Channel: "in_person", NumberDoc: "mynumber_card"}})
			return err
		},
		"RegisterNumbers": func() error {
			_, err := cs.RegisterNumbers(CollectNumbersInput{CompanyID: f.c1, EmployeeID: f.e1, Numbers: []CollectNumber{{f.e1, uiNumber(21)}}})
			return err
		},
		"StatusBoard":         func() error { _, err := cs.StatusBoard(CollectBoardFilter{CompanyID: f.c1}); return err },
		"RefusalRecord":       func() error { _, err := cs.RefusalRecord(f.c1); return err },
		"ExportRefusalRecord": func() error { _, err := cs.ExportRefusalRecord(f.c1, "utf8bom"); return err },
	}
	for _, who := range []struct{ login, pw string }{{"sato", collectPW}, {"admin", adminPW}} {
		f.login(who.login, who.pw)
		for name, call := range calls {
			if c := code(t, call()); c != "forbidden" {
				t.Errorf("%s as %s: code %q, want forbidden", name, who.login, c)
			}
		}
	}
	page, err := f.app.History.Query(HistoryFilter{CompanyID: f.c1, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	denied := 0
	for _, e := range page.Entries {
		if e.Result == "denied" && strings.HasPrefix(e.Detail, "1-3 ") {
			denied++
		}
	}
	if denied != 2*len(calls) {
		t.Errorf("denied entries %d, want %d", denied, 2*len(calls))
	}
	var n int
	if err := f.app.DB.View(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT (SELECT count(*) FROM collection_requests) + (SELECT count(*) FROM identity_checks)
			+ (SELECT count(*) FROM person_numbers) + (SELECT count(*) FROM collection_targets WHERE status <> 'requested' OR reminders > 0)`).Scan(&n)
	}); err != nil || n != 1 {
		t.Fatalf("refused calls changed the vault: %d %v", n, err)
	}
	// Not logged in: even the reference data is refused.
	if err := f.app.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Rules(); code(t, err) != "unauthenticated" {
		t.Fatalf("rules without a session: %v", err)
	}
	if _, err := cs.Evaluate(CollectSubmission{}); code(t, err) != "unauthenticated" {
		t.Fatalf("evaluate without a session: %v", err)
	}
}
