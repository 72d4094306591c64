package dispose

import (
	"context"
	"errors"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/collect"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/terminal"
	"github.com/mynumber-shelter/shelter/app/vault"
)

var errSealed = apperr.New(apperr.CodeLocked, "", "画面がロックされています。パスワードを入力して再開してください。",
	"The session is locked. Enter your password to continue.")

// CertificateNumber is the certificate number of disposal id executed in year (the Japanese
// calendar year of execution): "MNS-2026-000123". It is unique because the id is.
func (s *Service) CertificateNumber(year int, id int64) string {
	prefix := s.CertificatePrefix
	if prefix == "" {
		prefix = "MNS"
	}
	return fmt.Sprintf("%s-%04d-%06d", prefix, year, id)
}

// Execute carries out an approved disposal (the 実施者 is p, a 責任者 or 担当者 of the company)
// in one transaction, then checkpoints the database. On a workstation that may not dispose
// (app/terminal, checked right after the role) it is refused with a forbidden error, recorded as
// a denied ActionDispose entry, and the disposal stays approved. Otherwise:
//
//   - shred: each person's number and document images are deleted and their key destroyed
//     (vault.ShredPerson, which also lists it on the shred list of both files);
//   - mask_number: each person's number and the images of documents that show it are deleted,
//     the other images are sealed again under a new person key, and the old key is destroyed
//     (vault.CompanyKey.RotatePerson).
//
// It records the execution (実施者, date, certificate number) and one ActionDispose entry per
// person and one for the disposal. keys are the session's unlocked keys (mask_number needs the
// company key). After the commit the write-ahead logs are emptied (store.DB.Checkpoint) so that
// no earlier version of a page with a destroyed key stays in a -wal file; if a reader holds them,
// the disposal is returned with [ErrCheckpointPending].
func (s *Service) Execute(ctx context.Context, p auth.Principal, keys *vault.Keys, id int64) (Disposal, error) {
	var out Disposal
	if keys == nil {
		return out, errSealed
	}
	var refused error
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		d, err := getTx(tx, id)
		if err != nil {
			return err
		}
		if err := requireHandling(tx, p, d.CompanyID); err != nil {
			return err
		}
		if err := terminal.Require(tx, terminal.RightDispose); err != nil {
			if errors.Is(err, terminal.ErrNotOnThisTerminal) {
				refused = err
				e := p.Entry(audit.ActionDispose, audit.ResultDenied)
				e.CompanyID, e.TargetType, e.TargetID = d.CompanyID, "disposal", fmt.Sprint(id)
				e.Detail = "disposal refused: not permitted on this terminal"
				_, err = s.Audit.Append(tx, e)
			}
			return err
		}
		if d.Status != StatusApproved {
			return stateError(d.Status)
		}
		year := japanDate(tx.Now).Year()
		certNo := s.CertificateNumber(year, id)
		var ck *vault.CompanyKey
		if d.Method == MethodMaskNumber {
			if ck, err = keys.Company(tx, d.CompanyID); err != nil {
				return err
			}
			defer ck.Close()
		}
		for _, it := range d.Items {
			if d.Method == MethodShred {
				err = shredPerson(tx, it.PersonID)
			} else {
				err = maskNumber(tx, ck, it.PersonID)
			}
			if err != nil {
				return err
			}
			e := p.Entry(audit.ActionDispose, audit.ResultOK)
			e.CompanyID, e.TargetType, e.TargetID = d.CompanyID, "person", fmt.Sprint(it.PersonID)
			e.Detail = fmt.Sprintf("my number disposed (%s) by disposal %d, certificate %s", d.Method, id, certNo)
			if _, err := s.Audit.Append(tx, e); err != nil {
				return err
			}
		}
		_, err = tx.Exec(`UPDATE disposals SET status = ?, executed_by = ?, executed_at = ?, certificate_no = ? WHERE id = ? AND status = ?`,
			StatusExecuted, p.UserID, tx.NowText(), certNo, id, StatusApproved)
		if err != nil {
			return fmt.Errorf("recording disposal %d: %w", id, err)
		}
		if err := s.audit(tx, p, d.CompanyID, id, fmt.Sprintf("disposal executed: %d persons, method %s, certificate %s", len(d.Items), d.Method, certNo)); err != nil {
			return err
		}
		out, err = getTx(tx, id)
		return err
	})
	if err != nil {
		return Disposal{}, err
	}
	if refused != nil {
		return Disposal{}, refused
	}
	if err := s.DB.Checkpoint(ctx); err != nil {
		return out, fmt.Errorf("%w: %w", ErrCheckpointPending, err)
	}
	return out, nil
}

// shredPerson deletes the person's number and documents and destroys their key. A person
// without a key (already shredded) has nothing left to destroy.
func shredPerson(tx *store.Tx, personID int64) error {
	for _, q := range []string{`DELETE FROM person_numbers WHERE person_id = ?`, `DELETE FROM person_documents WHERE person_id = ?`} {
		if _, err := tx.Exec(q, personID); err != nil {
			return fmt.Errorf("deleting ciphertext of person %d: %w", personID, err)
		}
	}
	if err := vault.ShredPerson(tx, personID); err != nil && !errors.Is(err, vault.ErrShredded) {
		return err
	}
	return nil
}

// keepsNumberFree reports whether an image of a document of kind can be kept when only the
// number is deleted: a known kind that serves 身元確認 only and never shows the number.
func keepsNumberFree(kind string) bool {
	info, ok := collect.DocKind(kind).Info()
	return ok && !info.Use.Number && !info.Use.Refused
}

// maskNumber deletes the person's number and the images that show it, seals the other images
// again under a new person key and destroys the old key.
func maskNumber(tx *store.Tx, ck *vault.CompanyKey, personID int64) error {
	if _, err := tx.Exec(`DELETE FROM person_numbers WHERE person_id = ?`, personID); err != nil {
		return fmt.Errorf("deleting number of person %d: %w", personID, err)
	}
	type doc struct {
		id   int64
		kind string
		ct   []byte
	}
	var docs []doc
	rows, err := tx.Query(`SELECT id, kind, ciphertext FROM person_documents WHERE person_id = ? ORDER BY id`, personID)
	if err != nil {
		return fmt.Errorf("reading documents of person %d: %w", personID, err)
	}
	for rows.Next() {
		var d doc
		if err := rows.Scan(&d.id, &d.kind, &d.ct); err != nil {
			rows.Close()
			return err
		}
		docs = append(docs, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	err = ck.RotatePerson(tx, personID, func(old, next *vault.PersonKey) error {
		for _, d := range docs {
			if !keepsNumberFree(d.kind) {
				if _, err := tx.Exec(`DELETE FROM person_documents WHERE id = ?`, d.id); err != nil {
					return fmt.Errorf("deleting document %d: %w", d.id, err)
				}
				continue
			}
			pt, err := old.Open(collect.DocumentAAD(d.id), d.ct)
			if err != nil {
				return fmt.Errorf("opening document %d: %w", d.id, err)
			}
			ct, err := next.Seal(collect.DocumentAAD(d.id), pt)
			clear(pt)
			if err != nil {
				return fmt.Errorf("sealing document %d: %w", d.id, err)
			}
			if _, err := tx.Exec(`UPDATE person_documents SET ciphertext = ? WHERE id = ?`, ct, d.id); err != nil {
				return fmt.Errorf("writing document %d: %w", d.id, err)
			}
		}
		return nil
	})
	if errors.Is(err, vault.ErrShredded) {
		// No key: nothing sealed for the person can be opened anyway; delete what is left.
		_, err = tx.Exec(`DELETE FROM person_documents WHERE person_id = ?`, personID)
	}
	return err
}
