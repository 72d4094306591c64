package ui

import (
	"context"
	"strings"
	"unicode"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/firstrun"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/terminal"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// SessionService is setup, login, logout, locking, recovery and the menu.
type SessionService struct{ a *App }

// State returns what the frontend needs to pick a screen. It never fails because of the session.
func (s *SessionService) State() (SessionState, error) {
	a := s.a
	st := SessionState{AppName: AppName, Version: a.version, Lang: a.language()}
	pol := a.Auth.Policy
	if pol.Idle == 0 {
		pol = auth.DefaultPolicy
	}
	st.IdleMinutes, st.AbsoluteHours = int(pol.Idle.Minutes()), int(pol.Absolute.Hours())
	vs, err := firstrun.Read(context.Background(), a.DB, a.Vault)
	if err == nil && vs.Initialized {
		st.Initialized = true
		st.Office = &OfficeInfo{Name: vs.Office.Name, Kind: vs.Office.Kind}
		st.RecoveryKitPending = !vs.KitConfirmed
	}
	if err != nil {
		return st, a.fail("reading state", err)
	}
	if st.Initialized {
		err = a.DB.View(context.Background(), func(tx *store.Tx) error {
			r, err := terminal.Get(tx)
			st.TerminalRights = &TerminalRights{Reveal: r.Reveal, Download: r.Download, Dispose: r.Dispose}
			return err
		})
		if err != nil {
			return st, a.fail("reading terminal rights", err)
		}
	}
	a.mu.Lock()
	st.Problem = a.problem
	a.mu.Unlock()
	if sess := a.session(); sess != nil {
		if sess.Expired(a.now()) || (sess.FactorStep() != "" && sess.Locked()) {
			// An expired session, or a login left idle at its second-factor step, ends.
			a.endSession(sess)
		} else if sess.FactorStep() == "" {
			// While the login waits for its second factor (or its enrolment) it is not logged
			// in yet: the login screen asks FactorService.Status for the step.
			st.LoggedIn = true
			st.Locked = sess.Locked()
			st.MustChangePassword = sess.MustChangePassword()
			st.User = &UserInfo{ID: sess.UserID, Login: sess.Login, DisplayName: sess.DisplayName, IsAdmin: sess.IsAdmin}
			st.PreviousIn, st.PreviousOut = store.FormatTime(sess.PreviousIn), store.FormatTime(sess.PreviousOut)
		}
	}
	if st.LoggedIn && st.User.IsAdmin && !st.Locked {
		bs, err := a.backups.Status(context.Background())
		st.BackupDue = err == nil && bs.Due
	}
	if !st.LoggedIn || (st.User != nil && !st.User.IsAdmin) {
		// Only an administrator can act on a pending Recovery Kit.
		st.RecoveryKitPending = st.RecoveryKitPending && st.LoggedIn && st.User.IsAdmin
	}
	return st, nil
}

func (a *App) language() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lang
}

// SetLanguage switches between "ja" and "en" for this window.
func (s *SessionService) SetLanguage(lang string) error {
	if lang != "ja" && lang != "en" {
		return &Error{Code: apperr.CodeInvalid, Field: "lang", JA: "言語は ja か en です。", EN: "Language must be ja or en."}
	}
	s.a.mu.Lock()
	s.a.lang = lang
	s.a.mu.Unlock()
	return nil
}

// Setup is the first-run wizard: it records the office, creates the first administrator and the
// key hierarchy, logs the administrator in, and returns the Recovery Kit (shown once).
func (s *SessionService) Setup(req SetupRequest) (RecoveryKitView, error) {
	a := s.a
	var view RecoveryKitView
	office := officeIn(req.Office)
	admin := auth.UserInput{Login: req.AdminLogin, DisplayName: req.AdminName, IsAdmin: true}
	kit, auditKey, err := firstrun.Run(context.Background(), a.DB, a.Vault, a.Audit.Workstation, office, admin, req.Password)
	if err != nil {
		return view, a.fail("setup", err)
	}
	a.Audit.SetKey(auditKey)
	a.mu.Lock()
	a.problem = nil
	a.pendingKit = &kit
	a.mu.Unlock()
	if _, err := s.Login(admin.Login, req.Password); err != nil {
		return view, err
	}
	return kitView(kit, office.Name), nil
}

func kitView(k vault.RecoveryKit, office string) RecoveryKitView {
	return RecoveryKitView{VaultID: k.VaultID, Key: k.Key, CreatedAt: store.FormatTime(k.CreatedAt),
		OfficeName: office, Text: k.Text(office)}
}

// normaliseKey makes a typed-back recovery key comparable: case, spaces and hyphens ignored, and
// the Crockford look-alikes (O→0, I/L→1) folded.
func normaliseKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == 'O':
			b.WriteRune('0')
		case r == 'I' || r == 'L':
			b.WriteRune('1')
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ConfirmRecoveryKit finishes setup (or a kit regeneration) once the user has typed the key back.
func (s *SessionService) ConfirmRecoveryKit(key string) error {
	a := s.a
	sess, err := a.admin()
	if err != nil {
		return err
	}
	a.mu.Lock()
	kit := a.pendingKit
	a.mu.Unlock()
	if kit == nil {
		return &Error{Code: apperr.CodeConflict, JA: "確認待ちのリカバリーキットがありません。新しいキットを作成してください。",
			EN: "There is no Recovery Kit waiting for confirmation. Generate a new one."}
	}
	if normaliseKey(key) != normaliseKey(kit.Key) {
		return &Error{Code: apperr.CodeInvalid, Field: "key", JA: "入力したキーが一致しません。書き留めたキーをもう一度確認してください。",
			EN: "The key you typed does not match. Check what you wrote down."}
	}
	err = firstrun.ConfirmKit(context.Background(), a.DB, a.Audit, sess.Principal)
	if err != nil {
		return a.fail("confirming recovery kit", err)
	}
	a.mu.Lock()
	a.pendingKit = nil
	a.mu.Unlock()
	return nil
}

// RegenerateRecoveryKit replaces the Recovery Kit after re-checking the administrator's password.
// The old kit stops working at once.
func (s *SessionService) RegenerateRecoveryKit(password string) (RecoveryKitView, error) {
	a := s.a
	var view RecoveryKitView
	sess, err := a.admin()
	if err != nil {
		return view, err
	}
	kit, officeName, err := firstrun.NewKit(context.Background(), a.DB, a.Vault, a.Audit, sess.Principal, password)
	if err != nil {
		return view, a.fail("regenerating recovery kit", err)
	}
	a.mu.Lock()
	a.pendingKit = &kit
	a.mu.Unlock()
	return kitView(kit, officeName), nil
}

// Login checks the password and opens the session of this window.
func (s *SessionService) Login(login, password string) (SessionState, error) {
	a := s.a
	if !a.Audit.HasKey() {
		return SessionState{}, toError(auth.ErrKeychainMissing)
	}
	sess, err := a.Auth.Login(context.Background(), login, password)
	if err != nil {
		return SessionState{}, a.fail("login", err)
	}
	a.mu.Lock()
	old := a.sess
	a.sess = sess
	a.mu.Unlock()
	if old != nil {
		a.endSession(old)
	}
	return s.State()
}

// Logout ends the session.
func (s *SessionService) Logout() error {
	a := s.a
	sess := a.session()
	if sess == nil {
		return nil
	}
	a.mu.Lock()
	a.sess = nil
	a.pendingKit = nil
	a.mu.Unlock()
	return a.fail("logout", a.Auth.Logout(context.Background(), sess))
}

// ChangePassword sets a new password (required after an administrator-issued one).
func (s *SessionService) ChangePassword(current, next string) error {
	a := s.a
	sess := a.session()
	if sess == nil {
		return toError(auth.ErrNotLoggedIn)
	}
	return a.fail("changing password", a.Auth.ChangePassword(context.Background(), sess, current, next))
}

// Lock locks the session now (ロック button).
func (s *SessionService) Lock() error {
	a := s.a
	sess := a.session()
	if sess == nil {
		return toError(auth.ErrNotLoggedIn)
	}
	return a.fail("locking", a.Auth.LockSession(context.Background(), sess))
}

// Unlock re-opens an idle-locked session with the password.
func (s *SessionService) Unlock(password string) error {
	a := s.a
	sess := a.session()
	if sess == nil {
		return toError(auth.ErrNotLoggedIn)
	}
	err := a.Auth.UnlockSession(context.Background(), sess, password)
	if apperr.HasCode(err, apperr.CodeSessionExpired) {
		a.endSession(sess)
	}
	return a.fail("unlocking", err)
}

// Recover restores access with the Recovery Kit and logs the administrator in.
func (s *SessionService) Recover(recoveryKey, login, newPassword string) (SessionState, error) {
	a := s.a
	sess, err := a.Auth.Recover(context.Background(), recoveryKey, login, newPassword)
	if err != nil {
		return SessionState{}, a.fail("recovering", err)
	}
	a.mu.Lock()
	old := a.sess
	a.sess = sess
	a.problem = nil
	a.mu.Unlock()
	if old != nil {
		a.endSession(old)
	}
	return s.State()
}

// Menu returns the menu tree for the logged-in user.
func (s *SessionService) Menu() ([]MenuSection, error) {
	a := s.a
	sess, err := a.ready()
	if err != nil {
		return nil, err
	}
	assigned, manager, err := a.Auth.Assignments(context.Background(), sess.Principal)
	if err != nil {
		return nil, a.fail("menu", err)
	}
	return buildMenu(sess.IsAdmin, assigned, manager), nil
}

// Touch records user activity; it returns the locked / expired error when the session is no longer usable.
func (s *SessionService) Touch() error {
	sess := s.a.session()
	if sess == nil {
		return toError(auth.ErrNotLoggedIn)
	}
	if err := sess.Check(s.a.now()); err != nil {
		if apperr.HasCode(err, apperr.CodeSessionExpired) {
			s.a.endSession(sess)
		}
		return toError(err)
	}
	return nil
}
