// Package auth is who may use the vault and what they may do: login users (M-2), their passwords,
// throttling and lockout, sessions with an idle lock and an absolute lifetime, and the per-company
// roles of 1-1 (事務取扱責任者 / 事務取扱担当者).
//
// # Model
//
// A password is never stored, not even as a hash: app/vault derives the user key from it and
// unwraps the user's copy of the root key, so a correct password is one that opens the vault.
// A [Session] holds the unlocked [vault.Keys] for as long as it is open and unlocked.
//
// The system administrator (IsAdmin) manages the office, users, client companies and 1-1
// assignments, but sees no My Number unless also assigned to the company.
//
// # Policy
//
// See [DefaultPolicy]: 5 consecutive failures lock the account for 15 minutes, 10 for an hour, 15
// or more for 24 hours; an administrator can lift a lock at once (so a malicious lockout is
// cheap to undo); at most 100 failures an hour per account can ever be attempted. Sessions lock
// after 15 idle minutes and end 12 hours after login. Administrator-issued passwords are random,
// expire after 72 hours and must be changed at first login (ASVS 5.0 §6.4.1, §6.4.6).
//
// # What it must never do
//
// Put a password in an error, a log line or an audit entry; tell a caller whether a login name
// exists (the failure message is the same for an unknown user and a wrong password, and a
// locked account answers a wrong password as an unknown login does, after the same key
// derivation; only the right password learns of the lock).
package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// Policy is the login and session policy.
type Policy struct {
	// LockSteps maps a number of consecutive failures to a lock duration; the largest step not
	// above the current count applies.
	LockSteps []LockStep
	// HourlyFailures is the most failed attempts allowed per account in any hour.
	HourlyFailures int
	// Idle is how long a session may be idle before it locks.
	Idle time.Duration
	// Absolute is how long after login a session ends.
	Absolute time.Duration
	// TemporaryPasswordTTL is how long an administrator-issued password is valid.
	TemporaryPasswordTTL time.Duration
}

// LockStep locks an account for Lock after Failures consecutive failures.
type LockStep struct {
	Failures int
	Lock     time.Duration
}

// DefaultPolicy is the policy documented in the package comment and the README.
var DefaultPolicy = Policy{
	LockSteps:            []LockStep{{5, 15 * time.Minute}, {10, time.Hour}, {15, 24 * time.Hour}},
	HourlyFailures:       100,
	Idle:                 15 * time.Minute,
	Absolute:             12 * time.Hour,
	TemporaryPasswordTTL: 72 * time.Hour,
}

// Service implements the use cases of this package. Fields are plain dependencies.
type Service struct {
	DB    *store.DB
	Vault *vault.Vault
	// Audit writes the history; every use case appends in its own transaction (fail closed).
	Audit *audit.Log
	// Policy defaults to DefaultPolicy when its zero value.
	Policy Policy
	// Rand is the source for temporary passwords and session ids; defaults to crypto/rand.
	Rand io.Reader
	// SessionKeys keeps session keys outside the app (the shelter-bridge) for the factor unlock
	// (factors_session.go); nil: only the password unlocks.
	SessionKeys SessionKeyStore
	// DefaultFactorPolicy applies while meta "second_factor" is unset; empty is FactorRequired.
	DefaultFactorPolicy FactorPolicy
}

func (s *Service) policy() Policy {
	if s.Policy.Idle == 0 {
		return DefaultPolicy
	}
	return s.Policy
}

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

// Principal is an authenticated user, the actor of a use case.
type Principal struct {
	UserID      int64
	Login       string
	DisplayName string
	IsAdmin     bool
}

// Entry returns an audit entry with this principal as the actor.
func (p Principal) Entry(action audit.Action, result audit.Result) audit.Entry {
	return audit.Entry{UserID: p.UserID, Login: p.Login, Action: action, Result: result}
}

// Session is one login. Its methods are safe for concurrent use.
type Session struct {
	Principal
	Started time.Time
	// PreviousIn / PreviousOut are the user's previous session (前回ログイン情報).
	PreviousIn, PreviousOut time.Time

	mu                 sync.Mutex
	lastSeen           time.Time
	locked             bool
	ended              bool
	mustChangePassword bool
	keys               *vault.Keys
	seals              *audit.Log // seals the session's entries, from login to its end (seal.go)
	sealTok            *sealToken // the session on seals' list
	policy             Policy
	fa                 factorSession // second-factor state (factors_session.go)
}

// Errors returned by Session.Check and the login use cases; all are user-safe.
var (
	ErrLocked         = apperr.New(apperr.CodeLocked, "", "一定時間操作がなかったためロックしました。パスワードを入力して再開してください。", "The session was locked after a period of inactivity. Enter your password to continue.")
	ErrSessionExpired = apperr.New(apperr.CodeSessionExpired, "", "セッションの有効期限が切れました。もう一度ログインしてください。", "The session has expired. Please log in again.")
	ErrNotLoggedIn    = apperr.New(apperr.CodeUnauthenticated, "", "ログインしてください。", "Please log in.")
	ErrMustChange     = apperr.New("must_change_password", "", "パスワードを変更してから操作してください。", "Change your password before continuing.")
	errBadCredentials = apperr.New(apperr.CodeBadCredentials, "", "ログインIDまたはパスワードが違います。", "The login ID or password is incorrect.")
)

// Check returns nil when the session may act at now, and records the activity. An idle session
// is locked (its keys are dropped) and returns ErrLocked; an expired one ErrSessionExpired.
func (s *Session) Check(now time.Time) error {
	if s == nil {
		return ErrNotLoggedIn
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.ended:
		return ErrNotLoggedIn
	case now.Sub(s.Started) >= s.policy.Absolute:
		return ErrSessionExpired
	case s.locked:
		return ErrLocked
	case now.Sub(s.lastSeen) >= s.policy.Idle:
		s.lockLocked()
		return ErrLocked
	}
	s.lastSeen = now
	return nil
}

// CheckReady is Check plus the rules that a login waiting for its second factor, a user who must
// enrol one, and then a user who must change their password can do nothing else.
func (s *Session) CheckReady(now time.Time) error {
	if err := s.Check(now); err != nil {
		return err
	}
	switch s.FactorStep() {
	case stepFactor:
		return ErrFactorRequired
	case stepEnrol:
		return ErrEnrolRequired
	}
	if s.MustChangePassword() {
		return ErrMustChange
	}
	return nil
}

// Keys returns the unlocked vault keys, or nil when the session is locked or ended.
func (s *Session) Keys() *vault.Keys {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locked || s.ended {
		return nil
	}
	return s.keys
}

// Locked reports whether the session is idle-locked.
func (s *Session) Locked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.locked
}

// Expired reports whether the session has passed its absolute lifetime at now.
func (s *Session) Expired(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return now.Sub(s.Started) >= s.policy.Absolute
}

// MustChangePassword reports whether the user must choose a new password before anything else.
func (s *Session) MustChangePassword() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustChangePassword
}

// Lock drops the keys and requires the password (or a second factor, [Service.UnlockWithFactor])
// to continue. The keys sealed under the session key stay.
func (s *Session) Lock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lockLocked()
}

func (s *Session) lockLocked() {
	if s.keys != nil {
		s.keys.Close()
		s.keys = nil
	}
	s.locked = true
}

// end ends the session: its keys are closed and its seals stop. (A lock keeps the seals: the
// entries written while the screen is locked are sealed too.)
func (s *Session) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lockLocked()
	if s.seals != nil {
		s.seals.Unseal(s.sealTok)
	}
	s.ended = true
}

// userRow is the users table row as this package needs it.
type userRow struct {
	ID                 int64
	Login              string
	DisplayName        string
	Email              string
	IsAdmin            bool
	Disabled           bool
	MustChangePassword bool
	PasswordExpiresAt  time.Time
	FailedCount        int
	LockedUntil        time.Time
	LastIn, LastOut    time.Time
	PrevIn, PrevOut    time.Time
}

const userColumns = `id, login, display_name, email, is_admin, disabled, must_change_password,
	password_expires_at, failed_count, locked_until, last_in, last_out, prev_in, prev_out`

func scanUser(sc interface{ Scan(...any) error }) (userRow, error) {
	var u userRow
	var expires, locked, lastIn, lastOut, prevIn, prevOut string
	err := sc.Scan(&u.ID, &u.Login, &u.DisplayName, &u.Email, &u.IsAdmin, &u.Disabled, &u.MustChangePassword,
		&expires, &u.FailedCount, &locked, &lastIn, &lastOut, &prevIn, &prevOut)
	if err != nil {
		return u, err
	}
	for _, p := range []struct {
		s string
		t *time.Time
	}{{expires, &u.PasswordExpiresAt}, {locked, &u.LockedUntil}, {lastIn, &u.LastIn}, {lastOut, &u.LastOut}, {prevIn, &u.PrevIn}, {prevOut, &u.PrevOut}} {
		if *p.t, err = store.ParseTime(p.s); err != nil {
			return u, fmt.Errorf("reading user %d: %w", u.ID, err)
		}
	}
	return u, nil
}

func userByLogin(tx *store.Tx, login string) (userRow, error) {
	return scanUser(tx.QueryRow(`SELECT `+userColumns+` FROM users WHERE login = ?`, login))
}

func userByID(tx *store.Tx, id int64) (userRow, error) {
	u, err := scanUser(tx.QueryRow(`SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.New(apperr.CodeNotFound, "", "ユーザーが見つかりません。", "User not found.")
	}
	return u, err
}

// Login checks login and password and opens a session. Every attempt, good or bad, is in the
// history. A failure returns a user-safe error that does not say whether the login exists.
func (s *Service) Login(ctx context.Context, login, password string) (*Session, error) {
	login = strings.TrimSpace(login)
	pol := s.policy()
	var sess *Session
	var loginErr error
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		u, err := userByLogin(tx, login)
		if errors.Is(err, sql.ErrNoRows) {
			s.Vault.Burn(password)
			loginErr = errBadCredentials
			// The typed text is not recorded: people sometimes type a password into the login field.
			e := audit.Entry{Action: audit.ActionLoginFailed, Result: audit.ResultDenied, Detail: "unknown login ID"}
			_, err := s.Audit.Append(tx, e)
			return err
		}
		if err != nil {
			return fmt.Errorf("looking up user: %w", err)
		}
		p := Principal{UserID: u.ID, Login: u.Login, DisplayName: u.DisplayName, IsAdmin: u.IsAdmin}
		deny := func(detail string, userErr error) error {
			loginErr = userErr
			e := p.Entry(audit.ActionLoginFailed, audit.ResultDenied)
			e.Detail = detail
			_, err := s.Audit.Append(tx, e)
			return err
		}
		if u.Disabled {
			s.Vault.Burn(password)
			return deny("account disabled", errBadCredentials)
		}
		// A locked account answers a wrong password exactly as an unknown login does (the same
		// message after the same key derivation), so the lock does not tell anyone that the
		// login exists. Only the right password learns of the lock.
		locked := tx.Now.Before(u.LockedUntil)
		keys, err := s.Vault.Unlock(tx, u.ID, password)
		if errors.Is(err, vault.ErrWrongPassword) {
			if err := s.recordFailure(tx, u, pol); err != nil {
				return err
			}
			if locked {
				return deny("wrong password; account locked", errBadCredentials)
			}
			return deny("wrong password", errBadCredentials)
		}
		if err == nil && locked {
			// The right password on a locked account. The lock holds (a second factor does not
			// lift it: refused factors count toward it too); another administrator or the
			// Recovery Kit lifts it at once.
			keys.Close()
			mins := int(u.LockedUntil.Sub(tx.Now).Minutes()) + 1
			return deny("account locked", apperr.New("account_locked", "",
				fmt.Sprintf("ログインの失敗が続いたため、このアカウントは一時的にロックされています。約%d分後にもう一度お試しいただくか、管理者にロック解除を依頼してください（管理者のアカウントはリカバリーキットで解除できます）。", mins),
				fmt.Sprintf("Too many failed logins: this account is locked for about %d more minutes. Try again later or ask an administrator to unlock it (an administrator's account is unlocked with the Recovery Kit).", mins)))
		}
		if errors.Is(err, vault.ErrUserKeyStale) || errors.Is(err, vault.ErrNoUserKey) {
			return deny("password must be reset by an administrator", ErrPasswordNeedsReset)
		}
		if errors.Is(err, vault.ErrDeviceSecretMissing) {
			loginErr = ErrKeychainMissing
			e := p.Entry(audit.ActionLoginFailed, audit.ResultFailed)
			e.Detail = "device secret missing from keychain"
			_, aerr := s.Audit.Append(tx, e)
			return aerr
		}
		if err != nil {
			return fmt.Errorf("unlocking vault: %w", err)
		}
		if !u.PasswordExpiresAt.IsZero() && !tx.Now.Before(u.PasswordExpiresAt) {
			keys.Close()
			return deny("temporary password expired", apperr.New("password_expired", "password",
				"仮パスワードの有効期限が切れています。管理者にパスワードの再設定を依頼してください。",
				"The temporary password has expired. Ask an administrator to reset it."))
		}
		tok := new(sealToken)
		if err := BeginSeal(tx, s.Audit, keys, tok, p); err != nil {
			dropKeys(s.Audit, keys, tok)
			return err
		}
		fa := factorSession{vaultID: keys.VaultID()}
		if fa.step, err = s.loginStep(tx, u.ID); err == nil {
			fa.keyID, err = newKeyID(s.rand(), u.ID)
		}
		if err != nil {
			dropKeys(s.Audit, keys, tok)
			return err
		}
		if fa.step == stepFactor {
			// The login completes with the second factor (LoginFactor), which records the IN time.
			e := p.Entry(audit.ActionLogin, audit.ResultOK)
			e.Detail = "password accepted; waiting for the second factor"
			if _, err := s.Audit.Append(tx, e); err != nil {
				dropKeys(s.Audit, keys, tok)
				return err
			}
			sess = &Session{Principal: p, Started: tx.Now, PreviousIn: u.LastIn, PreviousOut: u.LastOut,
				lastSeen: tx.Now, mustChangePassword: u.MustChangePassword, keys: keys, seals: s.Audit, sealTok: tok, policy: pol, fa: fa}
			return nil
		}
		if fa.step == "" {
			fa.verifiedAt = tx.Now
		}
		_, err = tx.Exec(`UPDATE users SET failed_count = 0, locked_until = '', prev_in = last_in, prev_out = last_out,
			last_in = ?, last_out = '', updated_at = ? WHERE id = ?`, tx.NowText(), tx.NowText(), u.ID)
		if err != nil {
			dropKeys(s.Audit, keys, tok)
			return fmt.Errorf("recording login: %w", err)
		}
		e := p.Entry(audit.ActionLogin, audit.ResultOK)
		if fa.step == stepEnrol {
			e.Detail = "password accepted; no second factor enrolled: enrolment required"
		}
		if _, err := s.Audit.Append(tx, e); err != nil {
			dropKeys(s.Audit, keys, tok)
			return err
		}
		prevIn, prevOut := u.LastIn, u.LastOut
		if !prevIn.IsZero() && prevOut.IsZero() {
			// The previous session never logged out (window closed, crash): no OUT time to show.
			prevOut = time.Time{}
		}
		sess = &Session{Principal: p, Started: tx.Now, PreviousIn: prevIn, PreviousOut: prevOut,
			lastSeen: tx.Now, mustChangePassword: u.MustChangePassword, keys: keys, seals: s.Audit, sealTok: tok, policy: pol, fa: fa}
		return nil
	})
	if err != nil {
		if sess != nil {
			sess.end()
		}
		return nil, err
	}
	if loginErr != nil {
		return nil, loginErr
	}
	if sess.FactorStep() == "" {
		s.startSessionKey(ctx, sess)
	}
	return sess, nil
}

// ErrPasswordNeedsReset is returned when the user's key no longer opens the vault (after a
// recovery replaced this computer's device secret): an administrator must reset the password.
var ErrPasswordNeedsReset = apperr.New("password_reset_required", "",
	"このユーザーのパスワードは、復旧作業により使えなくなりました。管理者にパスワードの再設定を依頼してください。",
	"This user's password stopped working after a recovery. Ask an administrator to reset it.")

// ErrKeychainMissing is returned when the workstation's device secret is gone from the OS keychain.
var ErrKeychainMissing = apperr.New("keychain_missing", "",
	"このパソコンのキーチェーンに保管された鍵が見つかりません。リカバリーキットで復旧してください。",
	"The key kept in this computer's keychain is missing. Restore access with the Recovery Kit.")

func (s *Service) recordFailure(tx *store.Tx, u userRow, pol Policy) error {
	n := u.FailedCount + 1
	if _, err := tx.Exec(`INSERT INTO login_failures(user_id, at) VALUES(?, ?)`, u.ID, tx.NowText()); err != nil {
		return fmt.Errorf("recording failure: %w", err)
	}
	var lastHour int
	since := store.FormatTime(tx.Now.Add(-time.Hour))
	if err := tx.QueryRow(`SELECT count(*) FROM login_failures WHERE user_id = ? AND at > ?`, u.ID, since).Scan(&lastHour); err != nil {
		return fmt.Errorf("counting failures: %w", err)
	}
	var lock time.Duration
	for _, st := range pol.LockSteps {
		if n >= st.Failures {
			lock = st.Lock
		}
	}
	if lastHour >= pol.HourlyFailures && lock < time.Hour {
		lock = time.Hour
	}
	lockedUntil := ""
	if lock > 0 {
		lockedUntil = store.FormatTime(tx.Now.Add(lock))
	}
	_, err := tx.Exec(`UPDATE users SET failed_count = ?, locked_until = ? WHERE id = ?`, n, lockedUntil, u.ID)
	if err != nil {
		return fmt.Errorf("recording failure: %w", err)
	}
	return nil
}

// Logout ends the session and records the OUT time.
func (s *Service) Logout(ctx context.Context, sess *Session) error {
	if sess == nil {
		return nil
	}
	defer sess.end()
	s.dropSessionKey(ctx, sess)
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(`UPDATE users SET last_out = ? WHERE id = ?`, tx.NowText(), sess.UserID); err != nil {
			return fmt.Errorf("recording logout: %w", err)
		}
		_, err := s.Audit.Append(tx, sess.Entry(audit.ActionLogout, audit.ResultOK))
		return err
	})
}

// LockSession locks the session now (the user pressed ロック, or the idle timer fired).
func (s *Service) LockSession(ctx context.Context, sess *Session) error {
	sess.Lock()
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		_, err := s.Audit.Append(tx, sess.Entry(audit.ActionLock, audit.ResultOK))
		return err
	})
}

// UnlockSession re-opens an idle-locked session with the user's password. Failures count towards
// the account lockout like login failures.
func (s *Service) UnlockSession(ctx context.Context, sess *Session, password string) error {
	if sess == nil {
		return ErrNotLoggedIn
	}
	if sess.Expired(s.DB.Now()) {
		return ErrSessionExpired
	}
	pol := s.policy()
	var userErr error
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		u, err := userByID(tx, sess.UserID)
		if err != nil {
			return err
		}
		if u.Disabled {
			userErr = ErrNotLoggedIn
			return nil
		}
		if tx.Now.Before(u.LockedUntil) {
			userErr = apperr.New("account_locked", "", "アカウントが一時的にロックされています。しばらくしてからお試しください。", "The account is temporarily locked. Try again later.")
			return nil
		}
		keys, err := s.Vault.Unlock(tx, u.ID, password)
		if errors.Is(err, vault.ErrWrongPassword) {
			if err := s.recordFailure(tx, u, pol); err != nil {
				return err
			}
			userErr = apperr.New(apperr.CodeBadCredentials, "password", "パスワードが違います。", "The password is incorrect.")
			e := sess.Entry(audit.ActionUnlock, audit.ResultDenied)
			e.Detail = "wrong password"
			_, err := s.Audit.Append(tx, e)
			return err
		}
		if err != nil {
			return fmt.Errorf("unlocking vault: %w", err)
		}
		if _, err := tx.Exec(`UPDATE users SET failed_count = 0, locked_until = '' WHERE id = ?`, u.ID); err != nil {
			keys.Close()
			return err
		}
		if _, err := s.Audit.Append(tx, sess.Entry(audit.ActionUnlock, audit.ResultOK)); err != nil {
			keys.Close()
			return err
		}
		var factors int
		if err := tx.QueryRow(`SELECT count(*) FROM user_factors WHERE user_id = ?`, u.ID).Scan(&factors); err != nil {
			keys.Close()
			return err
		}
		sess.mu.Lock()
		if sess.ended || !sess.locked {
			// Logged out meanwhile, or unlocked by another call: keep no second set of keys.
			sess.mu.Unlock()
			keys.Close()
			return nil
		}
		sess.keys, sess.locked, sess.lastSeen = keys, false, tx.Now
		if factors == 0 && sess.fa.step == "" {
			sess.fa.verifiedAt = tx.Now // without factors, the password is the step-up proof
		}
		sess.mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	return userErr
}

// ChangePassword replaces the session user's password after checking the current one.
func (s *Service) ChangePassword(ctx context.Context, sess *Session, current, next string) error {
	if err := sess.Check(s.DB.Now()); err != nil {
		return err
	}
	if sess.FactorStep() == stepFactor {
		return ErrFactorRequired
	}
	if current == next {
		return apperr.Invalid("next", "新しいパスワードが現在のパスワードと同じです。", "The new password is the same as the current one.")
	}
	if err := CheckPassword(next, sess.Login); err != nil {
		return err
	}
	var userErr error
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		check, err := s.Vault.Unlock(tx, sess.UserID, current)
		if errors.Is(err, vault.ErrWrongPassword) {
			userErr = apperr.Invalid("current", "現在のパスワードが違います。", "The current password is incorrect.")
			e := sess.Entry(audit.ActionPasswordChange, audit.ResultDenied)
			e.TargetType, e.TargetID, e.Detail = "user", fmt.Sprint(sess.UserID), "wrong current password"
			_, err := s.Audit.Append(tx, e)
			return err
		}
		if err != nil {
			return fmt.Errorf("checking current password: %w", err)
		}
		check.Close()
		keys := sess.Keys()
		if keys == nil {
			return ErrLocked
		}
		if err := s.Vault.SetPassword(tx, keys, sess.UserID, next); err != nil {
			return fmt.Errorf("setting password: %w", err)
		}
		if _, err := tx.Exec(`UPDATE users SET must_change_password = 0, password_expires_at = '', updated_at = ? WHERE id = ?`, tx.NowText(), sess.UserID); err != nil {
			return err
		}
		e := sess.Entry(audit.ActionPasswordChange, audit.ResultOK)
		e.TargetType, e.TargetID = "user", fmt.Sprint(sess.UserID)
		_, err = s.Audit.Append(tx, e)
		return err
	})
	if err != nil {
		return err
	}
	if userErr != nil {
		return userErr
	}
	sess.mu.Lock()
	sess.mustChangePassword = false
	sess.mu.Unlock()
	return nil
}
