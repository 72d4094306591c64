package use

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/terminal"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// DefaultHideAfter is how long a revealed number stays on screen, and the window in which a
// copy of it may be recorded.
const DefaultHideAfter = 30 * time.Second

// PurposeOther is the purpose code of "その他（理由を入力）": always offered, and only with a
// typed reason. Entries with this purpose are what 2-1 flags.
const PurposeOther = "OTHER"

// Limits of the reason typed for [PurposeOther], in characters.
const (
	MinReasonLen = 4
	MaxReasonLen = 200
)

// MaxStepUpFailures is how many wrong passwords in a row a bulk download accepts before the
// session is locked.
const MaxStepUpFailures = 5

// Service implements the 3-1 use cases. DB and Audit are required; Vault is needed for bulk
// downloads (re-entering the password).
type Service struct {
	DB    *store.DB
	Audit *audit.Log
	// Vault checks the password before a bulk download by unlocking the vault with it.
	Vault *vault.Vault
	// HideAfter is how long a revealed number is shown; zero means DefaultHideAfter.
	HideAfter time.Duration

	mu       sync.Mutex
	failures map[int64]int // wrong step-up passwords in a row, by user id
}

func (s *Service) hideAfter() time.Duration {
	if s.HideAfter > 0 {
		return s.HideAfter
	}
	return DefaultHideAfter
}

// Errors the caller may need to tell apart; all are user-safe.
var (
	// ErrPurposeNotNotified: the purpose was not notified to this person (番号法: a number may be
	// used only for the purposes notified when it was collected).
	ErrPurposeNotNotified = apperr.New("purpose_not_notified", "purpose",
		"この方には、選んだ利用目的が通知されていません。通知済みの利用目的を選ぶか、「その他」を選んで理由を入力してください。",
		"This purpose was not notified to this person. Choose a notified purpose, or choose Other and type a reason.")
	// ErrNoNumber: the person has no number registered (or it was disposed of).
	ErrNoNumber = apperr.New("no_number", "", "この方の個人番号は登録されていません。", "No My Number is registered for this person.")
	// ErrDisposed: the person's number was disposed of (crypto-shredded).
	ErrDisposed = apperr.New("disposed", "", "この方の個人番号は廃棄済みです。", "This person's My Number has been disposed of.")
	// ErrNotRevealed: a copy was recorded without a reveal of that person in the last HideAfter.
	ErrNotRevealed = apperr.New("not_revealed", "",
		"表示中の個人番号がありません。利用目的を選んで表示してからコピーしてください。",
		"No number is being shown. Reveal it with a purpose before copying.")

	errNoPerson = apperr.New(apperr.CodeNotFound, "", "従業員・扶養家族が見つかりません。", "Person not found.")
	errUnknown  = apperr.Invalid("purpose", "利用目的を選んでください。", "Choose a purpose.")
)

// requireUse allows the company's 事務取扱責任者 and 事務取扱担当者 only.
func requireUse(tx *store.Tx, p auth.Principal, companyID int64) error {
	return auth.RequireCompanyRole(tx, p, companyID, auth.Manager, auth.Handler)
}

// sessionKeys returns the session's unlocked keys, or the error for a locked session.
func sessionKeys(sess *auth.Session) (*vault.Keys, error) {
	if sess == nil {
		return nil, auth.ErrNotLoggedIn
	}
	k := sess.Keys()
	if k == nil {
		return nil, auth.ErrLocked
	}
	return k, nil
}

// personCompany returns the company of person id, or errNoPerson.
func personCompany(tx *store.Tx, id int64) (int64, error) {
	var c int64
	err := tx.QueryRow(`SELECT company_id FROM persons WHERE id = ?`, id).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errNoPerson
	}
	if err != nil {
		return 0, fmt.Errorf("reading person %d: %w", id, err)
	}
	return c, nil
}

// Purpose is one 利用目的 a number may be revealed for.
type Purpose struct {
	Code    string
	LabelJA string
	LabelEN string
	// NotifiedAt is when it was notified to the person (zero for [PurposeOther]).
	NotifiedAt time.Time
	// NeedsReason is true for [PurposeOther]: a reason must be typed.
	NeedsReason bool
}

// PurposesFor returns the purposes a number of person personID may be revealed for: the
// purposes notified to that person, in the purposes' display order, then [PurposeOther].
func (s *Service) PurposesFor(ctx context.Context, p auth.Principal, personID int64) ([]Purpose, error) {
	var out []Purpose
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		companyID, err := personCompany(tx, personID)
		if err != nil {
			return err
		}
		if err := requireUse(tx, p, companyID); err != nil {
			return err
		}
		out, err = purposesTx(tx, personID)
		return err
	})
	return out, err
}

func purposesTx(tx *store.Tx, personID int64) ([]Purpose, error) {
	rows, err := tx.Query(`SELECT p.code, p.label_ja, p.label_en, pp.notified_at FROM person_purposes pp
		JOIN purposes p ON p.code = pp.purpose_code
		WHERE pp.person_id = ? AND p.code <> ? ORDER BY p.sort, p.code`, personID, PurposeOther)
	if err != nil {
		return nil, fmt.Errorf("reading purposes: %w", err)
	}
	defer rows.Close()
	var out []Purpose
	for rows.Next() {
		var pu Purpose
		var at string
		if err := rows.Scan(&pu.Code, &pu.LabelJA, &pu.LabelEN, &at); err != nil {
			return nil, fmt.Errorf("reading purposes: %w", err)
		}
		pu.NotifiedAt, _ = store.ParseTime(at)
		out = append(out, pu)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	other := Purpose{Code: PurposeOther, LabelJA: "その他（理由を入力）", LabelEN: "Other (reason typed)", NeedsReason: true}
	err = tx.QueryRow(`SELECT label_ja, label_en FROM purposes WHERE code = ?`, PurposeOther).Scan(&other.LabelJA, &other.LabelEN)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("reading purposes: %w", err)
	}
	return append(out, other), nil
}

// purposeKnown reports whether code is a row of the purposes table.
func purposeKnown(tx *store.Tx, code string) (bool, error) {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM purposes WHERE code = ?`, code).Scan(&n); err != nil {
		return false, fmt.Errorf("reading purposes: %w", err)
	}
	return n > 0, nil
}

// checkReason validates the reason typed for PurposeOther and returns it trimmed.
func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	n := utf8.RuneCountInString(reason)
	if !utf8.ValidString(reason) || n < MinReasonLen {
		return "", apperr.Invalid("reason", fmt.Sprintf("「その他」を選んだときは、理由を%d文字以上で入力してください。", MinReasonLen),
			fmt.Sprintf("With Other, type a reason of at least %d characters.", MinReasonLen))
	}
	if n > MaxReasonLen {
		return "", apperr.Invalid("reason", fmt.Sprintf("理由は%d文字以内にしてください。", MaxReasonLen),
			fmt.Sprintf("The reason may be at most %d characters.", MaxReasonLen))
	}
	return reason, nil
}

// redactReason makes a typed reason safe for the history: when it holds twelve or more digits
// in all (a number typed in, perhaps split up), every digit is replaced by '#'; otherwise it
// goes through audit.Redact. Control characters become spaces.
func redactReason(s string) string {
	digits := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case digits >= mynumber.IndividualLen && unicode.IsDigit(r):
			return '#'
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, s)
	return audit.Redact(s)
}

// Revealed is a number shown to the user with a recorded purpose.
type Revealed struct {
	PersonID int64
	// Number is the 12 digits. Show it, never log it.
	Number string
	// Purpose is the purpose code recorded.
	Purpose string
	// RevealedAt is the time of the audit entry (UTC).
	RevealedAt time.Time
	// HideAfter is how long the number may stay on screen; HideAt = RevealedAt + HideAfter.
	HideAfter time.Duration
	HideAt    time.Time
	// EntryID is the audit entry that recorded the reveal.
	EntryID int64
}

// Reveal returns the My Number of person personID for purpose, and records the view
// (audit.ActionView with Purpose) in the same transaction: no number is returned unless the
// entry committed.
//
// purpose must be one notified to the person ([Service.PurposesFor]), else
// [ErrPurposeNotNotified] (recorded as a denied view); or [PurposeOther] with otherReason of
// [MinReasonLen] to [MaxReasonLen] characters, stored redacted in the entry's Detail. Other
// errors: not_found (no such person), forbidden (not the company's 責任者 / 担当者; recorded
// as denied), [ErrNoNumber], [ErrDisposed], invalid (unknown purpose, bad reason), and
// audit.ErrUnavailable when the history cannot be written.
func (s *Service) Reveal(ctx context.Context, sess *auth.Session, personID int64, purpose, otherReason string) (Revealed, error) {
	keys, err := sessionKeys(sess)
	if err != nil {
		return Revealed{}, err
	}
	purpose = strings.TrimSpace(purpose)
	if purpose == "" {
		return Revealed{}, errUnknown
	}
	var reason string
	if purpose == PurposeOther {
		if reason, err = checkReason(otherReason); err != nil {
			return Revealed{}, err
		}
	}
	var pt []byte
	defer func() { clear(pt) }()
	var out Revealed
	var refused error
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		// One statement reads what the rules need: the person's company, whether the purpose
		// exists and was notified to them, and the sealed number.
		var companyID int64
		var known, isNotified bool
		var ct []byte
		err := tx.QueryRow(`SELECT p.company_id, EXISTS(SELECT 1 FROM purposes WHERE code = ?2),
			EXISTS(SELECT 1 FROM person_purposes WHERE person_id = p.id AND purpose_code = ?2), n.ciphertext
			FROM persons p LEFT JOIN person_numbers n ON n.person_id = p.id AND n.company_id = p.company_id
			WHERE p.id = ?1`, personID, purpose).Scan(&companyID, &known, &isNotified, &ct)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoPerson
		}
		if err != nil {
			return fmt.Errorf("reading person %d: %w", personID, err)
		}
		deny := func(detail, purpose string, userErr error) error {
			refused = userErr
			e := sess.Entry(audit.ActionView, audit.ResultDenied)
			e.CompanyID, e.TargetType, e.TargetID, e.Purpose, e.Detail = companyID, "person", fmt.Sprint(personID), purpose, detail
			_, err := s.Audit.Append(tx, e)
			return err
		}
		if err := requireUse(tx, sess.Principal, companyID); err != nil {
			if apperr.HasCode(err, apperr.CodeForbidden) {
				return deny("reveal refused: not assigned to the company", "", err)
			}
			return err
		}
		if err := terminal.Require(tx, terminal.RightReveal); err != nil {
			if errors.Is(err, terminal.ErrNotOnThisTerminal) {
				code := purpose
				if !known {
					code = ""
				}
				return deny("reveal refused: not permitted on this terminal", code, err)
			}
			return err
		}
		switch {
		case !known:
			return errUnknown
		case purpose != PurposeOther && !isNotified:
			return deny("reveal refused: purpose not notified to this person", purpose, ErrPurposeNotNotified)
		case ct == nil:
			return ErrNoNumber
		}
		ck, err := keys.Company(tx, companyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		if pt, err = openSealed(tx, ck, personID, ct); err != nil {
			return err
		}
		e := sess.Entry(audit.ActionView, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID, e.Purpose = companyID, "person", fmt.Sprint(personID), purpose
		e.Detail = "my number revealed"
		if purpose == PurposeOther {
			e.Detail = "my number revealed; other reason: " + redactReason(reason)
		}
		stored, err := s.Audit.Append(tx, e)
		if err != nil {
			return err
		}
		out = Revealed{PersonID: personID, Purpose: purpose, RevealedAt: stored.Time, HideAfter: s.hideAfter(),
			HideAt: stored.Time.Add(s.hideAfter()), EntryID: stored.ID}
		return nil
	})
	if err != nil {
		return Revealed{}, err
	}
	if refused != nil {
		return Revealed{}, refused
	}
	out.Number = string(pt)
	return out, nil
}

// openSealed opens ciphertext ct of person personID with the company key.
func openSealed(tx *store.Tx, ck *vault.CompanyKey, personID int64, ct []byte) ([]byte, error) {
	pk, err := ck.Person(tx, personID)
	if errors.Is(err, vault.ErrShredded) {
		return nil, ErrDisposed
	}
	if err != nil {
		return nil, err
	}
	defer pk.Close()
	pt, err := pk.Open(roster.NumberAAD(personID), ct)
	if err != nil {
		return nil, fmt.Errorf("opening number of person %d: %w", personID, err)
	}
	return pt, nil
}

// RecordCopy records that the user copied the number of person personID (the frontend calls it
// when the user copies a revealed number). It is accepted only within HideAfter of a reveal of
// that person by the same user ([ErrNotRevealed] otherwise) and is written as audit.ActionExport
// (target person, detail "copied to clipboard") with that reveal's purpose.
func (s *Service) RecordCopy(ctx context.Context, p auth.Principal, personID int64) error {
	var refused error
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		companyID, err := personCompany(tx, personID)
		if err != nil {
			return err
		}
		if err := requireUse(tx, p, companyID); err != nil {
			return err
		}
		// A copy shows nothing new but takes the number out (持出し): it needs both rights.
		for _, right := range []terminal.Right{terminal.RightDownload, terminal.RightReveal} {
			if err := terminal.Require(tx, right); err != nil {
				if errors.Is(err, terminal.ErrNotOnThisTerminal) {
					refused = err
					e := p.Entry(audit.ActionExport, audit.ResultDenied)
					e.CompanyID, e.TargetType, e.TargetID = companyID, "person", fmt.Sprint(personID)
					e.Detail = "copy refused: not permitted on this terminal"
					_, err = s.Audit.Append(tx, e)
				}
				return err
			}
		}
		views, err := audit.Query(tx, audit.Filter{UserID: p.UserID, Actions: []audit.Action{audit.ActionView},
			TargetType: "person", TargetID: fmt.Sprint(personID), Result: audit.ResultOK,
			From: tx.Now.Add(-s.hideAfter()), Limit: 1})
		if err != nil {
			return err
		}
		if len(views) == 0 {
			return ErrNotRevealed
		}
		e := p.Entry(audit.ActionExport, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID, e.Purpose = companyID, "person", fmt.Sprint(personID), views[0].Purpose
		e.Detail = fmt.Sprintf("copied to clipboard; revealed in entry %d", views[0].ID)
		_, err = s.Audit.Append(tx, e)
		return err
	})
	if err != nil {
		return err
	}
	return refused
}

// Corporate is a client company's 法人番号 (public).
type Corporate struct {
	CompanyID   int64
	CompanyName string
	// Number is the 13 digits, or "" when none is registered.
	Number string
}

// CorporateNumber returns the company's 法人番号 to its 責任者 / 担当者. No purpose is needed
// (法人番号 are public), but a view of a registered number is recorded (audit.ActionView,
// target company, no purpose).
func (s *Service) CorporateNumber(ctx context.Context, p auth.Principal, companyID int64) (Corporate, error) {
	out := Corporate{CompanyID: companyID}
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireUse(tx, p, companyID); err != nil {
			return err
		}
		c, err := roster.CompanyTx(tx, companyID)
		if err != nil {
			return err
		}
		out.CompanyName, out.Number = c.Name, c.CorporateNumber
		if out.Number == "" {
			return nil
		}
		e := p.Entry(audit.ActionView, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID, e.Detail = companyID, "company", fmt.Sprint(companyID), "corporate number viewed"
		_, err = s.Audit.Append(tx, e)
		return err
	})
	if err != nil {
		return Corporate{CompanyID: companyID}, err
	}
	return out, nil
}
