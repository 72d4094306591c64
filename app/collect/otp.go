package collect

import (
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/otp"
)

// otpAlphabet has 32 characters without look-alikes (no 0, O, 1, I): 5 bits each.
const otpAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// OTPLen is the number of characters of a one-time password (60 bits).
const OTPLen = 12

// otpHashVersion is the first byte of collection_targets.otp_hash: HMAC-SHA256 under the
// company's OTP key, over otpMACInput.
const otpHashVersion byte = 1

// Errors of [CheckOTPTx]. They are user-safe and say nothing about which part was wrong
// beyond "expired".
var (
	ErrOTPMismatch = apperr.New("otp_mismatch", "password", "企業ID・従業員コード・パスワードが正しくありません。",
		"The company ID, employee code or password is not correct.")
	ErrOTPExpired = apperr.New("otp_expired", "password", "パスワードの有効期限が切れています。会社に再発行を依頼してください。",
		"The password has expired. Ask the company to issue a new one.")
)

// newOTP draws a password of OTPLen characters, five bits of r per character, so every
// character is uniform. A password of digits only is drawn again, so that no password can look
// like a My Number (twelve digits) to a scanner or to app/report.
func newOTP(r io.Reader) (string, error) {
	for {
		var buf [8]byte // 60 bits used of 64
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return "", fmt.Errorf("drawing one-time password: %w", err)
		}
		v := binary.BigEndian.Uint64(buf[:])
		b := make([]byte, OTPLen)
		letter := false
		for i := range b {
			c := otpAlphabet[v&31]
			v >>= 5
			b[i] = c
			letter = letter || c >= 'A'
		}
		if letter {
			return string(b), nil
		}
	}
}

// FormatOTP groups a password for printing: "ABCD-EFGH-JKMN".
func FormatOTP(otp string) string {
	if len(otp) != OTPLen {
		return otp
	}
	return otp[0:4] + "-" + otp[4:8] + "-" + otp[8:12]
}

// NormalizeOTP turns what a person typed into the stored form (internal/otp, shared with the
// relay): NFKC, upper case, without spaces and hyphens.
func NormalizeOTP(s string) string { return otp.Normalize(s) }

// otpKeyAAD is where a company's OTP key is stored.
func otpKeyAAD(companyID int64) vault.AAD {
	return vault.AAD{Table: "collection_otp_keys", RowID: companyID, Column: "wrapped"}
}

// otpKeyTx returns the company's OTP MAC key, making and storing it (sealed under the company
// key) on first use when create is set. The caller clears the key.
func otpKeyTx(tx *store.Tx, ck *vault.CompanyKey, rand io.Reader, create bool) ([]byte, error) {
	var w []byte
	err := tx.QueryRow(`SELECT wrapped FROM collection_otp_keys WHERE company_id = ?`, ck.CompanyID()).Scan(&w)
	if err == nil {
		k, err := ck.Open(otpKeyAAD(ck.CompanyID()), w)
		if err != nil {
			return nil, fmt.Errorf("opening one-time password key: %w", err)
		}
		return k, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("reading one-time password key: %w", err)
	}
	if !create {
		return nil, nil
	}
	k := make([]byte, 32)
	if _, err := io.ReadFull(rand, k); err != nil {
		return nil, fmt.Errorf("drawing one-time password key: %w", err)
	}
	if w, err = ck.Seal(otpKeyAAD(ck.CompanyID()), k); err != nil {
		clear(k)
		return nil, fmt.Errorf("sealing one-time password key: %w", err)
	}
	if _, err := tx.Exec(`INSERT INTO collection_otp_keys(company_id, wrapped, created_at) VALUES(?, ?, ?)`,
		ck.CompanyID(), w, tx.NowText()); err != nil {
		clear(k)
		return nil, fmt.Errorf("writing one-time password key: %w", err)
	}
	return k, nil
}

// hashOTP is version ‖ HMAC-SHA256(key, label ‖ request id ‖ person id ‖ otp): a hash bound to
// its target row, so that it cannot be copied to another person.
func hashOTP(key []byte, requestID, personID int64, otp string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("mynumber-shelter collect otp v1\x00"))
	var ids [16]byte
	binary.BigEndian.PutUint64(ids[:8], uint64(requestID))
	binary.BigEndian.PutUint64(ids[8:], uint64(personID))
	m.Write(ids[:])
	m.Write([]byte(otp))
	return m.Sum([]byte{otpHashVersion})
}

// CheckOTPTx verifies a typed one-time password of the target (requestID, personID) at tx.Now:
// nil when it matches and has not expired, [ErrOTPExpired] when it matched but expired (or
// the target is no longer waiting for the employee), [ErrOTPMismatch] otherwise (also when no
// password was issued). The comparison is constant-time. It does not consume the password:
// the submission use case moves the target on, after which the password no longer applies.
func CheckOTPTx(tx *store.Tx, ck *vault.CompanyKey, requestID, personID int64, typed string) error {
	var stored []byte
	var expires string
	var status Status
	err := tx.QueryRow(`SELECT t.otp_hash, t.otp_expires_at, t.status FROM collection_targets t
		JOIN persons p ON p.id = t.person_id WHERE t.request_id = ? AND t.person_id = ? AND p.company_id = ?`,
		requestID, personID, ck.CompanyID()).Scan(&stored, &expires, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrOTPMismatch
	}
	if err != nil {
		return fmt.Errorf("reading one-time password: %w", err)
	}
	key, err := otpKeyTx(tx, ck, nil, false)
	if err != nil {
		return err
	}
	if key == nil || len(stored) != 1+sha256.Size || stored[0] != otpHashVersion {
		return ErrOTPMismatch
	}
	defer clear(key)
	if !hmac.Equal(stored, hashOTP(key, requestID, personID, NormalizeOTP(typed))) {
		return ErrOTPMismatch
	}
	exp, err := store.ParseTime(expires)
	if err != nil {
		return fmt.Errorf("reading one-time password expiry: %w", err)
	}
	if !tx.Now.Before(exp) || !(status == Requested || status == Returned) {
		return ErrOTPExpired
	}
	return nil
}

// credential is one issued password before it goes into a letter.
type credential struct {
	personID int64
	otp      string
	expires  time.Time
}

// issueTx draws a password for each target, stores its hash and expiry, and returns the
// passwords in clear (for the letter only).
func (s *Service) issueTx(tx *store.Tx, ck *vault.CompanyKey, requestID int64, personIDs []int64, expires time.Time) ([]credential, error) {
	key, err := otpKeyTx(tx, ck, s.rand(), true)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	st, err := tx.Prepare(`UPDATE collection_targets SET otp_hash = ?, otp_expires_at = ? WHERE request_id = ? AND person_id = ?`)
	if err != nil {
		return nil, fmt.Errorf("preparing one-time passwords: %w", err)
	}
	defer st.Close()
	out := make([]credential, 0, len(personIDs))
	for _, id := range personIDs {
		otp, err := newOTP(s.rand())
		if err != nil {
			return nil, err
		}
		if _, err := st.ExecContext(tx.Context(), hashOTP(key, requestID, id, otp), store.FormatTime(expires), requestID, id); err != nil {
			return nil, fmt.Errorf("writing one-time password of person %d: %w", id, err)
		}
		out = append(out, credential{personID: id, otp: otp, expires: expires})
	}
	return out, nil
}
