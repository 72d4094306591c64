package collect

import (
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// DefaultOTPValidity is how long a one-time password works when [Service.OTPValidity] is zero.
const DefaultOTPValidity = 14 * 24 * time.Hour

// MaxValidDays is the longest validity a request may ask for.
const MaxValidDays = 90

// MaxEmployees is the most employees one request or reminder may name. The letters are
// written inside the transaction; 1,000 take about 1.5 s on two cores (BenchmarkCreateRequest).
const MaxEmployees = 1000

// MaxReasonLen is the longest reason (差戻し, 提供拒否) and notice text, in characters.
const MaxReasonLen = 200

// Settings in the meta table.
const (
	// MetaPortalURL is the address of the employee web page printed on the letters (and as a
	// QR code). The cloud part of the product sets it; until then DefaultPortalURL is used.
	MetaPortalURL = "employee_portal_url"
	// DefaultPortalURL is a placeholder that cannot resolve (.invalid, RFC 6761).
	DefaultPortalURL = "https://relay.example.invalid/e/"
)

// Service implements the 1-3 use cases. DB and Audit are required.
type Service struct {
	DB    *store.DB
	Audit *audit.Log
	// Rand is the source of one-time passwords and keys. Defaults to crypto/rand.Reader.
	Rand io.Reader
	// OTPValidity is how long a one-time password works, unless a request says otherwise.
	// Defaults to DefaultOTPValidity.
	OTPValidity time.Duration
}

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

func (s *Service) validity(days int) time.Duration {
	if days > 0 {
		return time.Duration(days) * 24 * time.Hour
	}
	if s.OTPValidity > 0 {
		return s.OTPValidity
	}
	return DefaultOTPValidity
}

// User-safe errors shared by the use cases.
var (
	errNoPerson    = apperr.New(apperr.CodeNotFound, "", "従業員・扶養家族が見つかりません。", "Person not found.")
	errNoRequest   = apperr.New(apperr.CodeNotFound, "", "取得依頼が見つかりません。", "Collection request not found.")
	errUnrequested = apperr.New(apperr.CodeConflict, "", "この従業員にはまだ取得依頼（利用目的の通知）をしていません。先に STEP1 で通知してください。",
		"This employee has not been asked yet (no purposes notified). Send the notice first (STEP1).")
)

// requireRole allows the company's 事務取扱責任者 and 事務取扱担当者.
func requireRole(tx *store.Tx, p auth.Principal, companyID int64) error {
	return auth.RequireCompanyRole(tx, p, companyID, auth.Manager, auth.Handler)
}

// statusErr says that op cannot be done in status s.
func statusErr(s Status, ja, en string) error {
	return apperr.New(apperr.CodeConflict, "status",
		fmt.Sprintf("現在の状況（%s）では%s。", s.Label("ja"), ja),
		fmt.Sprintf("Not possible while the status is %s: %s.", strings.ToLower(s.Label("en")), en))
}

// cleanText trims s and checks it: at most max characters, no control characters, nothing
// that looks like a My Number. required refuses an empty text.
func cleanText(field, name, nameEN string, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		return s, apperr.Invalid(field, name+"を入力してください。", "Enter the "+nameEN+".")
	case utf8.RuneCountInString(s) > max || !utf8.ValidString(s):
		return s, apperr.Invalid(field, fmt.Sprintf("%sは%d文字以内で入力してください。", name, max),
			fmt.Sprintf("The %s may be at most %d characters.", nameEN, max))
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) >= 0:
		return s, apperr.Invalid(field, name+"に使えない文字があります。", "The "+nameEN+" holds a control character.")
	case mynumber.HoldsIndividual(s):
		return s, apperr.Invalid(field, name+"に個人番号のような数字は入力できません。",
			"The "+nameEN+" must not contain anything that looks like a My Number.")
	}
	return s, nil
}

// dedupe returns ids without repeats and without zeros, in first-seen order.
func dedupe(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// target is an employee's latest collection target.
type target struct {
	requestID  int64
	employeeID int64
	code       string
	status     Status
}

// employeeOfTx returns the employee a person belongs to (the person itself for an employee),
// checking that the person is of the company.
func employeeOfTx(tx *store.Tx, companyID, personID int64) (employeeID int64, err error) {
	var kind string
	var emp sql.NullInt64
	err = tx.QueryRow(`SELECT kind, employee_id FROM persons WHERE id = ? AND company_id = ?`, personID, companyID).Scan(&kind, &emp)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errNoPerson
	}
	if err != nil {
		return 0, fmt.Errorf("reading person %d: %w", personID, err)
	}
	if kind == "employee" {
		return personID, nil
	}
	return emp.Int64, nil
}

// latestTargetTx returns the employee's latest target; errUnrequested when there is none.
func latestTargetTx(tx *store.Tx, companyID, employeeID int64) (target, error) {
	t := target{employeeID: employeeID}
	err := tx.QueryRow(`SELECT employee_code FROM persons WHERE id = ? AND company_id = ? AND kind = 'employee'`,
		employeeID, companyID).Scan(&t.code)
	if errors.Is(err, sql.ErrNoRows) {
		return t, errNoPerson
	}
	if err != nil {
		return t, fmt.Errorf("reading employee %d: %w", employeeID, err)
	}
	err = tx.QueryRow(`SELECT request_id, status FROM collection_targets WHERE person_id = ?
		ORDER BY request_id DESC LIMIT 1`, employeeID).Scan(&t.requestID, &t.status)
	if errors.Is(err, sql.ErrNoRows) {
		return t, errUnrequested
	}
	if err != nil {
		return t, fmt.Errorf("reading collection target of person %d: %w", employeeID, err)
	}
	return t, nil
}

// setStatusTx moves a target to status to.
func setStatusTx(tx *store.Tx, t target, to Status) error {
	_, err := tx.Exec(`UPDATE collection_targets SET status = ?, updated_at = ? WHERE request_id = ? AND person_id = ?`,
		string(to), tx.NowText(), t.requestID, t.employeeID)
	if err != nil {
		return fmt.Errorf("updating collection target: %w", err)
	}
	return nil
}

// appendAudit appends an entry for principal p about a target.
func (s *Service) appendAudit(tx *store.Tx, p auth.Principal, action audit.Action, companyID int64, targetType string, targetID int64, detail string) error {
	e := p.Entry(action, audit.ResultOK)
	e.CompanyID, e.TargetType, e.TargetID, e.Detail = companyID, targetType, fmt.Sprint(targetID), detail
	_, err := s.Audit.Append(tx, e)
	return err
}
