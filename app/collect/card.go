package collect

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// CardCheckResult is what [Service.RecordCardCheck] recorded.
type CardCheckResult struct {
	CheckID int64
	// Status is the employee's target status afterwards.
	Status Status
	// Masked is the person's masked number ("**** **** 9018").
	Masked string
	// Changed is false when the person already had this number (nothing was rewritten).
	Changed bool
}

// RecordCardCheck is STEP2 and STEP3 at once for a My Number card read with the card reader:
// one card satisfies both 番号確認 and 身元確認 (channel [ICCard], number and identity
// document [MyNumberCard], no image), and the number read from the card is registered for the
// person. Both happen in ONE transaction: either the check and the number are recorded, or
// nothing is. number is the 12 digits the card returned (validated again here); the caller has
// checked the card's digests and compared its facts with the person's record.
//
// The rules are those of [Service.RecordCheck] and [Service.RegisterNumbers]: the person must
// belong to an employee who was asked; a number registered for another person fails with a
// [*DuplicateError]. The employee's target becomes 確認済, then 登録済 when the whole family
// has a number. Audited: the check (register), the number (register, by roster) and the status.
func (s *Service) RecordCardCheck(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID, personID int64, number string) (CardCheckResult, error) {
	var out CardCheckResult
	n, err := roster.ValidateNumber(number)
	if err != nil {
		return out, err
	}
	sub := Submission{Channel: ICCard, NumberDoc: MyNumberCard, IdentityDocs: []DocKind{MyNumberCard}}
	if ps := Evaluate(sub); len(ps) > 0 {
		return out, &ProblemsError{Problems: ps}
	}
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRole(tx, p, companyID); err != nil {
			return err
		}
		employeeID, err := employeeOfTx(tx, companyID, personID)
		if err != nil {
			return err
		}
		t, err := latestTargetTx(tx, companyID, employeeID)
		if err != nil {
			return err
		}
		status := t.status
		if personID == employeeID {
			var ok bool
			if status, ok = next(opCheckOK, t.status); !ok {
				return statusErr(t.status, "本人確認を記録できません", "cannot record a check")
			}
		}
		if _, ok := next(opRegister, status); !ok {
			return statusErr(status, "個人番号を登録できません（本人確認が済んでいません）", "the identity check is not done")
		}
		flags, _ := json.Marshal(sub.flags())
		res, err := tx.Exec(`INSERT INTO identity_checks(person_id, channel, number_doc, identity_docs, flags, result, reason,
			checked_by, checked_at) VALUES(?, ?, ?, ?, ?, 'ok', '', ?, ?)`,
			personID, string(ICCard), string(MyNumberCard), `["`+string(MyNumberCard)+`"]`, string(flags), p.UserID, tx.NowText())
		if err != nil {
			return fmt.Errorf("writing identity check: %w", err)
		}
		if out.CheckID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("writing identity check: %w", err)
		}
		if err := s.appendAudit(tx, p, audit.ActionRegister, companyID, "person", personID,
			fmt.Sprintf("identity check %d recorded; channel=%s result=ok images=0 (card read)", out.CheckID, ICCard)); err != nil {
			return err
		}
		ck, err := keys.Company(tx, companyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		if err := checkSubmittedTx(tx, ck, employeeID, personID, n); err != nil {
			return err // the card and the online submission disagree: record nothing
		}
		out.Changed, err = roster.SetNumberTx(tx, s.Audit, p, ck, personID, n, false)
		var dup *roster.DuplicateNumberError
		if errors.As(err, &dup) {
			return &DuplicateError{PersonID: personID, Other: dup}
		}
		if err != nil {
			return err
		}
		family, err := familyTx(tx, employeeID)
		if err != nil {
			return err
		}
		missing := 0
		for _, id := range family {
			masked, ok, err := roster.MaskedNumberTx(tx, ck, id)
			if err != nil {
				return err
			}
			if !ok {
				missing++
			}
			if id == personID {
				out.Masked = masked
			}
		}
		if missing == 0 {
			status = Registered
		}
		out.Status = status
		if status == t.status {
			return nil
		}
		if err := setStatusTx(tx, t, status); err != nil {
			return err
		}
		return s.appendAudit(tx, p, audit.ActionModify, companyID, "person", employeeID,
			fmt.Sprintf("collection status %s → %s; request %d", t.status, status, t.requestID))
	})
	if err != nil {
		return CardCheckResult{}, err
	}
	return out, nil
}

// ErrBirthMismatch is returned (by callers comparing a card with a record) when the birth date
// on the card differs from the person's record; nothing is written.
var ErrBirthMismatch = apperr.New(apperr.CodeConflict, "birthDate",
	"カードの生年月日が登録されている生年月日と一致しません。本人のカードか確認してください（何も記録していません）。",
	"The birth date on the card differs from the person's record. Check that it is their card (nothing was recorded).")

// CardHolder is what the record says of a person, to compare with a My Number card read.
type CardHolder struct {
	Name      string
	BirthDate string // YYYY-MM-DD, "" when unknown
}

// CardHolderOnRecord returns the record of person personID of company companyID for a card
// read (managers and handlers of the company).
func (s *Service) CardHolderOnRecord(ctx context.Context, p auth.Principal, companyID, personID int64) (CardHolder, error) {
	var h CardHolder
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		if err := auth.RequireCompanyRole(tx, p, companyID, auth.Manager, auth.Handler); err != nil {
			return err
		}
		err := tx.QueryRow(`SELECT name, birth_date FROM persons WHERE id = ? AND company_id = ?`, personID, companyID).
			Scan(&h.Name, &h.BirthDate)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.CodeNotFound, "", "従業員・扶養家族が見つかりません。", "Person not found.")
		}
		return err
	})
	return h, err
}

// RecordCardRefused records in the history that the card refused a read for person personID
// (a wrong or locked PIN: reason is the bridge's code; never the PIN).
func (s *Service) RecordCardRefused(ctx context.Context, p auth.Principal, companyID, personID int64, reason string) error {
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		e := p.Entry(audit.ActionRegister, audit.ResultDenied)
		e.CompanyID, e.TargetType, e.TargetID, e.Detail = companyID, "person", fmt.Sprint(personID), "card read refused by the card: "+reason
		_, err := s.Audit.Append(tx, e)
		return err
	})
}

// RecordRefusal records in the history that p was refused what on company companyID (not
// assigned to it): every refused 1-3 call leaves one entry, result denied.
func (s *Service) RecordRefusal(ctx context.Context, p auth.Principal, companyID int64, action audit.Action, what string) error {
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		e := p.Entry(action, audit.ResultDenied)
		e.CompanyID, e.TargetType, e.TargetID = companyID, "company", fmt.Sprint(companyID)
		e.Detail = "1-3 " + what + " refused: not assigned to the company"
		_, err := s.Audit.Append(tx, e)
		return err
	})
}

// CheckAccess checks that p may work on company companyID (its manager or handler) and, when
// personID is not 0, that the person is one of the company's.
func (s *Service) CheckAccess(ctx context.Context, p auth.Principal, companyID, personID int64) error {
	return s.DB.View(ctx, func(tx *store.Tx) error {
		if err := auth.RequireCompanyRole(tx, p, companyID, auth.Manager, auth.Handler); err != nil {
			return err
		}
		if personID == 0 {
			return nil
		}
		var one int
		err := tx.QueryRow(`SELECT 1 FROM persons WHERE id = ? AND company_id = ?`, personID, companyID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoPerson
		}
		return err
	})
}
