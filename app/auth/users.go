package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// User is a login user as the administrator sees it (M-2).
type User struct {
	ID                 int64
	Login              string
	DisplayName        string
	Email              string
	IsAdmin            bool
	Disabled           bool
	MustChangePassword bool
	LockedUntil        time.Time
	LastIn, LastOut    time.Time
	Roles              []Role
}

// UserInput is what an administrator types to create or edit a user.
type UserInput struct {
	ID          int64 // 0 creates
	Login       string
	DisplayName string
	Email       string
	IsAdmin     bool
}

var loginPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$`)

// Validate checks and normalises the input.
func (in *UserInput) Validate() error {
	in.Login = strings.TrimSpace(in.Login)
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Email = strings.TrimSpace(in.Email)
	if !loginPattern.MatchString(in.Login) {
		return apperr.Invalid("login",
			"ログインIDは半角英数字と . _ @ - で3〜64文字にしてください（先頭は英数字）。",
			"Login IDs are 3–64 characters of letters, digits and . _ @ - (starting with a letter or digit).")
	}
	if audit.Redact(in.Login) != in.Login {
		// Logins are written into every history entry, which refuses number-shaped text.
		return apperr.Invalid("login", "ログインIDに12桁以上の数字の並びは使えません（マイナンバーと区別できないため）。",
			"A login ID may not contain 12 or more digits in a row (it could not be told apart from a My Number).")
	}
	if in.DisplayName == "" || utf8.RuneCountInString(in.DisplayName) > 64 {
		return apperr.Invalid("displayName", "氏名を64文字以内で入力してください。", "Enter a name of at most 64 characters.")
	}
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			return apperr.Invalid("email", "メールアドレスの形式が正しくありません（例: taro@example.jp）。", "The email address is not valid (e.g. taro@example.jp).")
		}
	}
	return nil
}

// RequireAdmin returns a user-safe error unless p is a system administrator.
func RequireAdmin(p Principal) error {
	if !p.IsAdmin {
		return apperr.Forbidden("この操作はシステム管理者だけが行えます。", "Only a system administrator can do this.")
	}
	return nil
}

// CreateFirstAdmin creates the first administrator inside the setup transaction and returns its id.
// The caller then initialises the vault for it.
func CreateFirstAdmin(tx *store.Tx, in UserInput) (int64, error) {
	in.IsAdmin = true
	if err := in.Validate(); err != nil {
		return 0, err
	}
	res, err := tx.Exec(`INSERT INTO users(login, display_name, email, is_admin, created_at, updated_at) VALUES(?, ?, ?, 1, ?, ?)`,
		in.Login, in.DisplayName, in.Email, tx.NowText(), tx.NowText())
	if err != nil {
		return 0, fmt.Errorf("creating administrator: %w", err)
	}
	return res.LastInsertId()
}

// ListUsers returns every user with their 1-1 roles, by login.
func (s *Service) ListUsers(ctx context.Context, p Principal) ([]User, error) {
	if err := RequireAdmin(p); err != nil {
		return nil, err
	}
	var users []User
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT ` + userColumns + ` FROM users ORDER BY login`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			users = append(users, publicUser(u))
		}
		if err := rows.Err(); err != nil {
			return err
		}
		roles, err := allRoles(tx)
		if err != nil {
			return err
		}
		for i := range users {
			users[i].Roles = roles[users[i].ID]
		}
		return nil
	})
	return users, err
}

func publicUser(u userRow) User {
	return User{ID: u.ID, Login: u.Login, DisplayName: u.DisplayName, Email: u.Email, IsAdmin: u.IsAdmin,
		Disabled: u.Disabled, MustChangePassword: u.MustChangePassword, LockedUntil: u.LockedUntil,
		LastIn: u.LastIn, LastOut: u.LastOut}
}

// TemporaryPassword is a password chosen by the system (never by the administrator) for a new
// user or a reset; shown once, valid until ExpiresAt, and must be changed at first login.
type TemporaryPassword struct {
	User      User
	Password  string
	ExpiresAt time.Time
}

// CreateUser adds a user with a random temporary password.
func (s *Service) CreateUser(ctx context.Context, sess *Session, in UserInput) (TemporaryPassword, error) {
	var out TemporaryPassword
	if err := s.adminReady(sess); err != nil {
		return out, err
	}
	if err := in.Validate(); err != nil {
		return out, err
	}
	in.ID = 0
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := loginFree(tx, in.Login, 0); err != nil {
			return err
		}
		res, err := tx.Exec(`INSERT INTO users(login, display_name, email, is_admin, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?)`,
			in.Login, in.DisplayName, in.Email, in.IsAdmin, tx.NowText(), tx.NowText())
		if err != nil {
			return fmt.Errorf("creating user: %w", err)
		}
		id, _ := res.LastInsertId()
		if out, err = s.issueTemporary(tx, sess, id); err != nil {
			return err
		}
		e := sess.Entry(audit.ActionUserCreate, audit.ResultOK)
		e.TargetType, e.TargetID = "user", fmt.Sprint(id)
		e.Detail = fmt.Sprintf("login=%s admin=%t", in.Login, in.IsAdmin)
		_, err = s.Audit.Append(tx, e)
		return err
	})
	return out, err
}

// loginFree returns a conflict error when another user (not exceptID) has login.
func loginFree(tx *store.Tx, login string, exceptID int64) error {
	var taken int
	if err := tx.QueryRow(`SELECT count(*) FROM users WHERE login = ? AND id <> ?`, login, exceptID).Scan(&taken); err != nil {
		return err
	}
	if taken > 0 {
		return apperr.New(apperr.CodeConflict, "login", "このログインIDは既に使われています。", "This login ID is already in use.")
	}
	return nil
}

func (s *Service) adminReady(sess *Session) error {
	if err := sess.CheckReady(s.DB.Now()); err != nil {
		return err
	}
	return RequireAdmin(sess.Principal)
}

// issueTemporary sets a random temporary password for user id, wrapping the root key for it.
func (s *Service) issueTemporary(tx *store.Tx, sess *Session, id int64) (TemporaryPassword, error) {
	var out TemporaryPassword
	keys := sess.Keys()
	if keys == nil {
		return out, ErrLocked
	}
	pw, err := temporaryPassword(s.rand())
	if err != nil {
		return out, err
	}
	if err := s.Vault.SetPassword(tx, keys, id, pw); err != nil {
		return out, fmt.Errorf("wrapping key for user: %w", err)
	}
	expires := tx.Now.Add(s.policy().TemporaryPasswordTTL)
	_, err = tx.Exec(`UPDATE users SET must_change_password = 1, password_expires_at = ?, failed_count = 0, locked_until = '', updated_at = ? WHERE id = ?`,
		store.FormatTime(expires), tx.NowText(), id)
	if err != nil {
		return out, err
	}
	u, err := userByID(tx, id)
	if err != nil {
		return out, err
	}
	return TemporaryPassword{User: publicUser(u), Password: pw, ExpiresAt: expires}, nil
}

// temporaryAlphabet avoids characters that are easy to misread (0/O, 1/l/I).
const temporaryAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// temporaryPassword returns 16 random characters in groups of four (about 93 bits).
func temporaryPassword(r io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for n := 0; n < 16; {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("reading randomness: %w", err)
		}
		// Rejection sampling keeps the distribution uniform.
		if int(buf[0]) >= 256-256%len(temporaryAlphabet) {
			continue
		}
		if n > 0 && n%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(temporaryAlphabet[int(buf[0])%len(temporaryAlphabet)])
		n++
	}
	return b.String(), nil
}

// UpdateUser edits a user's name, email and administrator flag. An administrator cannot remove
// their own administrator right, and the last enabled administrator cannot lose it.
func (s *Service) UpdateUser(ctx context.Context, sess *Session, in UserInput) (User, error) {
	var out User
	if err := s.adminReady(sess); err != nil {
		return out, err
	}
	if err := in.Validate(); err != nil {
		return out, err
	}
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		u, err := userByID(tx, in.ID)
		if err != nil {
			return err
		}
		if err := loginFree(tx, in.Login, in.ID); err != nil {
			return err
		}
		if u.IsAdmin && !in.IsAdmin {
			if in.ID == sess.UserID {
				return apperr.Invalid("isAdmin", "自分自身の管理者権限は外せません。", "You cannot remove your own administrator right.")
			}
			if err := ensureAnotherAdmin(tx, in.ID); err != nil {
				return err
			}
		}
		_, err = tx.Exec(`UPDATE users SET login = ?, display_name = ?, email = ?, is_admin = ?, updated_at = ? WHERE id = ?`,
			in.Login, in.DisplayName, in.Email, in.IsAdmin, tx.NowText(), in.ID)
		if err != nil {
			return fmt.Errorf("updating user: %w", err)
		}
		action := audit.ActionUserUpdate
		if u.IsAdmin != in.IsAdmin {
			action = audit.ActionRoleChange
		}
		e := sess.Entry(action, audit.ResultOK)
		e.TargetType, e.TargetID = "user", fmt.Sprint(in.ID)
		e.Detail = fmt.Sprintf("login=%s admin=%t", in.Login, in.IsAdmin)
		if _, err := s.Audit.Append(tx, e); err != nil {
			return err
		}
		u, err = userByID(tx, in.ID)
		out = publicUser(u)
		return err
	})
	return out, err
}

func ensureAnotherAdmin(tx *store.Tx, exceptID int64) error {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM users WHERE is_admin = 1 AND disabled = 0 AND id <> ?`, exceptID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.Invalid("isAdmin", "有効なシステム管理者が一人もいなくなるため、この変更はできません。", "This would leave no enabled system administrator.")
	}
	return nil
}

// SetDisabled disables or re-enables a user. A disabled user cannot log in; their 1-1 roles stay
// recorded but are not effective. Administrators cannot disable themselves or the last admin.
func (s *Service) SetDisabled(ctx context.Context, sess *Session, id int64, disabled bool) error {
	if err := s.adminReady(sess); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		u, err := userByID(tx, id)
		if err != nil {
			return err
		}
		if disabled && id == sess.UserID {
			return apperr.Invalid("", "自分自身は無効化できません。", "You cannot disable yourself.")
		}
		if disabled && u.IsAdmin {
			if err := ensureAnotherAdmin(tx, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(`UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?`, disabled, tx.NowText(), id); err != nil {
			return err
		}
		action := audit.ActionUserEnable
		if disabled {
			action = audit.ActionUserDisable
		}
		e := sess.Entry(action, audit.ResultOK)
		e.TargetType, e.TargetID, e.Detail = "user", fmt.Sprint(id), "login="+u.Login
		_, err = s.Audit.Append(tx, e)
		return err
	})
}

// ResetPassword issues a new temporary password for a user (never chosen by the administrator).
func (s *Service) ResetPassword(ctx context.Context, sess *Session, id int64) (TemporaryPassword, error) {
	var out TemporaryPassword
	if err := s.adminReady(sess); err != nil {
		return out, err
	}
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		u, err := userByID(tx, id)
		if err != nil {
			return err
		}
		if out, err = s.issueTemporary(tx, sess, id); err != nil {
			return err
		}
		e := sess.Entry(audit.ActionPasswordReset, audit.ResultOK)
		e.TargetType, e.TargetID, e.Detail = "user", fmt.Sprint(id), "login="+u.Login
		_, err = s.Audit.Append(tx, e)
		return err
	})
	return out, err
}

// UnlockUser lifts a lock caused by failed logins.
func (s *Service) UnlockUser(ctx context.Context, sess *Session, id int64) error {
	if err := s.adminReady(sess); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		u, err := userByID(tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE users SET failed_count = 0, locked_until = '' WHERE id = ?`, id); err != nil {
			return err
		}
		e := sess.Entry(audit.ActionUserUpdate, audit.ResultOK)
		e.TargetType, e.TargetID, e.Detail = "user", fmt.Sprint(id), "lockout lifted for login="+u.Login
		_, err = s.Audit.Append(tx, e)
		return err
	})
}

// Recover restores access with the Recovery Kit: the named administrator gets newPassword and a
// session that, like a login, still waits for the second factor (or its enrolment) when the
// office requires one. Used when the keychain entry is lost or every administrator password is
// forgotten.
func (s *Service) Recover(ctx context.Context, recoveryKey, login, newPassword string) (*Session, error) {
	if err := CheckPassword(newPassword, login); err != nil {
		return nil, err
	}
	var sess *Session
	var userErr error
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		u, err := userByLogin(tx, strings.TrimSpace(login))
		if err != nil || !u.IsAdmin || u.Disabled {
			userErr = apperr.Invalid("login", "有効なシステム管理者のログインIDを入力してください。", "Enter the login ID of an enabled system administrator.")
			return nil
		}
		keys, err := s.Vault.Recover(tx, recoveryKey, u.ID, newPassword)
		if errors.Is(err, vault.ErrBadRecoveryKey) {
			userErr = apperr.Wrap(err, apperr.CodeInvalid, "recoveryKey", "リカバリーキーが正しくありません。入力を確認してください。", "The recovery key is not correct. Check what you typed.")
			return nil
		}
		if err != nil {
			return fmt.Errorf("recovering: %w", err)
		}
		auditKey, err := keys.AuditKey(tx)
		if err != nil {
			keys.Close()
			return err
		}
		s.Audit.SetKey(auditKey)
		p := Principal{UserID: u.ID, Login: u.Login, DisplayName: u.DisplayName, IsAdmin: true}
		tok := new(sealToken)
		if err := BeginSeal(tx, s.Audit, keys, tok, p); err != nil {
			dropKeys(s.Audit, keys, tok)
			return err
		}
		if _, err := tx.Exec(`UPDATE users SET must_change_password = 0, password_expires_at = '', failed_count = 0, locked_until = '',
			prev_in = last_in, prev_out = last_out, last_in = ?, last_out = '' WHERE id = ?`, tx.NowText(), u.ID); err != nil {
			dropKeys(s.Audit, keys, tok)
			return err
		}
		e := p.Entry(audit.ActionRecovery, audit.ResultOK)
		e.TargetType, e.TargetID = "user", fmt.Sprint(u.ID)
		if _, err := s.Audit.Append(tx, e); err != nil {
			dropKeys(s.Audit, keys, tok)
			return err
		}
		// The Recovery Kit replaces the password, not the second factor: the session continues
		// with the same step as a login (the factor, or its enrolment when the office requires
		// one), so a kit and a login ID alone do not open the vault.
		fa := factorSession{vaultID: keys.VaultID()}
		if fa.step, err = s.loginStep(tx, u.ID); err == nil {
			fa.keyID, err = newKeyID(s.rand(), u.ID)
		}
		if err != nil {
			dropKeys(s.Audit, keys, tok)
			return err
		}
		if fa.step == "" {
			fa.verifiedAt = tx.Now
		}
		sess = &Session{Principal: p, Started: tx.Now, PreviousIn: u.LastIn, PreviousOut: u.LastOut,
			lastSeen: tx.Now, keys: keys, seals: s.Audit, sealTok: tok, policy: s.policy(), fa: fa}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sess != nil && sess.FactorStep() == "" {
		s.startSessionKey(ctx, sess)
	}
	return sess, userErr
}
