package ui

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/dispose"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/report"
	"github.com/mynumber-shelter/shelter/app/store"
)

// DisposeService is 4-1 廃棄処理 / 廃棄証明書: the due list (削除期限) and the home-screen alert,
// disposals proposed by a 事務取扱担当者 and approved by a 事務取扱責任者, their execution
// (crypto-shredding), the 廃棄記録, the disposal certificate and the 特定個人情報ファイル管理台帳.
//
// Roles, enforced here in Go: every method that names a company or a disposal is for that
// company's 責任者 and 担当者 only and refuses anyone else, the system administrator included,
// with code "forbidden". Approve, Reject and FileRegister are for the 責任者 only (a 担当者 gets
// "forbidden"), and the proposer may never approve their own proposal, even as a 責任者. DueCount
// names no company: it counts over the companies the user is assigned to, so for anyone else
// it is zero rather than an error. No method returns or records a number.
type DisposeService struct {
	a   *App
	svc *dispose.Service
}

func newDisposeService(a *App) *DisposeService {
	return &DisposeService{a: a, svc: &dispose.Service{DB: a.DB, Audit: a.Audit}}
}

// DisposalDocument is a kind of document whose retention keeps a number.
type DisposalDocument struct {
	Type    string `json:"type"`
	LabelJA string `json:"labelJa"`
	LabelEN string `json:"labelEn"`
}

// DisposalDue is one line of the due list: an employee who has left, with their dependents.
// Dates are ISO YYYY-MM-DD ("" when unknown); DueJa is the due date in 和暦. Ready: the
// retention has passed (削除期限到来: dispose without delay); Overdue: past the office's
// end-of-business-year deadline. AssumedPurposes: no purpose was recorded, the usual employee
// purposes were assumed. PendingDisposalID: a disposal not yet executed already includes them.
type DisposalDue struct {
	PersonID          int64              `json:"personId"`
	EmployeeCode      string             `json:"employeeCode"`
	Name              string             `json:"name"`
	NameKana          string             `json:"nameKana"`
	LeftOn            string             `json:"leftOn"`
	Dependents        int                `json:"dependents"`
	Documents         []DisposalDocument `json:"documents"`
	AssumedPurposes   bool               `json:"assumedPurposes"`
	Due               string             `json:"due"`
	DueJA             string             `json:"dueJa"`
	Deadline          string             `json:"deadline"`
	Ready             bool               `json:"ready"`
	Overdue           bool               `json:"overdue"`
	ReasonCode        string             `json:"reasonCode"`
	ReasonJA          string             `json:"reasonJa"`
	ReasonEN          string             `json:"reasonEn"`
	PendingDisposalID int64              `json:"pendingDisposalId"`
}

// DisposalCompanyAlert is the alert of one company.
type DisposalCompanyAlert struct {
	CompanyID         int64  `json:"companyId"`
	CompanyName       string `json:"companyName"`
	Ready             int    `json:"ready"`
	Overdue           int    `json:"overdue"`
	AwaitingApproval  int    `json:"awaitingApproval"`
	AwaitingExecution int    `json:"awaitingExecution"`
}

// DisposalAlert is the home screen's disposal alert: numbers due and not yet proposed (Ready,
// of which Overdue past the deadline), and disposals waiting for a 責任者 (AwaitingApproval) or
// for execution (AwaitingExecution), over every company the user is assigned to.
type DisposalAlert struct {
	Ready             int                    `json:"ready"`
	Overdue           int                    `json:"overdue"`
	AwaitingApproval  int                    `json:"awaitingApproval"`
	AwaitingExecution int                    `json:"awaitingExecution"`
	Companies         []DisposalCompanyAlert `json:"companies"`
}

// DisposalProposal is the input of Propose. Method is "shred" (destroy the person key, delete
// the number and the document images) or "mask_number" (delete only the number and the images
// that show it). PersonIDs are employees; their dependents go with them unless KeepDependents.
// Reason (at most 200 characters, never a number) is required when anyone's retention has not
// passed.
type DisposalProposal struct {
	CompanyID      int64   `json:"companyId"`
	PersonIDs      []int64 `json:"personIds"`
	Method         string  `json:"method"`
	Reason         string  `json:"reason"`
	KeepDependents bool    `json:"keepDependents"`
}

// DisposalItem is one person of a disposal. FileKinds are codes ("my_number",
// "identity_documents", "number_documents", or a document type); FileKindsJA/EN name them.
type DisposalItem struct {
	PersonID     int64    `json:"personId"`
	EmployeeCode string   `json:"employeeCode"`
	Name         string   `json:"name"`
	Relation     string   `json:"relation"`
	FileKinds    []string `json:"fileKinds"`
	FileKindsJA  []string `json:"fileKindsJa"`
	FileKindsEN  []string `json:"fileKindsEn"`
}

// Disposal is one disposal. Status is "proposed", "approved", "rejected" or "executed"; times
// are RFC 3339 UTC ("" before the step). ApprovedBy / ApprovedAt are the 責任者's decision
// (approval or rejection), DecisionNote the reason of a rejection. CertificateNo is set once
// executed. It never holds a number.
type Disposal struct {
	ID            int64          `json:"id"`
	CompanyID     int64          `json:"companyId"`
	CompanyName   string         `json:"companyName"`
	Status        string         `json:"status"`
	Method        string         `json:"method"`
	Reason        string         `json:"reason"`
	ProposedBy    UserRef        `json:"proposedBy"`
	ProposedAt    string         `json:"proposedAt"`
	ApprovedBy    *UserRef       `json:"approvedBy,omitempty"`
	ApprovedAt    string         `json:"approvedAt"`
	DecisionNote  string         `json:"decisionNote"`
	ExecutedBy    *UserRef       `json:"executedBy,omitempty"`
	ExecutedAt    string         `json:"executedAt"`
	CertificateNo string         `json:"certificateNo"`
	Items         []DisposalItem `json:"items"`
}

// DisposalFile is a workbook to save: FileName, ContentType and the bytes in base64 (Data).
type DisposalFile struct {
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Data        string `json:"data"`
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func userRefOut(u dispose.UserRef) *UserRef {
	if u.ID == 0 {
		return nil
	}
	return &UserRef{ID: u.ID, Login: u.Login, DisplayName: u.DisplayName}
}

func disposalOut(d dispose.Disposal) Disposal {
	out := Disposal{ID: d.ID, CompanyID: d.CompanyID, CompanyName: d.CompanyName, Status: string(d.Status), Method: string(d.Method),
		Reason: d.Reason, ProposedBy: *userRefOut(d.ProposedBy), ProposedAt: store.FormatTime(d.ProposedAt),
		ApprovedBy: userRefOut(d.ApprovedBy), ApprovedAt: store.FormatTime(d.ApprovedAt), DecisionNote: d.DecisionNote,
		ExecutedBy: userRefOut(d.ExecutedBy), ExecutedAt: store.FormatTime(d.ExecutedAt), CertificateNo: d.CertificateNo,
		Items: []DisposalItem{}}
	for _, it := range d.Items {
		o := DisposalItem{PersonID: it.PersonID, EmployeeCode: it.EmployeeCode, Name: it.Name, Relation: it.Relation,
			FileKinds: it.FileKinds, FileKindsJA: []string{}, FileKindsEN: []string{}}
		for _, k := range it.FileKinds {
			o.FileKindsJA = append(o.FileKindsJA, dispose.KindLabel(k, "ja"))
			o.FileKindsEN = append(o.FileKindsEN, dispose.KindLabel(k, "en"))
		}
		out.Items = append(out.Items, o)
	}
	return out
}

func disposalsOut(ds []dispose.Disposal) []Disposal {
	out := make([]Disposal, len(ds))
	for i, d := range ds {
		out[i] = disposalOut(d)
	}
	return out
}

// DueList returns the company's employees who have left and whose numbers are not disposed of
// yet, earliest due date first (those whose due date cannot be computed last).
func (s *DisposeService) DueList(companyID int64) ([]DisposalDue, error) {
	sess, err := s.a.ready()
	if err != nil {
		return nil, err
	}
	today := jpdate.JapanDate(s.a.now())
	list, err := s.svc.DueList(context.Background(), sess.Principal, companyID, today)
	if err != nil {
		return nil, s.a.fail("disposal due list", err)
	}
	out := make([]DisposalDue, len(list))
	for i, d := range list {
		o := DisposalDue{PersonID: d.PersonID, EmployeeCode: d.EmployeeCode, Name: d.Name, NameKana: d.NameKana, Dependents: d.Dependents,
			AssumedPurposes: d.AssumedPurposes, Ready: d.Ready, Overdue: d.Overdue, ReasonCode: string(d.Reason.Code),
			ReasonJA: d.Reason.Japanese(), ReasonEN: d.Reason.English(), PendingDisposalID: d.PendingDisposal,
			Documents: []DisposalDocument{}}
		if !d.LeftOn.IsZero() {
			o.LeftOn = jpdate.ISO(d.LeftOn)
		}
		if !d.Due.IsZero() {
			o.Due, o.DueJA, o.Deadline = jpdate.ISO(d.Due), jpdate.Wareki(d.Due), jpdate.ISO(d.Deadline)
		}
		for _, t := range d.Documents {
			o.Documents = append(o.Documents, DisposalDocument{Type: string(t), LabelJA: dispose.KindLabel(string(t), "ja"),
				LabelEN: dispose.KindLabel(string(t), "en")})
		}
		out[i] = o
	}
	return out, nil
}

// DueCount is the home screen's alert over every company the user is assigned to; zero for a
// user assigned to none (the administrator alone).
func (s *DisposeService) DueCount() (DisposalAlert, error) {
	sess, err := s.a.ready()
	if err != nil {
		return DisposalAlert{}, err
	}
	c, err := s.svc.DueCount(context.Background(), sess.Principal, jpdate.JapanDate(s.a.now()))
	if err != nil {
		return DisposalAlert{}, s.a.fail("disposal alert", err)
	}
	out := DisposalAlert{Ready: c.Ready, Overdue: c.Overdue, AwaitingApproval: c.AwaitingApproval,
		AwaitingExecution: c.AwaitingExecution, Companies: []DisposalCompanyAlert{}}
	for _, cc := range c.Companies {
		out.Companies = append(out.Companies, DisposalCompanyAlert{CompanyID: cc.CompanyID, CompanyName: cc.CompanyName,
			Ready: cc.Ready, Overdue: cc.Overdue, AwaitingApproval: cc.AwaitingApproval, AwaitingExecution: cc.AwaitingExecution})
	}
	return out, nil
}

// Propose records a disposal for a 責任者 to approve (担当者 or 責任者 of the company).
func (s *DisposeService) Propose(p DisposalProposal) (Disposal, error) {
	sess, err := s.a.ready()
	if err != nil {
		return Disposal{}, err
	}
	d, err := s.svc.Propose(context.Background(), sess.Principal, dispose.Proposal{CompanyID: p.CompanyID, PersonIDs: p.PersonIDs,
		Method: dispose.Method(p.Method), Reason: p.Reason, KeepDependents: p.KeepDependents}, jpdate.JapanDate(s.a.now()))
	if err != nil {
		return Disposal{}, s.a.fail("proposing disposal", err)
	}
	return disposalOut(d), nil
}

// Pending returns the company's disposals not executed: proposed, approved and rejected (with
// the 責任者's note), newest first.
func (s *DisposeService) Pending(companyID int64) ([]Disposal, error) {
	return s.list(companyID, dispose.StatusProposed, dispose.StatusApproved, dispose.StatusRejected)
}

// Records returns the company's 廃棄記録: executed disposals with their certificate numbers,
// newest first.
func (s *DisposeService) Records(companyID int64) ([]Disposal, error) {
	return s.list(companyID, dispose.StatusExecuted)
}

func (s *DisposeService) list(companyID int64, statuses ...dispose.Status) ([]Disposal, error) {
	sess, err := s.a.ready()
	if err != nil {
		return nil, err
	}
	ds, err := s.svc.List(context.Background(), sess.Principal, companyID, statuses...)
	if err != nil {
		return nil, s.a.fail("listing disposals", err)
	}
	return disposalsOut(ds), nil
}

// Approve approves a proposed disposal (責任者 only; not the proposer).
func (s *DisposeService) Approve(disposalID int64) (Disposal, error) {
	sess, err := s.a.ready()
	if err != nil {
		return Disposal{}, err
	}
	d, err := s.svc.Approve(context.Background(), sess.Principal, disposalID)
	if err != nil {
		return Disposal{}, s.a.fail("approving disposal", err)
	}
	return disposalOut(d), nil
}

// Reject rejects a proposed disposal with a reason (責任者 only).
func (s *DisposeService) Reject(disposalID int64, reason string) (Disposal, error) {
	sess, err := s.a.ready()
	if err != nil {
		return Disposal{}, err
	}
	d, err := s.svc.Reject(context.Background(), sess.Principal, disposalID, reason)
	if err != nil {
		return Disposal{}, s.a.fail("rejecting disposal", err)
	}
	return disposalOut(d), nil
}

// Execute carries out an approved disposal (担当者 or 責任者 of the company): the numbers are
// destroyed beyond recovery, also in backups, and the 廃棄記録 gets its certificate number.
func (s *DisposeService) Execute(disposalID int64) (Disposal, error) {
	sess, err := s.a.readyStepUp() // step-up: a factor within 5 minutes (factors.go)
	if err != nil {
		return Disposal{}, err
	}
	d, err := s.svc.Execute(context.Background(), sess.Principal, sess.Keys(), disposalID)
	if errors.Is(err, dispose.ErrCheckpointPending) {
		s.a.log.Warn("disposal executed; write-ahead log not emptied yet", "disposal", disposalID, "err", err)
		err = nil
	}
	if err != nil {
		return Disposal{}, s.a.fail("executing disposal", err)
	}
	return disposalOut(d), nil
}

// Certificate returns the disposal certificate (廃棄証明書) of an executed disposal as an Excel
// workbook, issued today; its printing is recorded in the history.
func (s *DisposeService) Certificate(disposalID int64) (DisposalFile, error) {
	sess, err := s.a.ready()
	if err != nil {
		return DisposalFile{}, err
	}
	d, b, err := s.svc.Certificate(context.Background(), sess.Principal, disposalID, jpdate.JapanDate(s.a.now()), report.Options{})
	if err != nil {
		return DisposalFile{}, s.a.fail("disposal certificate", err)
	}
	return DisposalFile{FileName: "廃棄証明書_" + d.CertificateNo + ".xlsx", ContentType: xlsxType, Data: base64.StdEncoding.EncodeToString(b)}, nil
}

// FileRegister returns the company's 特定個人情報ファイル管理台帳 as of today as an Excel workbook
// (責任者 only); its printing is recorded in the history.
func (s *DisposeService) FileRegister(companyID int64) (DisposalFile, error) {
	sess, err := s.a.ready()
	if err != nil {
		return DisposalFile{}, err
	}
	today := jpdate.JapanDate(s.a.now())
	b, err := s.svc.FileRegister(context.Background(), sess.Principal, companyID, today, report.Options{})
	if err != nil {
		return DisposalFile{}, s.a.fail("file register", err)
	}
	return DisposalFile{FileName: fmt.Sprintf("特定個人情報ファイル管理台帳_%s.xlsx", jpdate.ISO(today)), ContentType: xlsxType,
		Data: base64.StdEncoding.EncodeToString(b)}, nil
}
