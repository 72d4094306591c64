package ui

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/collect"
	"github.com/mynumber-shelter/shelter/app/report"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
)

// CollectService is 1-3 取得管理: STEP1 requests and notice letters, STEP2 identity checks,
// STEP3 number registration, the status board and the refusal record (app/collect).
//
// Every method that names a company is for that company's 事務取扱責任者 and 事務取扱担当者
// only; anyone else (another company's handler, the administrator who is not assigned) gets
// code "forbidden", and the refusal is recorded in the history (result denied). Every change,
// print and export is recorded by app/collect in the same transaction. Reading the board and
// the lists shows no number and is not recorded. Files (the notice workbook, the CSV) travel
// as base64 in [CollectFile]; the frontend saves them.
type CollectService struct {
	a *App
}

func newCollectService(a *App) *CollectService { return &CollectService{a: a} }

// Rules returns the channels, document kinds and statuses (reference data; any logged-in user).
func (s *CollectService) Rules() (CollectRules, error) {
	if _, err := s.a.ready(); err != nil {
		return CollectRules{}, err
	}
	lang := func(ja, en, code string) CollectLabel { return CollectLabel{Code: code, JA: ja, EN: en} }
	r := CollectRules{MaxImageBytes: collect.MaxImageSize, MaxImages: collect.MaxImages,
		ContentTypes: []string{collect.TypeJPEG, collect.TypePNG, collect.TypePDF}}
	for _, c := range collect.Channels() {
		r.Channels = append(r.Channels, lang(c.Label("ja"), c.Label("en"), string(c)))
	}
	for _, st := range collect.Statuses() {
		r.Statuses = append(r.Statuses, lang(st.Label("ja"), st.Label("en"), string(st)))
	}
	for _, d := range collect.DocKinds() {
		k := CollectDocKind{CollectLabel: lang(d.JA, d.EN, string(d.Kind)), Number: d.Use.Number, Identity: d.Use.Identity,
			Photo: d.Use.Photo, Alone: d.Use.Alone, Refused: d.Use.Refused, Unconfirmed: d.Use.Unconfirmed, Channels: []string{}}
		for _, c := range collect.Channels() {
			if d.Use.AllowedOn(c) {
				k.Channels = append(k.Channels, string(c))
			}
		}
		r.Documents = append(r.Documents, k)
	}
	return r, nil
}

// Purposes lists the purposes (利用目的) a request may notify.
func (s *CollectService) Purposes() ([]CollectLabel, error) {
	if _, err := s.a.ready(); err != nil {
		return nil, err
	}
	ps, err := s.a.collect.Purposes(context.Background())
	if err != nil {
		return nil, s.a.fail("reading purposes", err)
	}
	out := []CollectLabel{}
	for _, p := range ps {
		out = append(out, CollectLabel{Code: p.Code, JA: p.JA, EN: p.EN})
	}
	return out, nil
}

// Evaluate checks a submission against the 本人確認 rules without recording anything, for the
// screen to show problems as the checker ticks documents. An empty list means acceptable.
func (s *CollectService) Evaluate(in CollectSubmission) ([]CollectProblem, error) {
	if _, err := s.a.ready(); err != nil {
		return nil, err
	}
	return problemsOut(collect.Evaluate(submissionIn(in))), nil
}

// CreateRequest is STEP1: it records the request, notifies the purposes to the employees and
// their dependents, issues one-time passwords (when online is offered) and returns the notice
// workbook. Recorded as a registration and a print.
func (s *CollectService) CreateRequest(in CollectRequestInput) (CollectNotice, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return CollectNotice{}, err
	}
	is, err := s.a.collect.CreateRequest(context.Background(), sess.Principal, keys, collect.Request{
		CompanyID: in.CompanyID, Title: in.Title, EmployeeIDs: in.EmployeeIDs, Purposes: in.Purposes, ValidDays: in.ValidDays,
		Notice: collect.NoticeSettings{Sender: in.Sender, InPerson: in.InPerson, Mail: in.Mail, Online: in.Online,
			Contact: in.Contact, Deadline: in.Deadline}}, collect.NoticeOptions{Password: in.FilePassword, PerEmployee: in.PerEmployee})
	if err != nil {
		return CollectNotice{}, s.a.collectFail(sess, in.CompanyID, audit.ActionRegister, "create request", err)
	}
	return noticeOut(is), nil
}

// Reissue is the reminder (再通知): new passwords and letters for employees of a request who
// have not handed in (依頼済 / 差戻し).
func (s *CollectService) Reissue(in CollectReissueInput) (CollectNotice, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return CollectNotice{}, err
	}
	is, err := s.a.collect.Reissue(context.Background(), sess.Principal, keys, in.CompanyID, in.RequestID, in.EmployeeIDs, in.ValidDays,
		collect.NoticeOptions{Password: in.FilePassword, PerEmployee: in.PerEmployee})
	if err != nil {
		return CollectNotice{}, s.a.collectFail(sess, in.CompanyID, audit.ActionModify, "reminder", err)
	}
	return noticeOut(is), nil
}

// Requests lists the company's requests, newest first.
func (s *CollectService) Requests(companyID int64) ([]CollectRequest, error) {
	sess, err := s.a.ready()
	if err != nil {
		return nil, err
	}
	rs, err := s.a.collect.Requests(context.Background(), sess.Principal, companyID)
	if err != nil {
		return nil, s.a.collectFail(sess, companyID, audit.ActionView, "list requests", err)
	}
	out := []CollectRequest{}
	for _, r := range rs {
		out = append(out, CollectRequest{ID: r.ID, Title: r.Title, CreatedAt: store.FormatTime(r.CreatedAt), CreatedBy: r.CreatedBy,
			Purposes: r.Purposes, Online: r.Online, Deadline: r.Deadline, Targets: r.Targets, Counts: countsOut(r.Counts)})
	}
	return out, nil
}

// MarkSubmitted records that an employee's documents arrived (提出済) and returns the status.
func (s *CollectService) MarkSubmitted(companyID, employeeID int64) (string, error) {
	return s.transition(companyID, "mark submitted", func(p auth.Principal) (collect.Status, error) {
		return s.a.collect.MarkSubmitted(context.Background(), p, companyID, employeeID)
	})
}

// SendBack returns an employee's submission (差戻し) with a reason; returns the status.
func (s *CollectService) SendBack(companyID, employeeID int64, reason string) (string, error) {
	return s.transition(companyID, "send back", func(p auth.Principal) (collect.Status, error) {
		return s.a.collect.SendBack(context.Background(), p, companyID, employeeID, reason)
	})
}

// Refuse records that an employee refused to provide the number (提供拒否) with the reason.
func (s *CollectService) Refuse(companyID, employeeID int64, reason string) (string, error) {
	return s.transition(companyID, "record refusal", func(p auth.Principal) (collect.Status, error) {
		return s.a.collect.Refuse(context.Background(), p, companyID, employeeID, reason)
	})
}

func (s *CollectService) transition(companyID int64, what string, fn func(auth.Principal) (collect.Status, error)) (string, error) {
	sess, err := s.a.ready()
	if err != nil {
		return "", err
	}
	st, err := fn(sess.Principal)
	if err != nil {
		return "", s.a.collectFail(sess, companyID, audit.ActionModify, what, err)
	}
	return string(st), nil
}

// RecordCheck is STEP2 for one person: the documents seen, images sealed under the person's key
// at once. A check the rules refuse fails with code "check_failed" (every problem in ja/en,
// field of the first); an image that is too large or of another type with "invalid".
func (s *CollectService) RecordCheck(in CollectCheckInput) (CollectCheckResult, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return CollectCheckResult{}, err
	}
	images := make([]collect.Image, 0, len(in.Images))
	refs := make([]string, 0, len(in.Images))
	for _, im := range in.Images {
		data, ct, held, err := s.a.held.image(sess, in.CompanyID, im.Data) // a page scanned or opened from the folder
		if held {
			refs = append(refs, im.Data)
		} else {
			data, ct, err = decodeImage(im) // uploaded
		}
		if err != nil {
			return CollectCheckResult{}, err
		}
		images = append(images, collect.Image{Kind: collect.DocKind(im.Kind), ContentType: ct, Data: data})
	}
	c := collect.Check{Submission: submissionIn(in.CollectSubmission), SendBack: in.SendBack, Reason: in.Reason}
	res, err := s.a.collect.RecordCheck(context.Background(), sess.Principal, keys, in.CompanyID, in.PersonID, c, images)
	if err != nil {
		return CollectCheckResult{}, s.a.collectFail(sess, in.CompanyID, audit.ActionRegister, "identity check", err)
	}
	// The pages are sealed now: drop them, and delete the folder's pages from the bridge's
	// inbox unless the documents go back to the employee.
	if inbox := s.a.held.used(sess, in.CompanyID, refs); !in.SendBack {
		s.a.deleteInboxItems(inbox)
	}
	return CollectCheckResult{CheckID: res.CheckID, Status: string(res.Status), DocumentIDs: append([]int64{}, res.DocumentIDs...)}, nil
}

// errImage is returned for an image that cannot be decoded or is too large.
var errImage = &Error{Code: apperr.CodeInvalid, Field: "images",
	JA: fmt.Sprintf("画像を読み込めません（JPEG・PNG・PDF、1枚%dMBまで）。", collect.MaxImageSize>>20),
	EN: fmt.Sprintf("The image cannot be read (JPEG, PNG or PDF, at most %d MB each).", collect.MaxImageSize>>20)}

// decodeImage decodes base64 (or a data: URL) within the size limit; an empty content type is
// sniffed and image/jpg means image/jpeg.
func decodeImage(im CollectImage) ([]byte, string, error) {
	data := im.Data
	if strings.HasPrefix(data, "data:") {
		_, after, ok := strings.Cut(data, ";base64,")
		if !ok {
			return nil, "", errImage
		}
		data = after
	}
	if len(data) > base64.StdEncoding.EncodedLen(collect.MaxImageSize) {
		return nil, "", errImage
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil || len(b) == 0 {
		return nil, "", errImage
	}
	ct := strings.ToLower(strings.TrimSpace(im.ContentType))
	switch ct {
	case "":
		ct, _, _ = strings.Cut(http.DetectContentType(b), ";")
	case "image/jpg":
		ct = collect.TypeJPEG
	}
	return b, ct, nil
}

// RegisterNumbers is STEP3 for an employee and their dependents. A number registered for
// another person fails with code "duplicate_number" and field "number:<personId>": ask the user
// to confirm and call again with that person in acceptDuplicates. An invalid number fails with
// "invalid" on the same field; nothing is written then.
func (s *CollectService) RegisterNumbers(in CollectNumbersInput) (CollectRegistered, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return CollectRegistered{}, err
	}
	entries := make([]collect.NumberEntry, len(in.Numbers))
	for i, n := range in.Numbers {
		entries[i] = collect.NumberEntry{PersonID: n.PersonID, Number: n.Number}
	}
	res, err := s.a.collect.RegisterNumbers(context.Background(), sess.Principal, keys, in.CompanyID, in.EmployeeID, entries, in.AcceptDuplicates)
	if err != nil {
		return CollectRegistered{}, s.a.collectFail(sess, in.CompanyID, audit.ActionRegister, "register numbers", err)
	}
	return CollectRegistered{EmployeeID: res.EmployeeID, Changed: res.Changed, Missing: res.Missing,
		Status: string(res.Status), Masked: res.Masked}, nil
}

// StatusBoard returns every employee of the company with their status and the counts.
func (s *CollectService) StatusBoard(f CollectBoardFilter) (CollectBoard, error) {
	sess, err := s.a.ready()
	if err != nil {
		return CollectBoard{}, err
	}
	b, err := s.a.collect.StatusBoard(context.Background(), sess.Principal, collect.BoardFilter{CompanyID: f.CompanyID,
		Status: collect.Status(f.Status), Search: f.Search, PendingDays: f.PendingDays, IncludeLeft: f.IncludeLeft,
		Offset: f.Offset, Limit: f.Limit, Sort: roster.Sort{Key: f.Sort, Desc: f.Desc}})
	if err != nil {
		return CollectBoard{}, s.a.collectFail(sess, f.CompanyID, audit.ActionView, "status board", err)
	}
	out := CollectBoard{Counts: countsOut(b.Counts), Total: b.Total, Rows: []CollectBoardRow{}}
	for _, r := range b.Rows {
		out.Rows = append(out.Rows, CollectBoardRow{EmployeeID: r.EmployeeID, Code: r.Code, Name: r.Name, NameKana: r.NameKana,
			Department: r.Department, LeftOn: r.LeftOn, Status: string(r.Status), RequestID: r.RequestID, RequestTitle: r.RequestTitle,
			NotifiedAt: store.FormatTime(r.NotifiedAt), Reminders: r.Reminders, LastRemindedAt: store.FormatTime(r.LastReminded),
			DaysWaiting: r.DaysWaiting, Dependents: r.Dependents, Missing: r.Missing, HasNumber: r.HasNumber, ReturnedReason: r.ReturnedReason,
			RefusedReason: r.RefusedReason, RefusedAt: store.FormatTime(r.RefusedAt), SharedFrom: r.SharedFrom})
	}
	return out, nil
}

// RefusalRecord lists the employees who refused, with the dates they were asked.
func (s *CollectService) RefusalRecord(companyID int64) ([]CollectRefusal, error) {
	sess, err := s.a.ready()
	if err != nil {
		return nil, err
	}
	rows, err := s.a.collect.RefusalRecord(context.Background(), sess.Principal, companyID)
	if err != nil {
		return nil, s.a.collectFail(sess, companyID, audit.ActionView, "refusal record", err)
	}
	out := []CollectRefusal{}
	for _, r := range rows {
		c := CollectRefusal{RequestID: r.RequestID, RequestTitle: r.RequestTitle, EmployeeID: r.EmployeeID, EmployeeCode: r.EmployeeCode,
			Name: r.Name, Department: r.Department, RequestedAt: store.FormatTime(r.RequestedAt), RemindedAt: []string{},
			RefusedAt: store.FormatTime(r.RefusedAt), Reason: r.Reason}
		for _, t := range r.Reminders {
			c.RemindedAt = append(c.RemindedAt, store.FormatTime(t))
		}
		out = append(out, c)
	}
	return out, nil
}

// ExportRefusalRecord returns the refusal record as CSV; encoding is "utf8bom" or "cp932".
// Recorded as an export (持出し).
func (s *CollectService) ExportRefusalRecord(companyID int64, encoding string) (CollectFile, error) {
	sess, err := s.a.ready()
	if err != nil {
		return CollectFile{}, err
	}
	file, name, err := s.a.collect.ExportRefusalRecord(context.Background(), sess.Principal, companyID, report.Encoding(encoding))
	if err != nil {
		return CollectFile{}, s.a.collectFail(sess, companyID, audit.ActionExport, "export refusal record", err)
	}
	ct := "text/csv; charset=utf-8"
	if encoding == string(report.CP932) {
		ct = "text/csv; charset=shift_jis"
	}
	return CollectFile{FileName: name, ContentType: ct, Data: base64.StdEncoding.EncodeToString(file)}, nil
}

// fail maps a collect error to a user-safe *Error; a refusal for the role is recorded in the
// history (result denied) in its own transaction.
func (a *App) collectFail(sess *auth.Session, companyID int64, action audit.Action, what string, err error) error {
	var pe *collect.ProblemsError
	var de *collect.DuplicateError
	switch {
	case errors.As(err, &pe) && len(pe.Problems) > 0:
		e := &Error{Code: collect.CodeCheckFailed, Field: pe.Problems[0].Field}
		var ja, en []string
		for _, p := range pe.Problems {
			ja, en = append(ja, p.JA), append(en, p.EN)
		}
		e.JA, e.EN = strings.Join(ja, "\n"), strings.Join(en, "\n")
		return e
	case errors.As(err, &de):
		en := de.Other.Error()
		return &Error{Code: collect.CodeDuplicateNumber, Field: collect.FieldFor(de.PersonID),
			JA: de.Other.Japanese() + "このまま登録してよろしいですか？", EN: strings.ToUpper(en[:1]) + en[1:] + ". Register it anyway?"}
	}
	ue := a.fail("1-3 "+what, err)
	if apperr.HasCode(err, apperr.CodeForbidden) {
		if derr := a.collect.RecordRefusal(context.Background(), sess.Principal, companyID, action, what); derr != nil {
			a.log.Warn("recording a refused 1-3 call", "err", derr)
		}
	}
	return ue
}

func submissionIn(in CollectSubmission) collect.Submission {
	s := collect.Submission{Channel: collect.Channel(in.Channel), NumberDoc: collect.DocKind(in.NumberDoc),
		CardDetails: collect.CardDetails(in.CardDetails)}
	for _, k := range in.IdentityDocs {
		s.IdentityDocs = append(s.IdentityDocs, collect.DocKind(k))
	}
	for _, k := range in.ImageKinds {
		s.ImageKinds = append(s.ImageKinds, collect.DocKind(k))
	}
	return s
}

func problemsOut(ps []collect.Problem) []CollectProblem {
	out := []CollectProblem{}
	for _, p := range ps {
		out = append(out, CollectProblem{Code: p.Code, Field: p.Field, JA: p.JA, EN: p.EN})
	}
	return out
}

func noticeOut(is collect.Issued) CollectNotice {
	ct := "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	if is.ZIP {
		ct = "application/zip"
	}
	return CollectNotice{RequestID: is.RequestID, Letters: is.Letters, Persons: is.Persons, ExpiresAt: store.FormatTime(is.Expires),
		HasPasswords: is.HasPasswords,
		File:         CollectFile{FileName: is.FileName, Data: base64.StdEncoding.EncodeToString(is.Workbook), ContentType: ct}}
}

func countsOut(m map[collect.Status]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}
