package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// Image limits.
const (
	// MaxImageSize is the largest image of one document, in bytes.
	MaxImageSize = 10 << 20
	// MaxImages is the most images one check may carry.
	MaxImages = 8
)

// Content types accepted for images; the bytes must match (sniffed, not trusted).
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypePDF  = "application/pdf"
)

// Image is a picture (or PDF scan) of one document seen in a check.
type Image struct {
	Kind        DocKind
	ContentType string
	Data        []byte
}

// Check is the input of [Service.RecordCheck].
type Check struct {
	Submission
	// SendBack records the check as 差戻し with Reason instead of accepting it; the documents
	// seen are recorded, the images are not kept (a rejected submission's copies are not
	// needed), and the employee's target becomes 差戻し.
	SendBack bool
	Reason   string
}

// CheckResult is what [Service.RecordCheck] recorded.
type CheckResult struct {
	CheckID int64
	// Status is the employee's target status afterwards.
	Status Status
	// DocumentIDs are the person_documents rows of the images, in input order.
	DocumentIDs []int64
}

// ProblemsError is returned by RecordCheck when a check to be accepted breaks the rules. It
// is user-safe (apperr-style code "check_failed") and lists every problem.
type ProblemsError struct{ Problems []Problem }

// CodeCheckFailed is the code of a [*ProblemsError].
const CodeCheckFailed = "check_failed"

func (e *ProblemsError) Error() string {
	if len(e.Problems) == 0 {
		return CodeCheckFailed
	}
	return CodeCheckFailed + ": " + e.Problems[0].EN
}

// DocumentAAD is where the ciphertext of a document image is stored: person_documents / row
// id / "content", sealed under the person key.
func DocumentAAD(documentID int64) vault.AAD {
	return vault.AAD{Table: "person_documents", RowID: documentID, Column: "content"}
}

// checkImages refuses too many, too large, empty or mistyped images.
func checkImages(images []Image) error {
	if len(images) > MaxImages {
		return apperr.Invalid("images", fmt.Sprintf("画像は%d枚までです。", MaxImages), fmt.Sprintf("At most %d images.", MaxImages))
	}
	for _, im := range images {
		if len(im.Data) == 0 || len(im.Data) > MaxImageSize {
			return apperr.Invalid("images", fmt.Sprintf("画像は1枚%dMBまでです。", MaxImageSize>>20),
				fmt.Sprintf("Each image may be at most %d MB.", MaxImageSize>>20))
		}
		sniffed := http.DetectContentType(im.Data)
		if im.ContentType != TypeJPEG && im.ContentType != TypePNG && im.ContentType != TypePDF || sniffed != im.ContentType {
			return apperr.Invalid("images", "画像は JPEG・PNG・PDF のいずれかにしてください。", "Images must be JPEG, PNG or PDF.")
		}
	}
	return nil
}

// RecordCheck is STEP2 for one person (the employee or a dependent): it checks c with
// [Evaluate] (a check to be accepted must have no problem: [*ProblemsError]), records it with
// the channel, the documents, the flags, who checked and when, and seals every image at once
// under the person's key (AAD person_documents/<id>/content) in the same transaction.
//
// The employee's target moves on: an accepted check of the employee makes it 確認済 (it stays
// 登録済 when already registered); a sent-back check of anyone in the family makes it 差戻し.
// An accepted check of a dependent leaves it as it is. The person must belong to an employee
// who was asked (a target exists).
func (s *Service) RecordCheck(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID, personID int64, c Check, images []Image) (CheckResult, error) {
	var out CheckResult
	c, images, err := prepareCheck(c, images)
	if err != nil {
		return out, err
	}
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		out, err = s.recordCheckTx(tx, p, keys, companyID, personID, c, images)
		return err
	})
	if err != nil {
		return CheckResult{}, err
	}
	return out, nil
}

// prepareCheck validates a check before any write: the reason of a send-back (which drops the
// images), or the images and [Evaluate]'s rules of an accepted check; the channel and the
// document kinds.
func prepareCheck(c Check, images []Image) (Check, []Image, error) {
	if c.SendBack {
		reason, err := cleanText("reason", "差戻しの理由", "reason", c.Reason, MaxReasonLen, true)
		if err != nil {
			return c, nil, err
		}
		c.Reason, images = reason, nil
	} else {
		if err := checkImages(images); err != nil {
			return c, nil, err
		}
		c.ImageKinds = c.ImageKinds[:0:0]
		for _, im := range images {
			c.ImageKinds = append(c.ImageKinds, im.Kind)
		}
		if ps := Evaluate(c.Submission); len(ps) > 0 {
			return c, nil, &ProblemsError{Problems: ps}
		}
		c.Reason = ""
	}
	if !c.Channel.Valid() {
		return c, nil, apperr.Invalid("channel", "確認の方法を選んでください。", "Choose how the documents were received.")
	}
	for _, k := range append([]DocKind{c.NumberDoc}, c.IdentityDocs...) {
		if _, ok := k.Info(); !ok && k != "" {
			return c, nil, apperr.Invalid("identityDocs", "書類の種類が正しくありません。", "Unknown document kind.")
		}
	}
	return c, images, nil
}

// recordCheckTx is [Service.RecordCheck] inside tx, for a check prepareCheck returned.
func (s *Service) recordCheckTx(tx *store.Tx, p auth.Principal, keys *vault.Keys, companyID, personID int64, c Check, images []Image) (CheckResult, error) {
	var out CheckResult
	err := func() error {
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
		to := t.status
		switch {
		case c.SendBack:
			var ok bool
			if to, ok = next(opSendBack, t.status); !ok {
				return statusErr(t.status, "差し戻せません", "cannot send back")
			}
		case personID == employeeID:
			var ok bool
			if to, ok = next(opCheckOK, t.status); !ok {
				return statusErr(t.status, "本人確認を記録できません", "cannot record a check")
			}
		}
		ids, _ := json.Marshal(c.IdentityDocs)
		if c.IdentityDocs == nil {
			ids = []byte("[]")
		}
		flags, _ := json.Marshal(c.flags())
		result := "ok"
		if c.SendBack {
			result = "returned"
		}
		res, err := tx.Exec(`INSERT INTO identity_checks(person_id, channel, number_doc, identity_docs, flags, result, reason,
			checked_by, checked_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			personID, string(c.Channel), string(c.NumberDoc), string(ids), string(flags), result, c.Reason, p.UserID, tx.NowText())
		if err != nil {
			return fmt.Errorf("writing identity check: %w", err)
		}
		if out.CheckID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("writing identity check: %w", err)
		}
		if out.DocumentIDs, err = sealImagesTx(tx, keys, companyID, personID, out.CheckID, p.UserID, images); err != nil {
			return err
		}
		if c.SendBack {
			if _, err := s.returnTx(tx, companyID, t, c.Reason); err != nil {
				return err
			}
		} else if to != t.status {
			if err := setStatusTx(tx, t, to); err != nil {
				return err
			}
		}
		out.Status = to
		detail := fmt.Sprintf("identity check %d recorded; channel=%s result=%s images=%d; collection status %s → %s",
			out.CheckID, c.Channel, result, len(images), t.status, to)
		if c.SendBack {
			detail += "; reason: " + audit.Redact(c.Reason)
		}
		return s.appendAudit(tx, p, audit.ActionRegister, companyID, "person", personID, detail)
	}()
	if err != nil {
		return CheckResult{}, err
	}
	return out, nil
}

// sealImagesTx stores each image sealed under the person's key and returns the row ids.
func sealImagesTx(tx *store.Tx, keys *vault.Keys, companyID, personID, checkID, userID int64, images []Image) ([]int64, error) {
	if len(images) == 0 {
		return nil, nil
	}
	ck, err := keys.Company(tx, companyID)
	if err != nil {
		return nil, err
	}
	defer ck.Close()
	pk, err := ck.Person(tx, personID)
	if errors.Is(err, vault.ErrShredded) {
		return nil, roster.ErrDisposed
	}
	if err != nil {
		return nil, fmt.Errorf("opening person key: %w", err)
	}
	defer pk.Close()
	ids := make([]int64, 0, len(images))
	for _, im := range images {
		// The row is written first (empty ciphertext) so that its id is in the AAD.
		res, err := tx.Exec(`INSERT INTO person_documents(person_id, check_id, kind, content_type, size, ciphertext, created_at, created_by)
			VALUES(?, ?, ?, ?, ?, x'', ?, ?)`, personID, checkID, string(im.Kind), im.ContentType, len(im.Data), tx.NowText(), userID)
		if err != nil {
			return nil, fmt.Errorf("writing document: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return nil, fmt.Errorf("writing document: %w", err)
		}
		ct, err := pk.Seal(DocumentAAD(id), im.Data)
		if err != nil {
			return nil, fmt.Errorf("sealing document %d: %w", id, err)
		}
		if _, err := tx.Exec(`UPDATE person_documents SET ciphertext = ? WHERE id = ?`, ct, id); err != nil {
			return nil, fmt.Errorf("writing document %d: %w", id, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
