package dispose

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
)

// Service implements the 4-1 use cases over the vault. Each method is one transaction and
// checks the caller's role in the company first.
type Service struct {
	// DB is the vault. Required.
	DB *store.DB
	// Audit receives an entry for every proposal, decision, disposal and printed workbook, in
	// the same transaction (fail closed). Required.
	Audit *audit.Log
	// Policy is the office's retention policy; the zero value is the default rules and a
	// business year ending in March.
	Policy Policy
	// CertificatePrefix starts every certificate number; "" means "MNS".
	CertificatePrefix string
}

// Method is how a disposal deletes a number. Its value is stored in disposals.method.
type Method string

const (
	// MethodShred destroys the person's key (crypto-shredding) and deletes their number and
	// every document image: nothing sealed for the person can be opened again, in the vault or
	// in any backup. The person's record (name, code, dates) stays.
	MethodShred Method = "shred"
	// MethodMaskNumber deletes the number and the images of documents that show it (番号確認書類
	// and any unknown kind) and keeps the rest: identity-document images (運転免許証 …) are
	// sealed again under a new person key and the old key is destroyed, so that a backup made
	// before cannot show the number either.
	MethodMaskNumber Method = "mask_number"
)

// Valid reports whether m is one of the constants.
func (m Method) Valid() bool { return m == MethodShred || m == MethodMaskNumber }

// Status is the state of a disposal. Its value is stored in disposals.status.
type Status string

const (
	StatusProposed Status = "proposed" // 起案済: waiting for a 責任者
	StatusApproved Status = "approved" // 承認済: waiting to be executed
	StatusRejected Status = "rejected" // 却下
	StatusExecuted Status = "executed" // 廃棄済: the 廃棄記録, with its certificate number
)

// File kinds recorded in disposal_items.file_kinds besides document types.
const (
	// KindMyNumber is the My Number itself.
	KindMyNumber = "my_number"
	// KindIdentityDocuments are all images of identity documents (shred).
	KindIdentityDocuments = "identity_documents"
	// KindNumberDocuments are the images of documents that show the number (mask_number).
	KindNumberDocuments = "number_documents"
)

// KindLabel names a file kind (a Kind constant or a [DocumentType]) in Japanese, or in English
// when lang starts with "en".
func KindLabel(kind, lang string) string {
	en := strings.HasPrefix(lang, "en")
	switch kind {
	case KindMyNumber:
		return pick(en, "個人番号", "My Number")
	case KindIdentityDocuments:
		return pick(en, "本人確認書類の画像", "Identity document images")
	case KindNumberDocuments:
		return pick(en, "番号確認書類の画像", "Images of documents showing the number")
	}
	if r, ok := RuleFor(DocumentType(kind)); ok {
		return pick(en, r.LabelJA, r.LabelEN)
	}
	return kind
}

func pick(en bool, ja, e string) string {
	if en {
		return e
	}
	return ja
}

// UserRef names a user in a disposal.
type UserRef struct {
	ID          int64
	Login       string
	DisplayName string
}

// Disposal is one disposal (廃棄), from proposal to the 廃棄記録. It never holds a number.
type Disposal struct {
	ID          int64
	CompanyID   int64
	CompanyName string
	Status      Status
	Method      Method
	// Reason is the proposer's reason (user text; never a number: Propose refuses one).
	Reason     string
	ProposedBy UserRef
	ProposedAt time.Time
	// ApprovedBy and ApprovedAt are the 責任者's decision, approval or rejection; zero before.
	ApprovedBy UserRef
	ApprovedAt time.Time
	// DecisionNote is the 責任者's note, the reason of a rejection.
	DecisionNote  string
	ExecutedBy    UserRef
	ExecutedAt    time.Time
	CertificateNo string
	Items         []Item
}

// Item is one person of a disposal, as they were when it was proposed.
type Item struct {
	PersonID     int64
	EmployeeCode string
	Name         string
	// Relation is "本人" for the employee, or the dependent's 続柄 ("配偶者", "子" …).
	Relation string
	// FileKinds are what is (or was) disposed of: Kind constants and document types.
	FileKinds []string
}

// Errors the caller may need to tell apart. All are user-safe.
var (
	// ErrManagerOnly: approving or rejecting is for the company's 事務取扱責任者.
	ErrManagerOnly = apperr.Forbidden("廃棄の承認・却下は事務取扱責任者だけが行えます。",
		"Only a manager (事務取扱責任者) of the company can approve or reject a disposal.")
	// ErrOwnProposal: the proposer may not approve their own proposal, even as a 責任者.
	ErrOwnProposal = apperr.Forbidden("自分が起案した廃棄は承認できません。別の事務取扱責任者が承認してください。",
		"You cannot approve a disposal you proposed: another manager must approve it.")
	// ErrNotFound: no such disposal.
	ErrNotFound = apperr.New(apperr.CodeNotFound, "", "廃棄の記録が見つかりません。", "Disposal not found.")
	// ErrCheckpointPending: the disposal was executed and recorded, but the write-ahead log
	// could not be emptied yet; it is when the vault closes.
	ErrCheckpointPending = apperr.New("checkpoint_pending", "",
		"廃棄は完了し記録されました。一時ファイル（WAL）の消去が終わっていないため、作業後にアプリを終了してください。",
		"The disposal was executed and recorded; the write-ahead log is emptied when the app closes.")
)

// Proposal is the input of [Service.Propose].
type Proposal struct {
	CompanyID int64
	// PersonIDs are employees of the company. Their dependents are disposed of with them
	// unless KeepDependents is set.
	PersonIDs      []int64
	Method         Method
	Reason         string
	KeepDependents bool
}

const maxReason = 200

// requireHandling allows the company's 責任者 and 担当者; requireManager the 責任者 only (with
// ErrManagerOnly for a 担当者). The system administrator alone is refused by both.
func requireHandling(tx *store.Tx, p auth.Principal, companyID int64) error {
	return auth.RequireCompanyRole(tx, p, companyID, auth.Manager, auth.Handler)
}

func requireManager(tx *store.Tx, p auth.Principal, companyID int64) error {
	if err := requireHandling(tx, p, companyID); err != nil {
		return err
	}
	roles, err := auth.RolesOf(tx, p.UserID, companyID)
	if err != nil {
		return err
	}
	if !slices.Contains(roles, auth.Manager) {
		return ErrManagerOnly
	}
	return nil
}

// checkReason trims the reason and refuses one that is too long or could hold a My Number (12
// or more digits, full-width included): it is printed on the certificate.
func checkReason(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len([]rune(s)) > maxReason {
		return "", apperr.Invalid("reason", fmt.Sprintf("理由は%d文字以内で入力してください。", maxReason),
			fmt.Sprintf("The reason may have at most %d characters.", maxReason))
	}
	digits := 0
	for _, r := range norm.NFKC.String(s) {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	if digits >= 12 {
		return "", apperr.Invalid("reason", "理由に個人番号のような数字（12桁以上）を含めないでください。",
			"The reason must not contain 12 or more digits (it could be a My Number).")
	}
	return s, nil
}

// Propose records a disposal proposed by a 担当者 (or 責任者) of the company: the employees, with
// their dependents unless p.KeepDependents, the method and the reason. A reason is required when
// a person's retention has not passed on today (ReasonRetained, ReasonOpen, ReasonNoRule): the
// 責任者 sees it when deciding. Employees already disposed of, or in a disposal not yet
// executed, are refused with a conflict. The items record each person's code, name, relation
// and the kinds of file held; never a number.
func (s *Service) Propose(ctx context.Context, p auth.Principal, in Proposal, today time.Time) (Disposal, error) {
	var out Disposal
	if !in.Method.Valid() {
		return out, apperr.Invalid("method", "廃棄方法を選んでください。", "Choose a disposal method.")
	}
	reason, err := checkReason(in.Reason)
	if err != nil {
		return out, err
	}
	ids := slices.Clone(in.PersonIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 || len(ids) > 1000 {
		return out, apperr.Invalid("personIds", "廃棄する従業員を1名以上（1,000名まで）選んでください。", "Choose 1 to 1,000 employees.")
	}
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireHandling(tx, p, in.CompanyID); err != nil {
			return err
		}
		c, err := loadCompany(tx, in.CompanyID, s.Policy, today)
		if err != nil {
			return err
		}
		var items []Item
		for _, id := range ids {
			e, ok := c.employees[id]
			if !ok {
				return apperr.Invalid("personIds", "この企業の従業員ではない方が含まれています。", "A chosen person is not an employee of this company.")
			}
			if e.disposed {
				return apperr.New(apperr.CodeConflict, "personIds", "従業員コード "+e.code+" の方はすでに廃棄済みです。",
					"Employee "+e.code+" has already been disposed of.")
			}
			if e.pending != 0 {
				return apperr.New(apperr.CodeConflict, "personIds", fmt.Sprintf("従業員コード %s の方は手続き中の廃棄（No.%d）に含まれています。", e.code, e.pending),
					fmt.Sprintf("Employee %s is in disposal No.%d, which is not finished.", e.code, e.pending))
			}
			if !e.due.Ready && reason == "" {
				return apperr.Invalid("reason", "従業員コード "+e.code+" の方は保存期間が経過していません（"+e.due.Reason.Japanese()+"）。廃棄する理由を入力してください。",
					"The retention of employee "+e.code+" has not passed: enter the reason for disposing of it now.")
			}
			var persons []int64
			if !c.persons[id].disposed {
				persons = append(persons, id)
			}
			if !in.KeepDependents {
				persons = append(persons, e.dependents...)
			}
			if len(persons) == 0 {
				return apperr.New(apperr.CodeConflict, "personIds", "従業員コード "+e.code+" の方はすでに廃棄済みです。",
					"Employee "+e.code+" has already been disposed of.")
			}
			for _, pid := range persons {
				it, err := itemFor(tx, c, pid, in.Method)
				if err != nil {
					return err
				}
				items = append(items, it)
			}
		}
		res, err := tx.Exec(`INSERT INTO disposals(company_id, status, method, reason, proposed_by, proposed_at) VALUES(?, ?, ?, ?, ?, ?)`,
			in.CompanyID, StatusProposed, in.Method, reason, p.UserID, tx.NowText())
		if err != nil {
			return fmt.Errorf("writing disposal: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("writing disposal: %w", err)
		}
		for _, it := range items {
			kinds, _ := json.Marshal(it.FileKinds)
			_, err := tx.Exec(`INSERT INTO disposal_items(disposal_id, person_id, employee_code, person_name, relation, file_kinds)
				VALUES(?, ?, ?, ?, ?, ?)`, id, it.PersonID, it.EmployeeCode, it.Name, it.Relation, string(kinds))
			if err != nil {
				return fmt.Errorf("writing disposal item: %w", err)
			}
		}
		if err := s.audit(tx, p, in.CompanyID, id, fmt.Sprintf("disposal proposed: %d persons (%d employees), method %s", len(items), len(ids), in.Method)); err != nil {
			return err
		}
		out, err = getTx(tx, id)
		return err
	})
	return out, err
}

// itemFor describes person pid for a disposal by method: what of theirs is held.
func itemFor(tx *store.Tx, c *company, pid int64, method Method) (Item, error) {
	pr := c.persons[pid]
	it := Item{PersonID: pid, EmployeeCode: pr.code, Name: pr.name, Relation: "本人"}
	if pr.relation != "" {
		it.Relation = roster.Relation(pr.relation).Label("ja")
	}
	var numbers, docs int
	err := tx.QueryRow(`SELECT (SELECT count(*) FROM person_numbers WHERE person_id = ?), (SELECT count(*) FROM person_documents WHERE person_id = ?)`,
		pid, pid).Scan(&numbers, &docs)
	if err != nil {
		return it, fmt.Errorf("reading what is held for person %d: %w", pid, err)
	}
	if numbers > 0 {
		it.FileKinds = append(it.FileKinds, KindMyNumber)
	}
	if docs > 0 {
		if method == MethodShred {
			it.FileKinds = append(it.FileKinds, KindIdentityDocuments)
		} else {
			it.FileKinds = append(it.FileKinds, KindNumberDocuments)
		}
	}
	hs, _ := HoldingsFor(c.purposes[pid], c.persons[pr.employee].leftOn)
	for _, h := range hs {
		it.FileKinds = append(it.FileKinds, string(h.Type))
	}
	if it.FileKinds == nil {
		it.FileKinds = []string{}
	}
	return it, nil
}

// Approve records the 責任者's approval of a proposed disposal. A 担当者 gets [ErrManagerOnly];
// the proposer gets [ErrOwnProposal] even when they are a 責任者 too (four eyes: the guideline
// asks the 責任者 to confirm a disposal, which the person who proposed it cannot do for
// themselves).
func (s *Service) Approve(ctx context.Context, p auth.Principal, id int64) (Disposal, error) {
	return s.decide(ctx, p, id, StatusApproved, "")
}

// Reject records the 責任者's rejection of a proposed disposal with a reason (required). A
// 責任者 may reject their own proposal (a withdrawal).
func (s *Service) Reject(ctx context.Context, p auth.Principal, id int64, reason string) (Disposal, error) {
	note, err := checkReason(reason)
	if err != nil {
		return Disposal{}, err
	}
	if note == "" {
		return Disposal{}, apperr.Invalid("reason", "却下の理由を入力してください。", "Enter the reason for the rejection.")
	}
	return s.decide(ctx, p, id, StatusRejected, note)
}

func (s *Service) decide(ctx context.Context, p auth.Principal, id int64, to Status, note string) (Disposal, error) {
	var out Disposal
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		d, err := getTx(tx, id)
		if err != nil {
			return err
		}
		if err := requireManager(tx, p, d.CompanyID); err != nil {
			return err
		}
		if d.Status != StatusProposed {
			return stateError(d.Status)
		}
		if to == StatusApproved && d.ProposedBy.ID == p.UserID {
			return ErrOwnProposal
		}
		_, err = tx.Exec(`UPDATE disposals SET status = ?, approved_by = ?, approved_at = ?, decision_note = ? WHERE id = ? AND status = ?`,
			to, p.UserID, tx.NowText(), note, id, StatusProposed)
		if err != nil {
			return fmt.Errorf("deciding disposal %d: %w", id, err)
		}
		detail := "disposal approved"
		if to == StatusRejected {
			detail = "disposal rejected: " + audit.Redact(note)
		}
		if err := s.audit(tx, p, d.CompanyID, id, detail); err != nil {
			return err
		}
		out, err = getTx(tx, id)
		return err
	})
	return out, err
}

func stateError(st Status) error {
	ja, en := "この廃棄は処理できない状態です。", "The disposal is not in a state that allows this."
	switch st {
	case StatusProposed:
		ja, en = "この廃棄はまだ事務取扱責任者に承認されていません。", "The disposal has not been approved yet."
	case StatusApproved:
		ja, en = "この廃棄はすでに承認されています。", "The disposal has already been approved."
	case StatusRejected:
		ja, en = "この廃棄は却下されています。", "The disposal was rejected."
	case StatusExecuted:
		ja, en = "この廃棄はすでに実行されています。", "The disposal has already been executed."
	}
	return apperr.New(apperr.CodeConflict, "", ja, en)
}

// Get returns one disposal for the company's 責任者 and 担当者.
func (s *Service) Get(ctx context.Context, p auth.Principal, id int64) (Disposal, error) {
	var out Disposal
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		d, err := getTx(tx, id)
		if err != nil {
			return err
		}
		if err := requireHandling(tx, p, d.CompanyID); err != nil {
			return err
		}
		out = d
		return nil
	})
	return out, err
}

// List returns the company's disposals with one of statuses (all when none), newest first, for
// the company's 責任者 and 担当者.
func (s *Service) List(ctx context.Context, p auth.Principal, companyID int64, statuses ...Status) ([]Disposal, error) {
	var out []Disposal
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireHandling(tx, p, companyID); err != nil {
			return err
		}
		rows, err := tx.Query(`SELECT id, status FROM disposals WHERE company_id = ? ORDER BY id DESC`, companyID)
		if err != nil {
			return fmt.Errorf("reading disposals: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			var st Status
			if err := rows.Scan(&id, &st); err != nil {
				rows.Close()
				return err
			}
			if len(statuses) == 0 || slices.Contains(statuses, st) {
				ids = append(ids, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			d, err := getTx(tx, id)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// getTx reads disposal id with its items and users.
func getTx(tx *store.Tx, id int64) (Disposal, error) {
	var d Disposal
	var proposedAt, approvedAt, executedAt string
	var approvedBy, executedBy int64
	err := tx.QueryRow(`SELECT d.id, d.company_id, c.name, d.status, d.method, d.reason, d.proposed_by, d.proposed_at,
		COALESCE(d.approved_by, 0), d.approved_at, COALESCE(d.executed_by, 0), d.executed_at, COALESCE(d.certificate_no, ''), d.decision_note
		FROM disposals d JOIN companies c ON c.id = d.company_id WHERE d.id = ?`, id).
		Scan(&d.ID, &d.CompanyID, &d.CompanyName, &d.Status, &d.Method, &d.Reason, &d.ProposedBy.ID, &proposedAt,
			&approvedBy, &approvedAt, &executedBy, &executedAt, &d.CertificateNo, &d.DecisionNote)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("reading disposal %d: %w", id, err)
	}
	for _, t := range []struct {
		s   string
		dst *time.Time
	}{{proposedAt, &d.ProposedAt}, {approvedAt, &d.ApprovedAt}, {executedAt, &d.ExecutedAt}} {
		if *t.dst, err = store.ParseTime(t.s); err != nil {
			return d, fmt.Errorf("disposal %d: %w", id, err)
		}
	}
	d.ApprovedBy.ID, d.ExecutedBy.ID = approvedBy, executedBy
	for _, u := range []*UserRef{&d.ProposedBy, &d.ApprovedBy, &d.ExecutedBy} {
		if u.ID == 0 {
			continue
		}
		if err := tx.QueryRow(`SELECT login, display_name FROM users WHERE id = ?`, u.ID).Scan(&u.Login, &u.DisplayName); err != nil {
			return d, fmt.Errorf("reading user %d: %w", u.ID, err)
		}
	}
	rows, err := tx.Query(`SELECT person_id, employee_code, person_name, relation, file_kinds FROM disposal_items
		WHERE disposal_id = ? ORDER BY rowid`, id)
	if err != nil {
		return d, fmt.Errorf("reading disposal %d items: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var it Item
		var kinds string
		if err := rows.Scan(&it.PersonID, &it.EmployeeCode, &it.Name, &it.Relation, &kinds); err != nil {
			return d, err
		}
		if err := json.Unmarshal([]byte(kinds), &it.FileKinds); err != nil {
			return d, fmt.Errorf("disposal %d item %d: %w", id, it.PersonID, err)
		}
		d.Items = append(d.Items, it)
	}
	return d, rows.Err()
}

// audit appends an ActionDispose entry about disposal id.
func (s *Service) audit(tx *store.Tx, p auth.Principal, companyID, id int64, detail string) error {
	e := p.Entry(audit.ActionDispose, audit.ResultOK)
	e.CompanyID, e.TargetType, e.TargetID, e.Detail = companyID, "disposal", fmt.Sprint(id), detail
	_, err := s.Audit.Append(tx, e)
	return err
}

// japanDate is the calendar date of an instant in Japan.
func japanDate(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return jpdate.JapanDate(t)
}
