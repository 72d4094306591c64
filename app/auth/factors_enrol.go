package auth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/jpkiauth"
)

// Proof is what a device answered for a factor check or an enrolment. The caller (app/ui) gets
// it from the shelter-bridge; this package decides whether it proves the factor. Only the fields
// of Kind are read.
type Proof struct {
	Kind FactorKind
	// CardUID is the staff card's UID as read (FactorCard).
	CardUID []byte
	// Challenge is the one from [Service.FactorChallenge]; Signature and Certificate (DER) are the
	// card's answer (FactorJPKI).
	Challenge, Signature, Certificate []byte
	// VeinSensor is the sensor's serial, VeinTemplate the template id it verified (or enrolled),
	// VeinMatch its verdict (FactorVein). The sensor compares; the app trusts its local bridge.
	VeinSensor, VeinTemplate string
	VeinMatch                bool
}

// check compares p with the enrolled factor f. It returns a short reason for the history when
// p does not prove f (never device data), "" when it does. An *apperr.Error is a setup problem
// (no trust anchors) that must not count as a failed attempt.
func (s *Service) check(tx *store.Tx, keys *vault.Keys, f Factor, p Proof, challenge []byte) (string, error) {
	if p.Kind != f.Kind {
		return "proof of another kind of factor", nil
	}
	switch f.Kind {
	case FactorCard:
		if len(p.CardUID) == 0 {
			return "no card UID", nil
		}
		if keys == nil {
			return "", ErrLocked
		}
		mac, err := keys.FactorMAC(string(FactorCard), p.CardUID)
		if err != nil {
			return "", err
		}
		if !hmac.Equal(mac, f.matchKey) {
			return "not the enrolled card", nil
		}
	case FactorJPKI:
		cert, reason, err := checkJPKI(tx, p, challenge)
		if err != nil || reason != "" {
			return reason, err
		}
		sum := sha256.Sum256(cert.Raw)
		if !hmac.Equal(sum[:], f.matchKey) {
			return "not the enrolled certificate", nil
		}
	case FactorVein:
		switch {
		case !p.VeinMatch:
			return "vein did not match", nil
		case p.VeinSensor != f.VeinSensor || p.VeinTemplate != f.VeinTemplate:
			return "not the enrolled template", nil
		}
	}
	return "", nil
}

// checkJPKI verifies a JPKI answer: the challenge is the session's fresh one, the certificate
// chains to the office's trust anchors and is within its dates, and it verifies the signature.
func checkJPKI(tx *store.Tx, p Proof, challenge []byte) (*x509.Certificate, string, error) {
	if len(challenge) == 0 || !bytes.Equal(challenge, p.Challenge) {
		return nil, "challenge missing, stale or reused", nil
	}
	cert, err := x509.ParseCertificate(p.Certificate)
	if err != nil {
		return nil, "certificate unreadable", nil
	}
	roots, err := trustPool(tx)
	if err != nil {
		return nil, "", err
	}
	now := tx.Now
	v := jpkiauth.Verifier{Roots: roots, Now: func() time.Time { return now }}
	err = v.Verify(&jpkiauth.Response{Certificate: cert, Signature: p.Signature}, challenge)
	switch {
	case errors.Is(err, jpkiauth.ErrUntrusted):
		return nil, "certificate not trusted (chain or dates)", nil
	case errors.Is(err, jpkiauth.ErrSignature):
		return nil, "signature does not verify", nil
	case err != nil:
		return nil, "signature check failed", nil
	}
	return cert, "", nil
}

// refusal is the user-safe error for a proof that did not match.
func refusal(k FactorKind) error {
	switch k {
	case FactorCard:
		return apperr.New("factor_refused", "", "登録されている職員証ではありません。", "This is not an enrolled staff card.")
	case FactorJPKI:
		return apperr.New("factor_refused", "", "マイナンバーカードの署名または証明書を確認できませんでした（登録したカードか、証明書の有効期限を確認してください）。",
			"The My Number card's signature or certificate could not be verified (is it the enrolled card? is the certificate valid?).")
	case FactorVein:
		return apperr.New("factor_refused", "", "静脈が一致しませんでした。もう一度手をかざしてください。", "The vein did not match. Hold your hand over the sensor again.")
	}
	return errFactorRefused
}

var errWrongPassword = apperr.New(apperr.CodeBadCredentials, "password", "パスワードが違います。", "The password is incorrect.")

// EnrolFactor adds a second factor for the session's own user after checking their password
// (which counts towards the lockout when wrong). It works in a ready session and at the login's
// enrolment step ([Session.FactorStep] "enrol", before a pending password change), which it
// completes. label is optional (the
// kind's name by default). p must prove the factor: a card UID; a JPKI signature over the
// session's challenge by a certificate under the trust anchors; a vein template just enrolled on
// the sensor (VeinMatch true). A factor already enrolled by anyone is refused (code "conflict",
// without saying whose). The history records the kind and label, never device data.
func (s *Service) EnrolFactor(ctx context.Context, sess *Session, password, label string, p Proof) (Factor, error) {
	var f Factor
	now := s.DB.Now()
	if err := sess.Check(now); err != nil {
		return f, err
	}
	step := sess.FactorStep()
	if step == stepFactor {
		return f, ErrFactorRequired
	}
	keys := sess.Keys()
	if keys == nil {
		return f, ErrLocked
	}
	if !p.Kind.valid() {
		return f, apperr.Invalid("kind", "認証要素の種類が正しくありません。", "Unknown kind of factor.")
	}
	label = strings.TrimSpace(label)
	if label == "" {
		label = p.Kind.label()
	}
	if utf8.RuneCountInString(label) > 40 || audit.Redact(label) != label {
		return f, apperr.Invalid("label", "名前は40文字以内で、12桁以上の数字を含めないでください。", "Use at most 40 characters and no run of 12 or more digits.")
	}
	challenge := sess.takeChallenge(now)
	var userErr error
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		u, err := userByID(tx, sess.UserID)
		if err != nil {
			return err
		}
		if tx.Now.Before(u.LockedUntil) {
			userErr = errAccountLocked
			return nil
		}
		deny := func(detail string, e error) error {
			userErr = e
			a := sess.Entry(audit.ActionUserUpdate, audit.ResultDenied)
			a.TargetType, a.TargetID, a.Detail = "user", fmt.Sprint(u.ID), "second factor enrolment refused: "+detail
			_, err := s.Audit.Append(tx, a)
			return err
		}
		check, err := s.Vault.Unlock(tx, u.ID, password)
		if errors.Is(err, vault.ErrWrongPassword) {
			if err := s.recordFailure(tx, u, s.policy()); err != nil {
				return err
			}
			return deny("wrong password", errWrongPassword)
		}
		if err != nil {
			return fmt.Errorf("checking password: %w", err)
		}
		check.Close()
		if _, err := tx.Exec(`UPDATE users SET failed_count = 0, locked_until = '' WHERE id = ?`, u.ID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM user_factors WHERE user_id = ?`, u.ID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxFactors {
			return deny("too many factors", apperr.New(apperr.CodeConflict, "", fmt.Sprintf("認証要素は%d個まで登録できます。", MaxFactors),
				fmt.Sprintf("At most %d factors can be enrolled.", MaxFactors)))
		}
		f = Factor{UserID: u.ID, Kind: p.Kind, Label: label, Created: tx.Now}
		switch p.Kind {
		case FactorCard:
			if len(p.CardUID) < 4 || len(p.CardUID) > 16 {
				return deny("card UID of an unexpected length", apperr.Invalid("", "カードの識別番号（UID）を読み取れませんでした。", "The card's UID could not be read."))
			}
			if f.matchKey, err = keys.FactorMAC(string(FactorCard), p.CardUID); err != nil {
				return err
			}
		case FactorJPKI:
			cert, reason, err := checkJPKI(tx, p, challenge)
			if err != nil {
				userErr = err
				return nil
			}
			if reason != "" {
				return deny(reason, refusal(FactorJPKI))
			}
			sum := sha256.Sum256(cert.Raw)
			f.matchKey, f.JPKISubject, f.JPKINotAfter = sum[:], audit.Redact(cert.Subject.CommonName), cert.NotAfter.UTC()
		case FactorVein:
			if p.VeinSensor == "" || p.VeinTemplate == "" || !p.VeinMatch {
				return deny("no template", apperr.Invalid("", "静脈の登録が完了していません。", "The vein enrolment did not complete."))
			}
			f.VeinSensor, f.VeinTemplate = p.VeinSensor, p.VeinTemplate
			f.matchKey = []byte(p.VeinSensor + "/" + p.VeinTemplate)
		}
		var taken int
		if err := tx.QueryRow(`SELECT count(*) FROM user_factors WHERE kind = ? AND match_key = ?`, f.Kind, f.matchKey).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return deny("already enrolled", apperr.New(apperr.CodeConflict, "", "この認証要素は既に登録されています。", "This factor is already enrolled."))
		}
		res, err := tx.Exec(`INSERT INTO user_factors(user_id, kind, label, match_key, vein_sensor, vein_template, jpki_subject, jpki_not_after, created_at)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)`, f.UserID, f.Kind, f.Label, f.matchKey, f.VeinSensor, f.VeinTemplate, f.JPKISubject,
			store.FormatTime(f.JPKINotAfter), tx.NowText())
		if err != nil {
			return fmt.Errorf("writing factor: %w", err)
		}
		f.ID, _ = res.LastInsertId()
		if f.Kind == FactorJPKI {
			f.JPKIFingerprint = fmt.Sprintf("%x", f.matchKey)
		}
		a := sess.Entry(audit.ActionUserUpdate, audit.ResultOK)
		a.TargetType, a.TargetID = "user", fmt.Sprint(u.ID)
		a.Detail = fmt.Sprintf("second factor added: %s %q (#%d)", f.Kind, f.Label, f.ID)
		_, err = s.Audit.Append(tx, a)
		return err
	})
	if err != nil {
		return Factor{}, err
	}
	if userErr != nil {
		return Factor{}, userErr
	}
	if step == stepEnrol {
		sess.completeFactorStep(now)
		s.startSessionKey(ctx, sess)
	}
	return f, nil
}

var errAccountLocked = apperr.New("account_locked", "", "アカウントが一時的にロックされています。しばらくしてからお試しいただくか、管理者にロック解除を依頼してください。",
	"The account is temporarily locked. Try again later or ask an administrator to unlock it.")

// RemoveFactor deletes a factor after checking the session user's password. A user removes their
// own (not the last one while the office requires a factor: enrol another first); an
// administrator may remove any user's (a lost card), never add one; that user must then enrol
// at their next login if the office requires a factor. It returns the removed factor, so that
// the caller can delete a vein template from the sensor.
func (s *Service) RemoveFactor(ctx context.Context, sess *Session, password string, factorID int64) (Factor, error) {
	var f Factor
	if err := sess.CheckReady(s.DB.Now()); err != nil {
		return f, err
	}
	var userErr error
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if f, err = factorByID(tx, factorID); err != nil {
			return err
		}
		if f.UserID != sess.UserID {
			if err := RequireAdmin(sess.Principal); err != nil {
				return errFactorGone
			}
		}
		actor, err := userByID(tx, sess.UserID)
		if err != nil {
			return err
		}
		check, err := s.Vault.Unlock(tx, actor.ID, password)
		if errors.Is(err, vault.ErrWrongPassword) {
			if err := s.recordFailure(tx, actor, s.policy()); err != nil {
				return err
			}
			userErr = errWrongPassword
			a := sess.Entry(audit.ActionUserUpdate, audit.ResultDenied)
			a.TargetType, a.TargetID, a.Detail = "user", fmt.Sprint(f.UserID), "second factor removal refused: wrong password"
			_, err := s.Audit.Append(tx, a)
			return err
		}
		if err != nil {
			return fmt.Errorf("checking password: %w", err)
		}
		check.Close()
		if f.UserID == sess.UserID {
			pol, err := s.factorPolicy(tx)
			if err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(`SELECT count(*) FROM user_factors WHERE user_id = ?`, f.UserID).Scan(&n); err != nil {
				return err
			}
			if pol == FactorRequired && n <= 1 {
				userErr = apperr.New(apperr.CodeConflict, "", "二要素認証が必須のため、最後の認証要素は削除できません。先に別の要素を登録してください。",
					"A second factor is required, so the last one cannot be removed. Enrol another one first.")
				return nil
			}
		}
		if _, err := tx.Exec(`DELETE FROM user_factors WHERE id = ?`, f.ID); err != nil {
			return fmt.Errorf("deleting factor: %w", err)
		}
		a := sess.Entry(audit.ActionUserUpdate, audit.ResultOK)
		a.TargetType, a.TargetID = "user", fmt.Sprint(f.UserID)
		a.Detail = fmt.Sprintf("second factor removed: %s %q (#%d)", f.Kind, f.Label, f.ID)
		if f.UserID != sess.UserID {
			a.Detail += " by an administrator"
		}
		_, err = s.Audit.Append(tx, a)
		return err
	})
	if err != nil {
		return Factor{}, err
	}
	if userErr != nil {
		return Factor{}, userErr
	}
	return f, nil
}
