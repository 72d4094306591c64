package auth

// Second factors (issue 4, "Handler authentication").
//
// Each user may enrol second factors: a vein template on the office's vein sensor, a staff IC
// card (its UID), or their own My Number card's JPKI user-authentication certificate. A login is
// then password + factor; after an idle lock, and before a reveal, a bulk download or a disposal
// (step-up), the factor alone is enough while the session lasts.
//
// This file holds the model, the office policy and the JPKI trust anchors; factors_enrol.go
// enrolment and removal; factors_session.go the login step, the factor unlock, step-up and the
// session key. The devices themselves are not used here: a caller (app/ui) talks to the
// shelter-bridge and hands over a [Proof].
//
// What is stored (table user_factors, migration 0006): never a card UID (an HMAC of it under a
// key derived from the root key, [vault.Keys.FactorMAC]), never a vein template (it stays on the
// sensor; the row names the sensor's serial and the template id), for JPKI the certificate's
// SHA-256 fingerprint, subject CN and end date. None of them goes into the history either.

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
)

// FactorKind is the kind of a second factor.
type FactorKind string

const (
	// FactorVein is a vein template on the vein sensor (1:1 verify against its template id).
	FactorVein FactorKind = "vein"
	// FactorCard is a staff IC card, recognised by its UID (PC/SC GET DATA, FF CA 00 00 00).
	FactorCard FactorKind = "card"
	// FactorJPKI is the user's own My Number card: its JPKI user-authentication key signs a fresh
	// challenge after the 4-digit PIN.
	FactorJPKI FactorKind = "jpki"
)

func (k FactorKind) valid() bool { return k == FactorVein || k == FactorCard || k == FactorJPKI }

// label returns the kind's default label.
func (k FactorKind) label() string {
	switch k {
	case FactorVein:
		return "静脈"
	case FactorCard:
		return "職員証"
	case FactorJPKI:
		return "マイナンバーカード"
	}
	return string(k)
}

// Factor is one enrolled second factor as users and administrators see it. It holds nothing
// that proves the factor (no UID, no template, no key).
type Factor struct {
	ID       int64
	UserID   int64
	Kind     FactorKind
	Label    string
	Created  time.Time
	LastUsed time.Time // zero when never used
	// VeinSensor is the serial of the sensor holding the template; VeinTemplate its id there.
	VeinSensor, VeinTemplate string
	// JPKISubject is the certificate's subject CN; JPKINotAfter its end of validity;
	// JPKIFingerprint the hex SHA-256 of the certificate (public data).
	JPKISubject     string
	JPKINotAfter    time.Time
	JPKIFingerprint string
	matchKey        []byte
}

// MaxFactors is the most factors one user may enrol.
const MaxFactors = 5

// FactorPolicy is the office policy for second factors (meta "second_factor").
type FactorPolicy string

const (
	// FactorRequired: every user must log in with a second factor; a user without one must
	// enrol one right after the password before anything else works.
	FactorRequired FactorPolicy = "required"
	// FactorOptional: users with factors use them; users without log in with the password, and
	// confirm their password for step-up.
	FactorOptional FactorPolicy = "optional"
)

// Meta keys.
const (
	metaFactorPolicy = "second_factor"
	metaTrustAnchors = "jpki_trust_anchors"
)

// Errors of the factor use cases; all are user-safe.
var (
	// ErrFactorRequired: the password was right; the login waits for the second factor.
	ErrFactorRequired = apperr.New("factor_required", "", "二要素認証を完了してから操作してください。", "Complete the second-factor check before continuing.")
	// ErrEnrolRequired: the office requires a second factor and the user has none.
	ErrEnrolRequired = apperr.New("enrol_required", "", "事業所の設定により二要素認証が必須です。認証要素（静脈・職員証・マイナンバーカード）を登録してください。",
		"The office requires a second factor. Enrol a vein, staff card or My Number card first.")
	// ErrStepUpRequired: a reveal, bulk download or disposal needs a fresh factor check.
	ErrStepUpRequired = apperr.New("step_up_required", "", "この操作の前に、本人確認（二要素認証）をもう一度行ってください。",
		"Confirm it is you (second factor) before this operation.")
	// ErrFactorUnlockUnavailable: the session key is not available (no bridge, expired): use the password.
	ErrFactorUnlockUnavailable = apperr.New("factor_unlock_unavailable", "",
		"認証要素だけでのロック解除は使えません（shelter-bridge が起動していないか、セッションの鍵がありません）。パスワードでロックを解除してください。",
		"Unlocking with the second factor alone is not available (the shelter-bridge is not running or holds no session key). Unlock with your password.")
	errFactorRefused = apperr.New("factor_refused", "", "認証要素を確認できませんでした。", "The second factor could not be verified.")
	errFactorGone    = apperr.New(apperr.CodeNotFound, "factor", "この認証要素は登録されていません（削除された可能性があります）。", "This factor is not enrolled (it may have been removed).")
	errNoAnchors     = apperr.New("no_trust_anchors", "", "マイナンバーカード認証の信頼点（認証局証明書）が設定されていません。システム管理者に設定を依頼してください。",
		"No trust anchors (CA certificates) are set for My Number card login. Ask the administrator to set them.")
)

const factorColumns = `id, user_id, kind, label, match_key, vein_sensor, vein_template, jpki_subject, jpki_not_after, created_at, last_used`

func scanFactor(sc interface{ Scan(...any) error }) (Factor, error) {
	var f Factor
	var notAfter, created, used string
	err := sc.Scan(&f.ID, &f.UserID, &f.Kind, &f.Label, &f.matchKey, &f.VeinSensor, &f.VeinTemplate, &f.JPKISubject, &notAfter, &created, &used)
	if err != nil {
		return f, err
	}
	for _, p := range []struct {
		s string
		t *time.Time
	}{{notAfter, &f.JPKINotAfter}, {created, &f.Created}, {used, &f.LastUsed}} {
		if *p.t, err = store.ParseTime(p.s); err != nil {
			return f, fmt.Errorf("reading factor %d: %w", f.ID, err)
		}
	}
	if f.Kind == FactorJPKI {
		f.JPKIFingerprint = hex.EncodeToString(f.matchKey)
	}
	return f, nil
}

func factorsOf(tx *store.Tx, userID int64) ([]Factor, error) {
	rows, err := tx.Query(`SELECT `+factorColumns+` FROM user_factors WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("reading factors: %w", err)
	}
	defer rows.Close()
	var out []Factor
	for rows.Next() {
		f, err := scanFactor(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func factorByID(tx *store.Tx, id int64) (Factor, error) {
	f, err := scanFactor(tx.QueryRow(`SELECT `+factorColumns+` FROM user_factors WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, errFactorGone
	}
	if err != nil {
		return f, fmt.Errorf("reading factor: %w", err)
	}
	return f, nil
}

// Factors returns the factors of userID. A user may list their own at any time during their
// session (also at the login's factor step and while locked, to choose one); other users'
// factors only an administrator, with a ready session.
func (s *Service) Factors(ctx context.Context, sess *Session, userID int64) ([]Factor, error) {
	if err := s.mayReadFactors(sess, userID); err != nil {
		return nil, err
	}
	var out []Factor
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = factorsOf(tx, userID)
		return err
	})
	return out, err
}

func (s *Service) mayReadFactors(sess *Session, userID int64) error {
	if sess == nil {
		return ErrNotLoggedIn
	}
	if userID == sess.UserID {
		return sess.alive(s.DB.Now())
	}
	return s.adminReady(sess)
}

// FactorPolicy returns the office policy: meta "second_factor", or s.DefaultFactorPolicy when an
// administrator never set it (FactorRequired when that is empty too).
func (s *Service) FactorPolicy(ctx context.Context) (FactorPolicy, error) {
	var p FactorPolicy
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		p, err = s.factorPolicy(tx)
		return err
	})
	return p, err
}

func (s *Service) factorPolicy(tx *store.Tx) (FactorPolicy, error) {
	v, ok, err := tx.Meta(metaFactorPolicy)
	if err != nil {
		return "", fmt.Errorf("reading factor policy: %w", err)
	}
	switch p := FactorPolicy(v); {
	case ok && (p == FactorRequired || p == FactorOptional):
		return p, nil
	case s.DefaultFactorPolicy == FactorOptional:
		return FactorOptional, nil
	}
	return FactorRequired, nil
}

// ErrPolicyReasonMissing refuses making factors optional without a reason for the history.
var ErrPolicyReasonMissing = apperr.Invalid("reason",
	"二要素認証を任意にする理由を入力してください（履歴に記録されます）。",
	"Enter why the second factor becomes optional (it is recorded in the history).")

// maxPolicyReason bounds the reason recorded with a policy change (characters).
const maxPolicyReason = 200

// SetFactorPolicy sets the office policy (administrators only; in the history with reason).
// Making factors optional needs a reason ([ErrPolicyReasonMissing]); a reason that looks like a
// number is recorded with its digits masked. Sessions already open keep the state they logged
// in with; the policy applies from the next login.
//
// An administrator who is at the enrolment step (the office requires a factor, they have none)
// may still choose "optional": an office without any reader or vein sensor would otherwise be
// locked out by its own default. The change is in the history and completes their login.
func (s *Service) SetFactorPolicy(ctx context.Context, sess *Session, p FactorPolicy, reason string) error {
	enrolStep := sess != nil && sess.FactorStep() == stepEnrol
	if enrolStep && p == FactorOptional {
		if err := sess.Check(s.DB.Now()); err != nil {
			return err
		}
		if err := RequireAdmin(sess.Principal); err != nil {
			return err
		}
	} else if err := s.adminReady(sess); err != nil {
		return err
	}
	if p != FactorRequired && p != FactorOptional {
		return apperr.Invalid("policy", "required か optional を選んでください。", "Choose required or optional.")
	}
	reason = strings.Join(strings.Fields(reason), " ")
	if p == FactorOptional && reason == "" {
		return ErrPolicyReasonMissing
	}
	if r := []rune(reason); len(r) > maxPolicyReason {
		reason = string(r[:maxPolicyReason])
	}
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SetMeta(metaFactorPolicy, string(p)); err != nil {
			return err
		}
		e := sess.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.TargetType, e.Detail = "second_factor", "second-factor policy: "+string(p)
		if enrolStep {
			e.Detail += " (chosen at the enrolment step)"
		}
		if reason != "" {
			e.Detail += "; reason: " + audit.Redact(reason)
		}
		_, err := s.Audit.Append(tx, e)
		return err
	})
	if err == nil && enrolStep && p == FactorOptional {
		sess.completeFactorStep(s.DB.Now())
		s.startSessionKey(ctx, sess)
	}
	return err
}

// TrustAnchors returns the PEM bundle of JPKI trust anchors ("" when none is set). Readable by
// anyone logged in: it is public data.
func (s *Service) TrustAnchors(ctx context.Context) (string, error) {
	var pemText string
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		v, _, err := tx.Meta(metaTrustAnchors)
		pemText = v
		return err
	})
	return pemText, err
}

// SetTrustAnchors replaces the JPKI trust anchors with the certificates of a PEM bundle
// (J-LIS's 利用者証明用 CA certificates; check their fingerprints against J-LIS's published
// ones). Only CERTIFICATE blocks of CA certificates are accepted; "" removes them all (JPKI
// login then fails until they are set). Administrators only; the fingerprints are in the history.
func (s *Service) SetTrustAnchors(ctx context.Context, sess *Session, bundle string) ([]*x509.Certificate, error) {
	if err := s.adminReady(sess); err != nil {
		return nil, err
	}
	certs, err := ParseTrustAnchors(bundle)
	if err != nil {
		return nil, err
	}
	var clean strings.Builder
	var fps []string
	for _, c := range certs {
		pem.Encode(&clean, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
		sum := sha256.Sum256(c.Raw)
		fps = append(fps, fingerprint(sum[:8]))
	}
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SetMeta(metaTrustAnchors, clean.String()); err != nil {
			return err
		}
		e := sess.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.TargetType = "jpki_trust_anchors"
		e.Detail = fmt.Sprintf("JPKI trust anchors set: %d certificate(s) (SHA-256 %s…)", len(certs), strings.Join(fps, "…, "))
		if len(certs) == 0 {
			e.Detail = "JPKI trust anchors removed"
		}
		_, err := s.Audit.Append(tx, e)
		return err
	})
	return certs, err
}

// ParseTrustAnchors reads the CA certificates of a PEM bundle. Text outside PEM blocks is
// ignored; a block that is not a CA certificate is an error naming its position.
func ParseTrustAnchors(bundle string) ([]*x509.Certificate, error) {
	rest := []byte(bundle)
	var out []*x509.Certificate
	for i := 1; ; i++ {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, apperr.Invalid("anchors", fmt.Sprintf("%d番目のブロックは証明書ではありません（%s）。", i, b.Type),
				fmt.Sprintf("Block %d is not a certificate (%s).", i, b.Type))
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, apperr.Invalid("anchors", fmt.Sprintf("%d番目の証明書を読み取れません。", i), fmt.Sprintf("Certificate %d cannot be read.", i))
		}
		if !c.IsCA {
			return nil, apperr.Invalid("anchors", fmt.Sprintf("%d番目の証明書は認証局（CA）の証明書ではありません。", i),
				fmt.Sprintf("Certificate %d is not a CA certificate.", i))
		}
		out = append(out, c)
	}
	if len(out) == 0 && strings.TrimSpace(bundle) != "" {
		return nil, apperr.Invalid("anchors", "PEM形式の証明書（-----BEGIN CERTIFICATE-----）が見つかりません。",
			"No PEM certificate (-----BEGIN CERTIFICATE-----) was found.")
	}
	return out, nil
}

func trustPool(tx *store.Tx) (*x509.CertPool, error) {
	bundle, _, err := tx.Meta(metaTrustAnchors)
	if err != nil {
		return nil, err
	}
	certs, err := ParseTrustAnchors(bundle)
	if err != nil || len(certs) == 0 {
		return nil, errNoAnchors
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// fingerprint writes b as colon-separated hex pairs ("3f:a1:…", as OpenSSL shows fingerprints):
// plain hex can hold a run of 12 digits, which the history refuses as a possible number.
func fingerprint(b []byte) string {
	var s strings.Builder
	for i, c := range b {
		if i > 0 {
			s.WriteByte(':')
		}
		fmt.Fprintf(&s, "%02x", c)
	}
	return s.String()
}
