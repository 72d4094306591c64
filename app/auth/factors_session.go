package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/jpkiauth"
)

// Login steps of a session ([Session.FactorStep]).
const (
	stepFactor = "factor" // the password was right; the second factor is awaited
	stepEnrol  = "enrol"  // the office requires a factor and the user has none
)

// StepUpWindow is how long a factor check (or, for a user without factors under
// [FactorOptional], the password) lets a reveal, a bulk download or a disposal go ahead.
const StepUpWindow = 5 * time.Minute

// challengeTTL is how long a JPKI challenge may be answered.
const challengeTTL = 2 * time.Minute

// sessionKeyTimeout bounds one call to the [SessionKeyStore].
const sessionKeyTimeout = 5 * time.Second

// factorSession is the second-factor state of a [Session], guarded by its mu.
type factorSession struct {
	step       string
	vaultID    string
	keyID      string    // the session key's name at the store: "<user id>-<random>"
	verifiedAt time.Time // last factor (or step-up password) check
	challenge  []byte
	issuedAt   time.Time
	sealed     []byte // the root key sealed under the session key; nil when the store has none
}

// SessionKeyStore keeps session keys outside the app: the shelter-bridge, which puts them in
// the OS keychain and deletes them at their expiry. *bridge.Client implements it. ids match
// [A-Za-z0-9_-]{1,64}.
type SessionKeyStore interface {
	PutSessionKey(ctx context.Context, vaultID, id string, key []byte, expires time.Time) error
	SessionKey(ctx context.Context, vaultID, id string) ([]byte, error)
	DeleteSessionKey(ctx context.Context, vaultID, id string) error
}

// FactorStep is "" once the login is complete, "factor" while it waits for the second factor
// (only [Service.LoginFactor] works then), "enrol" while the office requires a factor the user
// has not enrolled (only [Service.EnrolFactor] works).
func (s *Session) FactorStep() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fa.step
}

// FactorUnlockAvailable reports whether the session can be unlocked by a factor alone: its
// session key was handed to the [SessionKeyStore] at login.
func (s *Session) FactorUnlockAvailable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fa.sealed != nil
}

// SessionKeyName returns the vault id and the id under which the session key is kept at the
// [SessionKeyStore] (the bridge's keychain account is "session/<vault id>/<id>").
func (s *Session) SessionKeyName() (vaultID, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fa.vaultID, s.fa.keyID
}

// StepUpAt returns when the user last proved a factor (or step-up password); zero if never.
func (s *Session) StepUpAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fa.verifiedAt
}

// alive returns nil when the session has neither ended nor expired (locked or not).
func (s *Session) alive(now time.Time) error {
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
	}
	return nil
}

func (s *Session) completeFactorStep(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fa.step, s.fa.verifiedAt = "", now
}

// takeChallenge returns the session's JPKI challenge when it is fresh and forgets it (one use).
func (s *Session) takeChallenge(now time.Time) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.fa.challenge
	s.fa.challenge = nil
	if c == nil || now.Sub(s.fa.issuedAt) >= challengeTTL || now.Before(s.fa.issuedAt) {
		return nil
	}
	return c
}

// FactorChallenge draws a fresh challenge ([jpkiauth.NewChallenge]) for a JPKI signature; the next
// factor check or enrolment of this session must use it within two minutes; it is good once.
func (s *Service) FactorChallenge(sess *Session) ([]byte, error) {
	now := s.DB.Now()
	if err := sess.alive(now); err != nil {
		return nil, err
	}
	c, err := jpkiauth.NewChallenge(s.rand())
	if err != nil {
		return nil, err
	}
	sess.mu.Lock()
	sess.fa.challenge, sess.fa.issuedAt = append([]byte(nil), c...), now
	sess.mu.Unlock()
	return c, nil
}

// loginStep decides the step a login continues with after the right password.
func (s *Service) loginStep(tx *store.Tx, userID int64) (string, error) {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM user_factors WHERE user_id = ?`, userID).Scan(&n); err != nil {
		return "", fmt.Errorf("counting factors: %w", err)
	}
	if n > 0 {
		return stepFactor, nil
	}
	pol, err := s.factorPolicy(tx)
	if err != nil {
		return "", err
	}
	if pol == FactorRequired {
		return stepEnrol, nil
	}
	return "", nil
}

func newKeyID(r io.Reader, userID int64) (string, error) {
	b := make([]byte, 8)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("reading session id: %w", err)
	}
	return fmt.Sprintf("%d-%s", userID, hex.EncodeToString(b)), nil
}

// startSessionKey draws the session key at a completed login, seals the keys under it in the
// session and hands it to the store until the session's absolute end. Without a store, or when
// the store refuses, the session simply cannot be unlocked by a factor alone.
func (s *Service) startSessionKey(ctx context.Context, sess *Session) {
	keys := sess.Keys()
	if s.SessionKeys == nil || keys == nil {
		return
	}
	sk := make([]byte, vault.SessionKeySize)
	defer clear(sk)
	if _, err := io.ReadFull(rand.Reader, sk); err != nil {
		return
	}
	sealed, err := keys.SealForSession(sk)
	if err != nil {
		return
	}
	sess.mu.Lock()
	vaultID, id, expires := sess.fa.vaultID, sess.fa.keyID, sess.Started.Add(sess.policy.Absolute)
	sess.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, sessionKeyTimeout)
	defer cancel()
	if err := s.SessionKeys.PutSessionKey(ctx, vaultID, id, sk, expires); err != nil {
		return
	}
	sess.mu.Lock()
	sess.fa.sealed = sealed
	sess.mu.Unlock()
}

// dropSessionKey deletes the session key from the store and zeroes the sealed keys (logout,
// session end).
func (s *Service) dropSessionKey(ctx context.Context, sess *Session) {
	sess.mu.Lock()
	had := sess.fa.sealed != nil
	clear(sess.fa.sealed)
	sess.fa.sealed = nil
	vaultID, id := sess.fa.vaultID, sess.fa.keyID
	sess.mu.Unlock()
	if !had || s.SessionKeys == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, sessionKeyTimeout)
	defer cancel()
	_ = s.SessionKeys.DeleteSessionKey(ctx, vaultID, id) // the store also deletes it at its expiry
}

// factorUse says what a factor check is for: the history entries it writes.
type factorUse struct {
	ok, failed audit.Action
	what       string
	login      bool // a completed login: record the IN time
}

var (
	useLogin  = factorUse{audit.ActionLogin, audit.ActionLoginFailed, "second factor", true}
	useUnlock = factorUse{audit.ActionUnlock, audit.ActionUnlock, "unlock by second factor", false}
	useStepUp = factorUse{audit.ActionLogin, audit.ActionLoginFailed, "step-up", false}
)

// verifyFactor checks p against the session user's factor factorID in one transaction. A proof
// that does not match counts towards the lockout like a wrong password. lockedOut reports that
// this failure locked the account.
func (s *Service) verifyFactor(ctx context.Context, sess *Session, keys *vault.Keys, factorID int64, p Proof,
	challenge []byte, use factorUse) (userErr error, lockedOut bool, err error) {
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		u, err := userByID(tx, sess.UserID)
		if err != nil {
			return err
		}
		if u.Disabled {
			userErr = ErrNotLoggedIn
			return nil
		}
		if tx.Now.Before(u.LockedUntil) {
			userErr, lockedOut = errAccountLocked, true
			return nil
		}
		f, err := factorByID(tx, factorID)
		if errors.Is(err, errFactorGone) || (err == nil && f.UserID != u.ID) {
			userErr = errFactorGone
			e := sess.Entry(use.failed, audit.ResultDenied)
			e.Detail = use.what + ": factor not enrolled"
			_, err := s.Audit.Append(tx, e)
			return err
		}
		if err != nil {
			return err
		}
		reason, err := s.check(tx, keys, f, p, challenge)
		if _, ok := apperr.As(err); ok {
			userErr = err
			return nil
		}
		if err != nil {
			return err
		}
		if reason != "" {
			if err := s.recordFailure(tx, u, s.policy()); err != nil {
				return err
			}
			var until string
			if err := tx.QueryRow(`SELECT locked_until FROM users WHERE id = ?`, u.ID).Scan(&until); err != nil {
				return err
			}
			lockedOut = until != ""
			userErr = refusal(f.Kind)
			e := sess.Entry(use.failed, audit.ResultDenied)
			e.Detail = fmt.Sprintf("%s refused (%s #%d): %s", use.what, f.Kind, f.ID, reason)
			_, err := s.Audit.Append(tx, e)
			return err
		}
		if _, err := tx.Exec(`UPDATE user_factors SET last_used = ? WHERE id = ?`, tx.NowText(), f.ID); err != nil {
			return err
		}
		if use.login {
			_, err = tx.Exec(`UPDATE users SET failed_count = 0, locked_until = '', prev_in = last_in, prev_out = last_out,
				last_in = ?, last_out = '', updated_at = ? WHERE id = ?`, tx.NowText(), tx.NowText(), u.ID)
		} else {
			_, err = tx.Exec(`UPDATE users SET failed_count = 0, locked_until = '' WHERE id = ?`, u.ID)
		}
		if err != nil {
			return fmt.Errorf("recording %s: %w", use.what, err)
		}
		e := sess.Entry(use.ok, audit.ResultOK)
		e.Detail = fmt.Sprintf("%s: %s #%d", use.what, f.Kind, f.ID)
		_, err = s.Audit.Append(tx, e)
		return err
	})
	return userErr, lockedOut, err
}

// LoginFactor completes a login that waits for its second factor ([Session.FactorStep]
// "factor") with a proof of one of the user's factors. A refused proof counts towards the
// lockout; when it locks the account the session ends. On success the IN time is recorded and
// the session key is handed to the [SessionKeyStore].
func (s *Service) LoginFactor(ctx context.Context, sess *Session, factorID int64, p Proof) error {
	now := s.DB.Now()
	if err := sess.Check(now); err != nil {
		return err
	}
	if sess.FactorStep() != stepFactor {
		return apperr.New(apperr.CodeConflict, "", "二要素認証は完了しています。", "The second factor was already checked.")
	}
	userErr, lockedOut, err := s.verifyFactor(ctx, sess, sess.Keys(), factorID, p, sess.takeChallenge(now), useLogin)
	if err != nil {
		return err
	}
	if userErr != nil {
		if lockedOut {
			sess.end()
		}
		return userErr
	}
	sess.completeFactorStep(now)
	s.startSessionKey(ctx, sess)
	return nil
}

// UnlockWithFactor re-opens an idle-locked session with a factor alone: the proof is checked,
// the session key is fetched from the [SessionKeyStore] and opens the keys sealed at login.
// [ErrFactorUnlockUnavailable] when the store has no key (no bridge, expired): the password
// still works ([Service.UnlockSession]). A refused proof counts towards the lockout.
func (s *Service) UnlockWithFactor(ctx context.Context, sess *Session, factorID int64, p Proof) error {
	if sess == nil {
		return ErrNotLoggedIn
	}
	now := s.DB.Now()
	if err := sess.alive(now); err != nil {
		return err
	}
	if !sess.Locked() {
		return nil
	}
	sess.mu.Lock()
	sealed := append([]byte(nil), sess.fa.sealed...)
	vaultID, id, step := sess.fa.vaultID, sess.fa.keyID, sess.fa.step
	sess.mu.Unlock()
	if len(sealed) == 0 || s.SessionKeys == nil || step != "" {
		return ErrFactorUnlockUnavailable
	}
	kctx, cancel := context.WithTimeout(ctx, sessionKeyTimeout)
	sk, err := s.SessionKeys.SessionKey(kctx, vaultID, id)
	cancel()
	if err != nil {
		return ErrFactorUnlockUnavailable
	}
	keys, err := s.Vault.OpenSessionKeys(vaultID, sk, sealed)
	clear(sk)
	if err != nil {
		return ErrFactorUnlockUnavailable
	}
	userErr, _, err := s.verifyFactor(ctx, sess, keys, factorID, p, sess.takeChallenge(now), useUnlock)
	if err != nil || userErr != nil {
		keys.Close()
		if err != nil {
			return err
		}
		return userErr
	}
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.ended {
		keys.Close()
		return ErrNotLoggedIn
	}
	if !sess.locked {
		keys.Close() // unlocked by another call meanwhile
		return nil
	}
	sess.keys, sess.locked, sess.lastSeen, sess.fa.verifiedAt = keys, false, now, now
	return nil
}

// StepUp records a fresh factor check before a reveal, a bulk download or a disposal
// ([Service.RequireStepUp]). A refused proof counts towards the lockout; when it locks the
// account the session is locked too.
func (s *Service) StepUp(ctx context.Context, sess *Session, factorID int64, p Proof) error {
	now := s.DB.Now()
	if err := sess.CheckReady(now); err != nil {
		return err
	}
	userErr, lockedOut, err := s.verifyFactor(ctx, sess, sess.Keys(), factorID, p, sess.takeChallenge(now), useStepUp)
	if err != nil {
		return err
	}
	return sess.steppedUp(now, userErr, lockedOut)
}

// StepUpPassword is the step-up of a user who has no factor (possible only under
// [FactorOptional]): the password again. A user with factors must use one (code "use_factor").
// A wrong password counts towards the lockout; when it locks the account the session is locked.
func (s *Service) StepUpPassword(ctx context.Context, sess *Session, password string) error {
	now := s.DB.Now()
	if err := sess.CheckReady(now); err != nil {
		return err
	}
	var userErr error
	var lockedOut bool
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		u, err := userByID(tx, sess.UserID)
		if err != nil {
			return err
		}
		if tx.Now.Before(u.LockedUntil) {
			userErr = errAccountLocked
			return nil
		}
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM user_factors WHERE user_id = ?`, u.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			userErr = apperr.New("use_factor", "", "登録されている認証要素で確認してください。", "Confirm with one of your enrolled factors.")
			return nil
		}
		check, err := s.Vault.Unlock(tx, u.ID, password)
		if errors.Is(err, vault.ErrWrongPassword) {
			if err := s.recordFailure(tx, u, s.policy()); err != nil {
				return err
			}
			var until string
			if err := tx.QueryRow(`SELECT locked_until FROM users WHERE id = ?`, u.ID).Scan(&until); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			userErr, lockedOut = errWrongPassword, until != ""
			e := sess.Entry(audit.ActionLoginFailed, audit.ResultDenied)
			e.Detail = "step-up refused: wrong password"
			_, err := s.Audit.Append(tx, e)
			return err
		}
		if err != nil {
			return fmt.Errorf("checking password: %w", err)
		}
		check.Close()
		if _, err := tx.Exec(`UPDATE users SET failed_count = 0, locked_until = '' WHERE id = ?`, u.ID); err != nil {
			return err
		}
		e := sess.Entry(audit.ActionLogin, audit.ResultOK)
		e.Detail = "step-up: password"
		_, err = s.Audit.Append(tx, e)
		return err
	})
	if err != nil {
		return err
	}
	return sess.steppedUp(now, userErr, lockedOut)
}

// RequireStepUp returns nil when the session's user proved a factor (or, without factors, the
// password) within [StepUpWindow], and [ErrStepUpRequired] otherwise. A completed login and an
// unlock count as such a proof.
func (s *Service) RequireStepUp(sess *Session) error {
	now := s.DB.Now()
	at := sess.StepUpAt()
	if at.IsZero() || now.Sub(at) >= StepUpWindow || now.Before(at) {
		return ErrStepUpRequired
	}
	return nil
}

// steppedUp ends a step-up: a refused proof returns userErr (and locks the session when the
// refusal locked the account); an accepted one starts a new step-up window at now.
func (sess *Session) steppedUp(now time.Time, userErr error, lockedOut bool) error {
	if userErr != nil {
		if lockedOut {
			sess.Lock()
		}
		return userErr
	}
	sess.mu.Lock()
	sess.fa.verifiedAt = now
	sess.mu.Unlock()
	return nil
}
