package collect

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/report"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

var otpShape = regexp.MustCompile(`^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$`)

func (f *fixture) checkOTP(requestID, personID int64, otp string) error {
	f.t.Helper()
	return f.db.View(context.Background(), func(tx *store.Tx) error {
		ck, err := f.keys.Company(tx, f.a)
		if err != nil {
			return err
		}
		defer ck.Close()
		return CheckOTPTx(tx, ck, requestID, personID, otp)
	})
}

func TestRequestNoticeAndOneTimePasswords(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e1 := f.employee("E001", "山田 太郎", 2)
	e2 := f.employee("E002", "佐藤 花子", 0)
	is := f.request(e1[0], e2[0])
	if is.Letters != 2 || is.Persons != 4 || len(is.Workbook) == 0 || !strings.HasSuffix(is.FileName, ".xlsx") {
		t.Fatalf("issued: letters %d persons %d file %q (%d bytes)", is.Letters, is.Persons, is.FileName, len(is.Workbook))
	}
	if want := testStart.Add(DefaultOTPValidity); !is.Expires.Equal(want) {
		t.Errorf("expires %v, want %v", is.Expires, want)
	}
	if n := f.count(`SELECT count(*) FROM person_purposes WHERE request_id = ?`, is.RequestID); n != 8 {
		t.Errorf("person_purposes rows %d, want 4 persons × 2 purposes", n)
	}
	if n := f.count(`SELECT count(*) FROM collection_targets WHERE request_id = ? AND status = 'requested' AND otp_hash IS NOT NULL`, is.RequestID); n != 2 {
		t.Errorf("targets %d", n)
	}

	// The letters: company, purposes, ways to hand in, credentials.
	sheets := cells(t, is.Workbook)
	if len(sheets) != 2 {
		t.Fatalf("sheets %v", len(sheets))
	}
	otps := map[int64]string{}
	for name, cs := range sheets {
		all := strings.Join(cs, "\n")
		for _, want := range []string{"株式会社テストA", "給与所得の源泉徴収票・給与支払報告書の作成", "健康保険・厚生年金保険の届出",
			"本社2階 人事部", "人事部 山田", "C001", DefaultPortalURL, "従業員等へのマイナンバー制度に向けての通知書"} {
			if !strings.Contains(all, want) {
				t.Errorf("sheet %s lacks %q", name, want)
			}
		}
		otp := otpOf(t, cs)
		if !otpShape.MatchString(otp) {
			t.Errorf("password %q is not XXXX-XXXX-XXXX from the alphabet", otp)
		}
		switch {
		case strings.HasPrefix(name, "E001"):
			otps[e1[0]] = otp
			if !strings.Contains(all, "山田 太郎 様") || !strings.Contains(all, "?c=C001&e=E001") {
				t.Errorf("letter of E001: %q", all)
			}
		case strings.HasPrefix(name, "E002"):
			otps[e2[0]] = otp
		}
	}
	if len(otps) != 2 || otps[e1[0]] == otps[e2[0]] {
		t.Fatalf("passwords %v", otps)
	}

	// Only hashes are stored: neither form of either password is anywhere in the vault files.
	for name, b := range f.vaultFiles() {
		for _, otp := range otps {
			if bytes.Contains(b, []byte(otp)) || bytes.Contains(b, []byte(NormalizeOTP(otp))) {
				t.Fatalf("%s holds a one-time password in clear", name)
			}
		}
	}

	// Verification: as typed (lower case, full width, no hyphens), wrong, another person's.
	otp := otps[e1[0]]
	for _, typed := range []string{otp, strings.ToLower(NormalizeOTP(otp)), toFullWidth(otp)} {
		if err := f.checkOTP(is.RequestID, e1[0], typed); err != nil {
			t.Errorf("password as %q: %v", typed, err)
		}
	}
	if err := f.checkOTP(is.RequestID, e1[0], otps[e2[0]]); !errors.Is(err, ErrOTPMismatch) {
		t.Errorf("another person's password: %v", err)
	}
	if err := f.checkOTP(is.RequestID, e1[1], otp); !errors.Is(err, ErrOTPMismatch) {
		t.Errorf("a dependent has no password: %v", err)
	}

	// A reminder issues a new password; the old one stops working.
	f.clock.Add(3 * 24 * time.Hour)
	re, err := f.svc.Reissue(ctx, f.handler, f.keys, f.a, is.RequestID, []int64{e1[0]}, 0, NoticeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reCells := cells(t, re.Workbook)[firstSheet(t, re.Workbook)]
	newOTP := otpOf(t, reCells)
	if newOTP == otp || re.Letters != 1 || re.Persons != 3 {
		t.Fatalf("reissue: %+v", re)
	}
	// The reminder says it is one, and that the earlier password is void.
	if all := strings.Join(reCells, "\n"); !strings.Contains(all, "【再通知】") || !strings.Contains(all, "以前の通知書に記載した初回パスワードは無効") {
		t.Errorf("reminder letter does not say it is a 再通知 voiding the earlier password: %q", all)
	}
	// The first letters did not.
	for _, cs := range sheets {
		if strings.Contains(strings.Join(cs, "\n"), "再通知") {
			t.Errorf("a first letter calls itself a reminder")
		}
	}
	if err := f.checkOTP(is.RequestID, e1[0], otp); !errors.Is(err, ErrOTPMismatch) {
		t.Errorf("old password after reissue: %v", err)
	}
	if err := f.checkOTP(is.RequestID, e1[0], newOTP); err != nil {
		t.Errorf("new password: %v", err)
	}
	if n := f.count(`SELECT reminders FROM collection_targets WHERE person_id = ?`, e1[0]); n != 1 {
		t.Errorf("reminders %d", n)
	}

	// Expiry: E002's password (issued at the start) stops at 14 days; E001's new one still works.
	f.clock.Add(11*24*time.Hour + time.Minute)
	if err := f.checkOTP(is.RequestID, e2[0], otps[e2[0]]); !errors.Is(err, ErrOTPExpired) {
		t.Errorf("expired password: %v", err)
	}
	if err := f.checkOTP(is.RequestID, e1[0], newOTP); err != nil {
		t.Errorf("reissued password before its expiry: %v", err)
	}

	// An open request blocks a second one for the same employee; nothing is written.
	before := f.count(`SELECT count(*) FROM collection_requests`)
	_, err = f.svc.CreateRequest(ctx, f.handler, f.keys, Request{CompanyID: f.a, EmployeeIDs: []int64{e1[0]},
		Purposes: []string{"TAX-WH"}, Notice: NoticeSettings{Online: true}}, NoticeOptions{})
	if !apperr.HasCode(err, apperr.CodeConflict) || f.count(`SELECT count(*) FROM collection_requests`) != before {
		t.Fatalf("second open request: %v", err)
	}
	if a := f.auditText(); strings.Contains(a, otp) || strings.Contains(a, newOTP) || !strings.Contains(a, "print|ok|collection_request") {
		t.Errorf("audit: %s", a)
	}
}

func firstSheet(t *testing.T, xlsx []byte) string {
	for name := range cells(t, xlsx) {
		return name
	}
	t.Fatal("no sheet")
	return ""
}

func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, s)
}

func TestCreateRequestValidation(t *testing.T) {
	f := newFixture(t)
	e := f.employee("E001", "山田 太郎", 0)
	ok := Request{CompanyID: f.a, EmployeeIDs: []int64{e[0]}, Purposes: []string{"TAX-WH"}, Notice: NoticeSettings{Mail: "〒100-0001 東京都"}}
	cases := []struct {
		name  string
		edit  func(r *Request)
		code  string
		field string
	}{
		{"no employees", func(r *Request) { r.EmployeeIDs = nil }, apperr.CodeInvalid, "employeeIds"},
		{"no purposes", func(r *Request) { r.Purposes = nil }, apperr.CodeInvalid, "purposes"},
		{"OTHER", func(r *Request) { r.Purposes = []string{"OTHER"} }, apperr.CodeInvalid, "purposes"},
		{"unknown purpose", func(r *Request) { r.Purposes = []string{"TAX-WH", "NOPE"} }, apperr.CodeInvalid, "purposes"},
		{"no way to hand in", func(r *Request) { r.Notice = NoticeSettings{} }, apperr.CodeInvalid, "submit"},
		{"deadline in the past", func(r *Request) { r.Notice.Deadline = "2026-03-31" }, apperr.CodeInvalid, "deadline"},
		{"bad deadline", func(r *Request) { r.Notice.Deadline = "2026-02-30" }, apperr.CodeInvalid, "deadline"},
		{"number in the title", func(r *Request) { r.Title = "依頼 " + mynumber.FormatIndividual(testNumber(7)) }, apperr.CodeInvalid, "title"},
		{"validity too long", func(r *Request) { r.ValidDays = 91 }, apperr.CodeInvalid, "validDays"},
		{"employee of another company", func(r *Request) { r.CompanyID = f.b }, apperr.CodeForbidden, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ok
			r.EmployeeIDs = slices.Clone(ok.EmployeeIDs)
			c.edit(&r)
			_, err := f.svc.CreateRequest(context.Background(), f.handler, f.keys, r, NoticeOptions{})
			ae, isApp := apperr.As(err)
			if !isApp || ae.Code != c.code || ae.Field != c.field {
				t.Fatalf("got %v, want %s %s", err, c.code, c.field)
			}
			if n := f.count(`SELECT count(*) FROM collection_requests`) + f.count(`SELECT count(*) FROM person_purposes`); n != 0 {
				t.Fatal("a refused request half-wrote")
			}
		})
	}
	// A deadline in 和暦 is accepted and printed; without the web page there is no password.
	r := ok
	r.Notice.Deadline = "令和8年4月30日"
	is, err := f.svc.CreateRequest(context.Background(), f.manager, f.keys, r, NoticeOptions{Password: "a long file password"})
	if err != nil {
		t.Fatal(err)
	}
	if !is.Expires.IsZero() || f.count(`SELECT count(*) FROM collection_targets WHERE otp_hash IS NOT NULL`) != 0 {
		t.Error("a password was issued without the web page")
	}
	if f.count(`SELECT count(*) FROM collection_requests WHERE deadline = '2026-04-30'`) != 1 {
		t.Error("deadline not stored as ISO")
	}
	if !bytes.HasPrefix(is.Workbook, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		t.Error("a password-protected workbook is not an encrypted (CFB) file")
	}
}

func pngImage(marker string) []byte {
	return append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), marker...)
}
func jpegImage(marker string) []byte {
	return append([]byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), marker...)
}

func TestCheckRegisterAndBoard(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e1 := f.employee("E001", "山田 太郎", 1)
	e2 := f.employee("E002", "佐藤 花子", 0)
	f.employee("E003", "髙橋 一郎", 0)
	if _, err := f.svc.RegisterNumbers(ctx, f.handler, f.keys, f.a, e1[0], []NumberEntry{{e1[0], testNumber(1)}}, nil); !errors.Is(err, errUnrequested) {
		t.Fatalf("number before any request: %v", err)
	}
	f.request(e1[0], e2[0])

	// Numbers are taken only after the identity check.
	if _, err := f.svc.RegisterNumbers(ctx, f.handler, f.keys, f.a, e1[0], []NumberEntry{{e1[0], testNumber(1)}}, nil); !apperr.HasCode(err, apperr.CodeConflict) {
		t.Fatalf("number before the check: %v", err)
	}
	// A check the rules refuse is not recorded.
	_, err := f.svc.RecordCheck(ctx, f.handler, f.keys, f.a, e1[0], Check{Submission: Submission{Channel: InPerson, NumberDoc: NumberNotice,
		IdentityDocs: []DocKind{DriversLicense}}}, nil)
	var pe *ProblemsError
	if !errors.As(err, &pe) || pe.Problems[0].Code != ProblemNumberNotice || f.count(`SELECT count(*) FROM identity_checks`) != 0 {
		t.Fatalf("refused check: %v", err)
	}
	// Images are sniffed, not trusted.
	_, err = f.svc.RecordCheck(ctx, f.handler, f.keys, f.a, e1[0], Check{Submission: Submission{Channel: Online, NumberDoc: MyNumberCard}},
		[]Image{{Kind: MyNumberCard, ContentType: TypePNG, Data: []byte("GIF89a not a png")}})
	if !apperr.HasCode(err, apperr.CodeInvalid) {
		t.Fatalf("mistyped image: %v", err)
	}

	// The dependent's check leaves the status; the employee's online check with images makes it 確認済.
	res, err := f.svc.RecordCheck(ctx, f.handler, f.keys, f.a, e1[1], Check{Submission: Submission{Channel: InPerson,
		NumberDoc: NotificationCard, CardDetails: DetailsUnchanged, IdentityDocs: []DocKind{HealthInsuranceCard, PensionBook}}}, nil)
	if err != nil || res.Status != Requested {
		t.Fatalf("dependent's check: %+v %v", res, err)
	}
	front, back := pngImage("SECRET-IMAGE-FRONT-0001"), jpegImage("SECRET-IMAGE-LICENSE-0002")
	res, err = f.svc.RecordCheck(ctx, f.handler, f.keys, f.a, e1[0], Check{Submission: Submission{Channel: Online,
		NumberDoc: NotificationCard, CardDetails: DetailsUnchanged, IdentityDocs: []DocKind{DriversLicense}}},
		[]Image{{NotificationCard, TypePNG, front}, {DriversLicense, TypeJPEG, back}})
	if err != nil || res.Status != Checked || len(res.DocumentIDs) != 2 {
		t.Fatalf("employee's check: %+v %v", res, err)
	}
	if f.count(`SELECT count(*) FROM identity_checks WHERE person_id = ? AND flags LIKE '%details_unchanged%' AND checked_by = 2`, e1[0]) != 1 {
		t.Error("check not recorded with its flag and checker")
	}
	// The images open under the person key at their own row, and nowhere else.
	err = f.db.View(ctx, func(tx *store.Tx) error {
		ck, err := f.keys.Company(tx, f.a)
		if err != nil {
			return err
		}
		defer ck.Close()
		pk, err := ck.Person(tx, e1[0])
		if err != nil {
			return err
		}
		defer pk.Close()
		var ct []byte
		if err := tx.QueryRow(`SELECT ciphertext FROM person_documents WHERE id = ?`, res.DocumentIDs[0]).Scan(&ct); err != nil {
			return err
		}
		pt, err := pk.Open(DocumentAAD(res.DocumentIDs[0]), ct)
		if err != nil || !bytes.Equal(pt, front) {
			t.Errorf("image does not open: %v", err)
		}
		if _, err := pk.Open(DocumentAAD(res.DocumentIDs[1]), ct); err == nil {
			t.Error("an image opened at another row")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range f.vaultFiles() {
		if bytes.Contains(b, []byte("SECRET-IMAGE")) {
			t.Fatalf("%s holds image bytes in clear", name)
		}
	}

	// STEP3: a typo is refused on its field and nothing is written.
	bad := testNumber(1)[:11] + string("0123456789"[(int(testNumber(1)[11]-'0')+1)%10])
	_, err = f.svc.RegisterNumbers(ctx, f.handler, f.keys, f.a, e1[0], []NumberEntry{{e1[0], testNumber(1)}, {e1[1], bad}}, nil)
	if ae, ok := apperr.As(err); !ok || ae.Field != FieldFor(e1[1]) || f.count(`SELECT count(*) FROM person_numbers`) != 0 {
		t.Fatalf("bad check digit: %v", err)
	}
	// The employee first (typed with full-width digits and hyphens): still 確認済.
	typed := toFullWidth(mynumber.FormatIndividual(testNumber(1)))
	reg, err := f.svc.RegisterNumbers(ctx, f.handler, f.keys, f.a, e1[0], []NumberEntry{{e1[0], typed}}, nil)
	if err != nil || reg.Status != Checked || reg.Missing != 1 || reg.Masked[e1[0]] != mynumber.Mask(testNumber(1)) {
		t.Fatalf("employee's number: %+v %v", reg, err)
	}
	// The dependent with the employee's number: a duplicate to confirm.
	_, err = f.svc.RegisterNumbers(ctx, f.handler, f.keys, f.a, e1[0], []NumberEntry{{e1[1], testNumber(1)}}, nil)
	var de *DuplicateError
	if !errors.As(err, &de) || de.PersonID != e1[1] || de.Other.PersonID != e1[0] || strings.Contains(err.Error(), testNumber(1)) {
		t.Fatalf("duplicate: %v", err)
	}
	reg, err = f.svc.RegisterNumbers(ctx, f.handler, f.keys, f.a, e1[0], []NumberEntry{{e1[1], testNumber(2)}}, nil)
	if err != nil || reg.Status != Registered || reg.Missing != 0 || reg.Changed != 1 {
		t.Fatalf("dependent's number: %+v %v", reg, err)
	}
	// Not a person of this family.
	if _, err := f.svc.RegisterNumbers(ctx, f.handler, f.keys, f.a, e1[0], []NumberEntry{{e2[0], testNumber(3)}}, nil); !apperr.HasCode(err, apperr.CodeNotFound) {
		t.Fatalf("someone else's number: %v", err)
	}

	// The board: E001 登録済, E002 依頼済, E003 未依頼.
	b, err := f.svc.StatusBoard(ctx, f.manager, BoardFilter{CompanyID: f.a})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts := map[Status]int{Unrequested: 1, Requested: 1, Submitted: 0, Checked: 0, Registered: 1, Returned: 0, Refused: 0}
	if !mapsEqual(b.Counts, wantCounts) || b.Total != 3 || b.Rows[0].Code != "E001" || b.Rows[0].Status != Registered || b.Rows[0].Missing != 0 {
		t.Fatalf("board: %+v", b)
	}
	b, _ = f.svc.StatusBoard(ctx, f.manager, BoardFilter{CompanyID: f.a, Status: Unrequested})
	if b.Total != 1 || b.Rows[0].Code != "E003" || b.Counts[Registered] != 1 {
		t.Fatalf("filtered board: %+v", b)
	}
	// A search as a clerk types it: 高 finds 髙.
	if b, _ = f.svc.StatusBoard(ctx, f.manager, BoardFilter{CompanyID: f.a, Search: "高橋"}); b.Total != 1 || b.Rows[0].Code != "E003" {
		t.Fatalf("board search 高橋: %+v", b.Rows)
	}
	// Sorted by status (in the order of Statuses) either way, by code backwards; an unknown key
	// is refused.
	for _, c := range []struct {
		sort roster.Sort
		want string
	}{
		{roster.Sort{Key: "status"}, "E003,E002,E001"},
		{roster.Sort{Key: "status", Desc: true}, "E001,E002,E003"},
		{roster.Sort{Key: "code", Desc: true}, "E003,E002,E001"},
	} {
		b, err := f.svc.StatusBoard(ctx, f.manager, BoardFilter{CompanyID: f.a, Sort: c.sort})
		var got []string
		for _, r := range b.Rows {
			got = append(got, r.Code)
		}
		if err != nil || strings.Join(got, ",") != c.want {
			t.Errorf("board sorted %+v: %v %v, want %s", c.sort, got, err, c.want)
		}
	}
	if _, err := f.svc.StatusBoard(ctx, f.manager, BoardFilter{CompanyID: f.a, Sort: roster.Sort{Key: "x"}}); !apperr.HasCode(err, apperr.CodeInvalid) {
		t.Fatalf("unknown board sort: %v", err)
	}
	// Non-submitters: none after one day, E002 after a week.
	f.clock.Add(24 * time.Hour)
	if b, _ = f.svc.StatusBoard(ctx, f.manager, BoardFilter{CompanyID: f.a, PendingDays: 7}); b.Total != 0 {
		t.Fatalf("non-submitters after a day: %+v", b.Rows)
	}
	f.clock.Add(6 * 24 * time.Hour)
	if b, _ = f.svc.StatusBoard(ctx, f.manager, BoardFilter{CompanyID: f.a, PendingDays: 7}); b.Total != 1 || b.Rows[0].Code != "E002" || b.Rows[0].DaysWaiting != 7 {
		t.Fatalf("non-submitters after a week: %+v", b.Rows)
	}
	scanForNumbers(t, f)
}

func mapsEqual(a, b map[Status]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// scanForNumbers fails when any vault file or the audit log holds a valid-looking My Number.
func scanForNumbers(t *testing.T, f *fixture) {
	t.Helper()
	for name, b := range f.vaultFiles() {
		if _, hit := mynumber.ContainsValidIndividual(b); hit {
			t.Errorf("%s holds a valid-looking My Number in clear", name)
		}
	}
	if _, hit := mynumber.ContainsValidIndividual([]byte(f.auditText())); hit {
		t.Error("the audit log holds a My Number")
	}
}

func TestSendBackRefusalAndRecord(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e1 := f.employee("E001", "山田 太郎", 0)
	e2 := f.employee("E002", "佐藤 花子", 0)
	e3 := f.employee("E003", "鈴木 一郎", 0)
	is := f.request(e1[0], e2[0], e3[0])

	// 差戻し via a check, then 受付 of the resubmission.
	res, err := f.svc.RecordCheck(ctx, f.handler, f.keys, f.a, e1[0], Check{Submission: Submission{Channel: Mail,
		NumberDoc: NotificationCard, CardDetails: DetailsChanged, IdentityDocs: []DocKind{Passport}}, SendBack: true,
		Reason: "通知カードの住所が変更されています"}, []Image{{NotificationCard, TypePNG, pngImage("x")}})
	if err != nil || res.Status != Returned || len(res.DocumentIDs) != 0 {
		t.Fatalf("send back: %+v %v", res, err)
	}
	if f.count(`SELECT count(*) FROM identity_checks WHERE result = 'returned' AND flags LIKE '%details_changed%'`) != 1 ||
		f.count(`SELECT count(*) FROM person_documents`) != 0 {
		t.Error("returned check not recorded with its flag, or its images kept")
	}
	if st, err := f.svc.MarkSubmitted(ctx, f.handler, f.a, e1[0]); err != nil || st != Submitted {
		t.Fatalf("mark submitted: %v %v", st, err)
	}
	if _, err := f.svc.MarkSubmitted(ctx, f.handler, f.a, e1[0]); !apperr.HasCode(err, apperr.CodeConflict) {
		t.Fatalf("submitted twice: %v", err)
	}
	if _, err := f.svc.SendBack(ctx, f.handler, f.a, e1[0], ""); !apperr.HasCode(err, apperr.CodeInvalid) {
		t.Fatalf("send back without a reason: %v", err)
	}

	// E3 is reminded twice, then refuses; E2 refuses at once.
	for range 2 {
		f.clock.Add(5 * 24 * time.Hour)
		if _, err := f.svc.Reissue(ctx, f.handler, f.keys, f.a, is.RequestID, []int64{e3[0]}, 7, NoticeOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Refuse(ctx, f.handler, f.a, e2[0], "番号 "+testNumber(5)+" は出したくない"); !apperr.HasCode(err, apperr.CodeInvalid) {
		t.Fatalf("a reason holding a number: %v", err)
	}
	for _, id := range []int64{e2[0], e3[0]} {
		if st, err := f.svc.Refuse(ctx, f.manager, f.a, id, "=本人が提供を拒否"); err != nil || st != Refused {
			t.Fatalf("refuse: %v %v", st, err)
		}
	}
	if _, err := f.svc.Reissue(ctx, f.handler, f.keys, f.a, is.RequestID, []int64{e3[0]}, 0, NoticeOptions{}); !apperr.HasCode(err, apperr.CodeConflict) {
		t.Fatalf("reminding a refusal: %v", err)
	}

	rows, err := f.svc.RefusalRecord(ctx, f.handler, f.a)
	if err != nil || len(rows) != 2 {
		t.Fatalf("refusal record: %+v %v", rows, err)
	}
	r3 := rows[1]
	if r3.EmployeeCode != "E003" || len(r3.Reminders) != 2 || !r3.RequestedAt.Equal(testStart) ||
		!r3.Reminders[1].Equal(testStart.Add(10*24*time.Hour)) || !r3.RefusedAt.Equal(testStart.Add(10*24*time.Hour)) {
		t.Fatalf("E003 row: %+v", r3)
	}

	for _, enc := range []report.Encoding{report.UTF8BOM, report.CP932} {
		file, name, err := f.svc.ExportRefusalRecord(ctx, f.handler, f.a, enc)
		if err != nil || !strings.HasSuffix(name, ".csv") {
			t.Fatalf("export %s: %v", enc, err)
		}
		text := string(file)
		if enc == report.CP932 {
			b, err := japanese.ShiftJIS.NewDecoder().Bytes(file)
			if err != nil {
				t.Fatal(err)
			}
			text = string(b)
		} else if !strings.HasPrefix(text, "\uFEFF") {
			t.Error("no BOM")
		}
		lines := strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n")
		want := `"1","入社時収集","E003","鈴木 一郎","","2026-04-01","2","2026-04-06 / 2026-04-11","2026-04-11","'=本人が提供を拒否"`
		if len(lines) != 3 || lines[2] != want {
			t.Fatalf("%s csv:\n%s\nwant last line\n%s", enc, text, want)
		}
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'export' AND target_type = 'refusal_record'`); n != 2 {
		t.Errorf("export entries %d", n)
	}
	if _, _, err := f.svc.ExportRefusalRecord(ctx, f.handler, f.a, "latin1"); !apperr.HasCode(err, apperr.CodeInvalid) {
		t.Errorf("unknown encoding: %v", err)
	}
	b, _ := f.svc.StatusBoard(ctx, f.handler, BoardFilter{CompanyID: f.a})
	if b.Counts[Refused] != 2 || b.Counts[Submitted] != 1 {
		t.Errorf("board counts %v", b.Counts)
	}
	reqs, err := f.svc.Requests(ctx, f.handler, f.a)
	if err != nil || len(reqs) != 1 || reqs[0].Targets != 3 || reqs[0].Counts[Refused] != 2 || !slices.Equal(reqs[0].Purposes, []string{"SI-KENPO", "TAX-WH"}) {
		t.Fatalf("requests: %+v %v", reqs, err)
	}
	scanForNumbers(t, f)
}

// TestRoles calls every use case as the administrator (not assigned) and as a handler of
// another company: each is refused and writes nothing.
func TestRoles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.employee("E001", "山田 太郎", 0)
	is := f.request(e[0])
	before := f.count(`SELECT count(*) FROM audit_log`)
	for _, p := range []struct {
		name string
		pr   auth.Principal
	}{{"admin", f.admin}, {"outsider", f.outsider}} {
		pr := p.pr
		calls := map[string]func() error{
			"CreateRequest": func() error {
				_, err := f.svc.CreateRequest(ctx, pr, f.keys, Request{CompanyID: f.a, EmployeeIDs: e, Purposes: []string{"TAX-WH"},
					Notice: NoticeSettings{Online: true}}, NoticeOptions{})
				return err
			},
			"Reissue": func() error {
				_, err := f.svc.Reissue(ctx, pr, f.keys, f.a, is.RequestID, e, 0, NoticeOptions{})
				return err
			},
			"MarkSubmitted": func() error { _, err := f.svc.MarkSubmitted(ctx, pr, f.a, e[0]); return err },
			"SendBack":      func() error { _, err := f.svc.SendBack(ctx, pr, f.a, e[0], "理由"); return err },
			"Refuse":        func() error { _, err := f.svc.Refuse(ctx, pr, f.a, e[0], "理由"); return err },
			"RecordCheck": func() error {
				_, err := f.svc.RecordCheck(ctx, pr, f.keys, f.a, e[0], Check{Submission: Submission{Channel: InPerson, NumberDoc: MyNumberCard}}, nil)
				return err
			},
			"RegisterNumbers": func() error {
				_, err := f.svc.RegisterNumbers(ctx, pr, f.keys, f.a, e[0], []NumberEntry{{e[0], testNumber(1)}}, nil)
				return err
			},
			"StatusBoard":   func() error { _, err := f.svc.StatusBoard(ctx, pr, BoardFilter{CompanyID: f.a}); return err },
			"Requests":      func() error { _, err := f.svc.Requests(ctx, pr, f.a); return err },
			"RefusalRecord": func() error { _, err := f.svc.RefusalRecord(ctx, pr, f.a); return err },
			"ExportRefusalRecord": func() error {
				_, _, err := f.svc.ExportRefusalRecord(ctx, pr, f.a, report.UTF8BOM)
				return err
			},
		}
		for name, call := range calls {
			if err := call(); !apperr.HasCode(err, apperr.CodeForbidden) {
				t.Errorf("%s as %s: %v, want forbidden", name, p.name, err)
			}
		}
	}
	if after := f.count(`SELECT count(*) FROM audit_log`); after != before {
		t.Errorf("refused calls wrote %d entries", after-before)
	}
	if f.count(`SELECT count(*) FROM identity_checks`)+f.count(`SELECT count(*) FROM person_numbers`) != 0 ||
		f.count(`SELECT count(*) FROM collection_targets WHERE status <> 'requested' OR reminders <> 0`) != 0 {
		t.Error("a refused call wrote")
	}
}

func TestNewOTP(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 2000 {
		otp, err := newOTP(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(otp) != OTPLen || !otpShape.MatchString(FormatOTP(otp)) || seen[otp] {
			t.Fatalf("password %q (dup %v)", otp, seen[otp])
		}
		if strings.IndexFunc(otp, func(r rune) bool { return r >= 'A' }) < 0 {
			t.Fatalf("password of digits only: %q", otp)
		}
		seen[otp] = true
		for _, r := range otp {
			counts[r]++
		}
	}
	if len(otpAlphabet) != 32 || len(counts) != 32 {
		t.Fatalf("alphabet %d, characters seen %d", len(otpAlphabet), len(counts))
	}
	// Uniform: each of 32 characters ≈ 750 of 24,000; a biased draw would be far off.
	for r, n := range counts {
		if n < 550 || n > 950 {
			t.Errorf("character %c drawn %d times", r, n)
		}
	}
	// All-digit draws are redrawn: a reader that first yields only digits, then letters.
	otp, err := newOTP(bytes.NewReader(append(bytes.Repeat([]byte{0xFF}, 8), make([]byte, 8)...)))
	if err != nil || otp != strings.Repeat("A", OTPLen) {
		t.Fatalf("redraw: %q %v", otp, err)
	}
	if NormalizeOTP(" abcd－efgh ｊｋｌｍ ") != "ABCDEFGHJKLM" {
		t.Errorf("normalise: %q", NormalizeOTP(" abcd－efgh ｊｋｌｍ "))
	}
}
