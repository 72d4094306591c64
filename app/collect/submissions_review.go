package collect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// SubmittedView is a pending online submission as 1-3 STEP2 shows it: numbers masked.
type SubmittedView struct {
	ID           int64
	EmployeeID   int64
	EmployeeCode string
	Name         string
	SubmittedAt  string
	ImportedAt   string
	Masked       string
	Dependents   []SubmittedDependent
	Images       []SubmittedImageInfo
	Acknowledged []string
}

// SubmittedDependent is a dependent of a [SubmittedView]; PersonID is the roster dependent
// with the same name (and birth date when both have one), 0 when none matches.
type SubmittedDependent struct {
	Name, Relation, BirthDate, Masked string
	PersonID                          int64
}

// SubmittedImageInfo describes one image (not its bytes).
type SubmittedImageInfo struct {
	Index       int
	Name        string
	ContentType string
	Size        int
}

// Submitted lists the company's pending online submissions (提出済, not yet checked), oldest
// first, with masked numbers. Viewing masked numbers is not a reveal and is not audited.
func (s *Service) Submitted(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID int64) ([]SubmittedView, error) {
	var out []SubmittedView
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireRole(tx, p, companyID); err != nil {
			return err
		}
		ck, err := keys.Company(tx, companyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		rows, err := tx.Query(`SELECT s.id, p.employee_code, p.name, s.imported_at FROM sync_submissions s
			JOIN persons p ON p.id = s.person_id WHERE s.company_id = ? AND s.state = 'pending' ORDER BY s.id`, companyID)
		if err != nil {
			return fmt.Errorf("reading submissions: %w", err)
		}
		for rows.Next() {
			var v SubmittedView
			if err := rows.Scan(&v.ID, &v.EmployeeCode, &v.Name, &v.ImportedAt); err != nil {
				rows.Close()
				return err
			}
			out = append(out, v)
		}
		rows.Close()
		for i := range out {
			v := &out[i]
			employeeID, _, pl, err := loadSubmissionTx(tx, ck, v.ID)
			if err != nil {
				return err
			}
			v.EmployeeID, v.SubmittedAt, v.Masked, v.Acknowledged = employeeID, pl.SubmittedAt, mynumber.Mask(pl.Self.Number), pl.Acknowledged
			matches, err := matchDependentsTx(tx, employeeID, pl.Dependents)
			if err != nil {
				return err
			}
			for j, d := range pl.Dependents {
				v.Dependents = append(v.Dependents, SubmittedDependent{Name: d.Name, Relation: d.Relation, BirthDate: d.BirthDate,
					Masked: mynumber.Mask(d.Number), PersonID: matches[j]})
			}
			for j, im := range pl.Images {
				v.Images = append(v.Images, SubmittedImageInfo{Index: j, Name: im.Name, ContentType: im.ContentType, Size: len(im.Data)})
			}
		}
		return nil
	})
	return out, err
}

// matchDependentsTx maps each submitted dependent to the roster dependent of the employee with
// the same name (NFKC, without spaces) and, when both are known, the same birth date.
func matchDependentsTx(tx *store.Tx, employeeID int64, ds []PayloadDependent) ([]int64, error) {
	key := func(s string) string { return strings.Join(strings.Fields(norm.NFKC.String(s)), "") }
	rows, err := tx.Query(`SELECT id, name, birth_date FROM persons WHERE employee_id = ? AND kind = 'dependent'`, employeeID)
	if err != nil {
		return nil, fmt.Errorf("reading dependents: %w", err)
	}
	defer rows.Close()
	type dep struct {
		id          int64
		name, birth string
	}
	var roster []dep
	for rows.Next() {
		var d dep
		if err := rows.Scan(&d.id, &d.name, &d.birth); err != nil {
			return nil, err
		}
		roster = append(roster, d)
	}
	out := make([]int64, len(ds))
	for i, d := range ds {
		for _, r := range roster {
			if key(r.name) == key(d.Name) && (r.birth == "" || d.BirthDate == "" || r.birth == d.BirthDate) {
				out[i] = r.id
				break
			}
		}
	}
	return out, rows.Err()
}

// SubmittedImage returns one image of a submission for preview. Audited as a view of the
// employee's documents.
func (s *Service) SubmittedImage(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID, submissionID int64, index int) (Image, error) {
	var out Image
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRole(tx, p, companyID); err != nil {
			return err
		}
		ck, err := keys.Company(tx, companyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		employeeID, _, pl, err := loadSubmissionTx(tx, ck, submissionID)
		if err != nil {
			return err
		}
		if index < 0 || index >= len(pl.Images) {
			return apperr.New(apperr.CodeNotFound, "", "画像が見つかりません。", "Image not found.")
		}
		out = Image{ContentType: pl.Images[index].ContentType, Data: pl.Images[index].Data}
		return s.appendAudit(tx, p, audit.ActionView, companyID, "person", employeeID,
			fmt.Sprintf("online submission %d image %d viewed", submissionID, index))
	})
	return out, err
}

// Accept is the input of [Service.AcceptSubmission]: the documents the images show, as the
// handler judged them (one kind per image, in order).
type Accept struct {
	NumberDoc    DocKind
	IdentityDocs []DocKind
	ImageKinds   []DocKind
	// AcceptDuplicates are person ids whose duplicate-number warning the user confirmed.
	AcceptDuplicates []int64
}

// AcceptResult is what [Service.AcceptSubmission] recorded.
type AcceptResult struct {
	Check    CheckResult
	Register RegisterResult
	// Unmatched counts submitted dependents with no roster dependent of that name: their
	// numbers were not registered (add the dependent in 1-2 first).
	Unmatched int
}

// AcceptSubmission is 受付 of an online submission: the identity check of the employee
// (channel オンライン, the images sealed under the person key as documents) through
// [Service.RecordCheck], then the submitted numbers of the employee and the matched
// dependents through [Service.RegisterNumbers]. The submission is marked accepted with the
// check. All of it is one transaction: a check the rules refuse, a number refused or a
// duplicate not confirmed records nothing (never half-written).
func (s *Service) AcceptSubmission(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID, submissionID int64, a Accept) (AcceptResult, error) {
	var out AcceptResult
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		out = AcceptResult{}
		if err := requireRole(tx, p, companyID); err != nil {
			return err
		}
		ck, err := keys.Company(tx, companyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		employeeID, state, pl, err := loadSubmissionTx(tx, ck, submissionID)
		if err != nil {
			return err
		}
		if state != "pending" {
			return apperr.New(apperr.CodeConflict, "", "この提出は処理済みです。", "This submission was already handled.")
		}
		matches, err := matchDependentsTx(tx, employeeID, pl.Dependents)
		if err != nil {
			return err
		}
		if len(a.ImageKinds) != len(pl.Images) {
			return apperr.Invalid("images", "画像ごとに書類の種類を選んでください。", "Choose the document kind of every image.")
		}
		images := make([]Image, len(pl.Images))
		for i, im := range pl.Images {
			images[i] = Image{Kind: a.ImageKinds[i], ContentType: im.ContentType, Data: im.Data}
		}
		c, images, err := prepareCheck(Check{Submission: Submission{Channel: Online, NumberDoc: a.NumberDoc, IdentityDocs: a.IdentityDocs}}, images)
		if err != nil {
			return err
		}
		entries := []NumberEntry{{PersonID: employeeID, Number: pl.Self.Number}}
		for i, d := range pl.Dependents {
			if matches[i] == 0 {
				out.Unmatched++
				continue
			}
			entries = append(entries, NumberEntry{PersonID: matches[i], Number: d.Number})
		}
		clean, err := cleanEntries(entries)
		if err != nil {
			return err
		}
		if out.Check, err = s.recordCheckTx(tx, p, keys, companyID, employeeID, c, images); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE sync_submissions SET state = 'accepted' WHERE id = ? AND company_id = ?`, submissionID, companyID); err != nil {
			return fmt.Errorf("marking submission accepted: %w", err)
		}
		out.Register, err = s.registerNumbersTx(tx, p, keys, companyID, employeeID, clean, a.AcceptDuplicates)
		return err
	})
	if err != nil {
		return AcceptResult{}, err
	}
	return out, nil
}

// SendBackSubmission returns an online submission (差戻し) with a reason the employee sees at
// their next login: the employee becomes 差戻し, the submission is marked returned, and the
// relay is told (queued) so that the employee may submit again — in one transaction, through
// the same path as every other 差戻し.
func (s *Service) SendBackSubmission(ctx context.Context, p auth.Principal, companyID, submissionID int64, reason string) (Status, error) {
	reason, err := cleanText("reason", "差戻しの理由", "reason", reason, MaxReasonLen, true)
	if err != nil {
		return "", err
	}
	var to Status
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireRole(tx, p, companyID); err != nil {
			return err
		}
		var employeeID int64
		var state string
		err := tx.QueryRow(`SELECT person_id, state FROM sync_submissions WHERE id = ? AND company_id = ?`, submissionID, companyID).
			Scan(&employeeID, &state)
		if err != nil {
			return apperr.New(apperr.CodeNotFound, "", "提出が見つかりません。", "Submission not found.")
		}
		if state != "pending" {
			return apperr.New(apperr.CodeConflict, "", "この提出は処理済みです。", "This submission was already handled.")
		}
		t, err := latestTargetTx(tx, companyID, employeeID)
		if err != nil {
			return err
		}
		var ok bool
		if to, ok = next(opSendBack, t.status); !ok {
			return statusErr(t.status, "差し戻せません", "cannot send back")
		}
		if _, err := s.returnTx(tx, companyID, t, reason); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE sync_submissions SET state = 'returned' WHERE id = ?`, submissionID); err != nil {
			return fmt.Errorf("updating submission: %w", err)
		}
		return s.appendAudit(tx, p, audit.ActionModify, companyID, "person", employeeID,
			fmt.Sprintf("online submission %d sent back; collection status %s → %s; reason: %s", submissionID, t.status, to, audit.Redact(reason)))
	})
	return to, err
}

// ErrSubmittedMismatch: the number read from the card differs from the one the employee
// submitted online; nothing is recorded.
var ErrSubmittedMismatch = apperr.New(apperr.CodeConflict, "number",
	"カードの個人番号が、オンラインで提出された番号と一致しません。提出内容を確認してください（何も記録していません）。",
	"The number on the card differs from the one submitted online. Check the submission (nothing was recorded).")

// checkSubmittedTx compares number (12 digits) with the person's number in the employee's
// latest pending or accepted online submission, when there is one: ErrSubmittedMismatch when
// they differ. A dependent is compared when the submission names them.
func checkSubmittedTx(tx *store.Tx, ck *vault.CompanyKey, employeeID, personID int64, number string) error {
	var id int64
	err := tx.QueryRow(`SELECT id FROM sync_submissions WHERE person_id = ? AND state IN ('pending', 'accepted') ORDER BY id DESC LIMIT 1`,
		employeeID).Scan(&id)
	if err != nil {
		return nil // no submission (or none readable here): nothing to compare
	}
	_, _, pl, err := loadSubmissionTx(tx, ck, id)
	if errors.Is(err, vault.ErrShredded) {
		return nil
	}
	if err != nil {
		return err
	}
	want := ""
	if personID == employeeID {
		want = pl.Self.Number
	} else {
		matches, err := matchDependentsTx(tx, employeeID, pl.Dependents)
		if err != nil {
			return err
		}
		for i, m := range matches {
			if m == personID {
				want = pl.Dependents[i].Number
			}
		}
	}
	if want != "" && want != number {
		return ErrSubmittedMismatch
	}
	return nil
}
