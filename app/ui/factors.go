package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/bridge"
)

// FactorDevices is what second factors need from the hardware, through the shelter-bridge.
// *bridge.Client implements it; tests may use another implementation where no bridge runs.
type FactorDevices interface {
	Readers(ctx context.Context) ([]string, error)
	CardUID(ctx context.Context, reader string) (string, error)
	JPKIRetries(ctx context.Context, reader string) (int, error)
	JPKISign(ctx context.Context, reader, pin string, challenge []byte, allowLastTry bool) (sig, certDER []byte, err error)
	VeinInfo(ctx context.Context) (bridge.VeinInfo, error)
	VeinEnrol(ctx context.Context) (string, error)
	VeinVerify(ctx context.Context, id string) (bool, error)
	VeinDelete(ctx context.Context, id string) error
	VeinCancel(ctx context.Context) error
}

var _ FactorDevices = (*bridge.Client)(nil)

// FactorService is 二要素認証: enrolling and removing second factors (vein, staff IC card, My
// Number card JPKI), the login's second step, unlocking an idle-locked session by the factor
// alone, the step-up before a reveal, a bulk download or a disposal, and (administrators) the
// office policy and the JPKI trust anchors. Device errors carry the bridge's code; without the
// bridge, code "bridge_unavailable" (the password still logs in when no factor is required and
// still unlocks). PINs go to the bridge and are forgotten.
type FactorService struct {
	a *App
	// Devices defaults to a bridge client on the app's bridge socket.
	Devices FactorDevices
}

func newFactorService(a *App, socket string, policy string) *FactorService {
	if socket == "" {
		socket = bridge.SocketPath()
	}
	c := &bridge.Client{Path: socket}
	a.Auth.SessionKeys = c
	// The default is app/auth's (required), the one place every entry point reads: a
	// configuration only ever makes it explicitly optional.
	if policy == string(auth.FactorOptional) {
		a.Auth.DefaultFactorPolicy = auth.FactorOptional
	}
	return &FactorService{a: a, Devices: c}
}

// Time limits of device calls: a card answers in about a second, a vein capture waits for a hand.
const (
	factorCardTimeout = 30 * time.Second
	factorVeinTimeout = 90 * time.Second
)

// FactorView is one enrolled factor (never a UID or a template).
type FactorView struct {
	ID       int64  `json:"id"`
	Kind     string `json:"kind"` // vein | card | jpki
	Label    string `json:"label"`
	Created  string `json:"created"`
	LastUsed string `json:"lastUsed"`
	Sensor   string `json:"sensor,omitempty"`
	Subject  string `json:"subject,omitempty"`
	NotAfter string `json:"notAfter,omitempty"`
	// Fingerprint is the start of the JPKI certificate's SHA-256 (public), for recognising it.
	Fingerprint string `json:"fingerprint,omitempty"`
}

func factorOut(f auth.Factor) FactorView {
	v := FactorView{ID: f.ID, Kind: string(f.Kind), Label: f.Label, Created: store.FormatTime(f.Created),
		LastUsed: store.FormatTime(f.LastUsed), Sensor: f.VeinSensor, Subject: f.JPKISubject, NotAfter: store.FormatTime(f.JPKINotAfter)}
	if len(f.JPKIFingerprint) >= 16 {
		v.Fingerprint = f.JPKIFingerprint[:16]
	}
	return v
}

func factorsOut(fs []auth.Factor) []FactorView {
	out := make([]FactorView, len(fs))
	for i, f := range fs {
		out[i] = factorOut(f)
	}
	return out
}

// FactorStatus is the second-factor state of this window's session.
type FactorStatus struct {
	// Step is "" (login complete), "factor" (choose a factor to finish the login) or "enrol"
	// (the office requires a factor: enrol one to finish the login).
	Step     string       `json:"step"`
	LoggedIn bool         `json:"loggedIn"`
	Locked   bool         `json:"locked"`
	Factors  []FactorView `json:"factors"`
	Policy   string       `json:"policy"`
	// UnlockByFactor: the session can be unlocked by a factor alone.
	UnlockByFactor bool `json:"unlockByFactor"`
	// StepUpWith is "factor" or, for a user without factors, "password".
	StepUpWith string `json:"stepUpWith"`
	// IsAdmin: at the enrolment step an administrator may make factors optional instead
	// (an office without readers or a vein sensor).
	IsAdmin bool `json:"isAdmin"`
}

// FactorRequest names the factor to check and where: the reader ("" = the only one) and, for
// JPKI, the 4-digit PIN (allowLastTry to try it with one try left).
type FactorRequest struct {
	FactorID     int64  `json:"factorId"`
	Reader       string `json:"reader"`
	PIN          string `json:"pin"`
	AllowLastTry bool   `json:"allowLastTry"`
}

// FactorEnrolRequest is a new factor: kind vein | card | jpki, an optional label, the user's
// password, the reader and (JPKI) the PIN.
type FactorEnrolRequest struct {
	Kind         string `json:"kind"`
	Label        string `json:"label"`
	Password     string `json:"password"`
	Reader       string `json:"reader"`
	PIN          string `json:"pin"`
	AllowLastTry bool   `json:"allowLastTry"`
}

// TrustAnchorView describes one JPKI trust anchor.
type TrustAnchorView struct {
	Subject     string `json:"subject"`
	NotAfter    string `json:"notAfter"`
	Fingerprint string `json:"fingerprint"` // SHA-256, hex
}

// FactorSettings is the office's second-factor settings (administrators).
type FactorSettings struct {
	Policy  string            `json:"policy"` // required | optional
	Anchors string            `json:"anchors"`
	List    []TrustAnchorView `json:"list"`
}

// UserFactors is one user's factors, for the administrator.
type UserFactors struct {
	UserID      int64        `json:"userId"`
	Login       string       `json:"login"`
	DisplayName string       `json:"displayName"`
	Factors     []FactorView `json:"factors"`
}

// own returns the window's session while it is alive (also at the factor step and locked).
func (s *FactorService) own() (*auth.Session, error) {
	sess := s.a.session()
	if sess == nil {
		return nil, toError(auth.ErrNotLoggedIn)
	}
	if sess.Expired(s.a.now()) {
		s.a.endSession(sess)
		return nil, toError(auth.ErrSessionExpired)
	}
	return sess, nil
}

// Status returns the session's second-factor state and the user's factors.
func (s *FactorService) Status() (FactorStatus, error) {
	sess, err := s.own()
	if err != nil {
		return FactorStatus{}, err
	}
	fs, err := s.a.Auth.Factors(context.Background(), sess, sess.UserID)
	if err != nil {
		return FactorStatus{}, s.a.fail("reading factors", err)
	}
	pol, err := s.a.Auth.FactorPolicy(context.Background())
	if err != nil {
		return FactorStatus{}, s.a.fail("reading factors", err)
	}
	st := FactorStatus{Step: sess.FactorStep(), Locked: sess.Locked(), Factors: factorsOut(fs), Policy: string(pol),
		UnlockByFactor: sess.FactorUnlockAvailable() && len(fs) > 0, StepUpWith: "factor", IsAdmin: sess.IsAdmin}
	st.LoggedIn = st.Step == ""
	if len(fs) == 0 {
		st.StepUpWith = "password"
	}
	return st, nil
}

// Readers lists the IC card readers (for choosing one at the login step too).
func (s *FactorService) Readers() ([]string, error) {
	if _, err := s.own(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), factorCardTimeout)
	defer cancel()
	rs, err := s.Devices.Readers(ctx)
	if err != nil {
		return nil, s.deviceErr(err)
	}
	if rs == nil {
		rs = []string{}
	}
	return rs, nil
}

// JPKIRetries returns the JPKI PIN tries left on the card on reader, to show before the PIN.
func (s *FactorService) JPKIRetries(reader string) (int, error) {
	if _, err := s.own(); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), factorCardTimeout)
	defer cancel()
	n, err := s.Devices.JPKIRetries(ctx, reader)
	if err != nil {
		return 0, s.deviceErr(err)
	}
	return n, nil
}

// CancelVein stops a vein capture in progress.
func (s *FactorService) CancelVein() error {
	if _, err := s.own(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), factorCardTimeout)
	defer cancel()
	return s.deviceErr(s.Devices.VeinCancel(ctx))
}

// factorOf returns the session user's factor id.
func (s *FactorService) factorOf(sess *auth.Session, id int64) (auth.Factor, error) {
	fs, err := s.a.Auth.Factors(context.Background(), sess, sess.UserID)
	if err != nil {
		return auth.Factor{}, err
	}
	for _, f := range fs {
		if f.ID == id {
			return f, nil
		}
	}
	return auth.Factor{}, apperr.New(apperr.CodeNotFound, "factor", "この認証要素は登録されていません。", "This factor is not enrolled.")
}

// proof asks the device for a proof of f.
func (s *FactorService) proof(sess *auth.Session, f auth.Factor, req FactorRequest) (auth.Proof, error) {
	p := auth.Proof{Kind: f.Kind}
	switch f.Kind {
	case auth.FactorCard:
		ctx, cancel := context.WithTimeout(context.Background(), factorCardTimeout)
		defer cancel()
		uid, err := s.Devices.CardUID(ctx, req.Reader)
		if err != nil {
			return p, s.deviceErr(err)
		}
		if p.CardUID, err = hex.DecodeString(uid); err != nil {
			return p, s.deviceErr(&bridge.Error{Code: "card_error"})
		}
	case auth.FactorJPKI:
		ch, err := s.a.Auth.FactorChallenge(sess)
		if err != nil {
			return p, s.a.fail("challenge", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), factorCardTimeout)
		defer cancel()
		sig, cert, err := s.Devices.JPKISign(ctx, req.Reader, req.PIN, ch, req.AllowLastTry)
		if err != nil {
			return p, s.deviceErr(err)
		}
		p.Challenge, p.Signature, p.Certificate = ch, sig, cert
	case auth.FactorVein:
		ctx, cancel := context.WithTimeout(context.Background(), factorVeinTimeout)
		defer cancel()
		info, err := s.Devices.VeinInfo(ctx)
		if err != nil {
			return p, s.deviceErr(err)
		}
		if info.Serial != f.VeinSensor {
			return p, &Error{Code: "other_sensor", JA: "この静脈は別のセンサー（" + f.VeinSensor + "）で登録されています。そのセンサーをつないでください。",
				EN: "This vein was enrolled on another sensor (" + f.VeinSensor + "). Connect that sensor."}
		}
		match, err := s.Devices.VeinVerify(ctx, f.VeinTemplate)
		if err != nil {
			return p, s.deviceErr(err)
		}
		p.VeinSensor, p.VeinTemplate, p.VeinMatch = info.Serial, f.VeinTemplate, match
	}
	return p, nil
}

// Login finishes a login waiting for its second factor and returns the new state.
func (s *FactorService) Login(req FactorRequest) (SessionState, error) {
	sess, err := s.own()
	if err != nil {
		return SessionState{}, err
	}
	f, err := s.factorOf(sess, req.FactorID)
	if err != nil {
		return SessionState{}, s.a.fail("login factor", err)
	}
	p, err := s.proof(sess, f, req)
	req.PIN = ""
	if err != nil {
		return SessionState{}, err
	}
	if err := s.a.Auth.LoginFactor(context.Background(), sess, f.ID, p); err != nil {
		return SessionState{}, s.a.fail("login factor", err)
	}
	return s.a.Session.State()
}

// Unlock re-opens the idle-locked session by a factor alone (code "factor_unlock_unavailable"
// when the bridge holds no session key: use the password).
func (s *FactorService) Unlock(req FactorRequest) error {
	sess, err := s.own()
	if err != nil {
		return err
	}
	if !sess.FactorUnlockAvailable() {
		return toError(auth.ErrFactorUnlockUnavailable)
	}
	f, err := s.factorOf(sess, req.FactorID)
	if err != nil {
		return s.a.fail("unlock factor", err)
	}
	p, err := s.proof(sess, f, req)
	req.PIN = ""
	if err != nil {
		return err
	}
	err = s.a.Auth.UnlockWithFactor(context.Background(), sess, f.ID, p)
	if apperr.HasCode(err, apperr.CodeSessionExpired) {
		s.a.endSession(sess)
	}
	return s.a.fail("unlock factor", err)
}

// StepUp confirms a factor before a reveal, a bulk download or a disposal (valid 5 minutes).
func (s *FactorService) StepUp(req FactorRequest) error {
	sess, err := s.a.ready()
	if err != nil {
		return err
	}
	f, err := s.factorOf(sess, req.FactorID)
	if err != nil {
		return s.a.fail("step-up", err)
	}
	p, err := s.proof(sess, f, req)
	req.PIN = ""
	if err != nil {
		return err
	}
	return s.a.fail("step-up", s.a.Auth.StepUp(context.Background(), sess, f.ID, p))
}

// StepUpPassword is the step-up of a user without factors (office policy optional).
func (s *FactorService) StepUpPassword(password string) error {
	sess, err := s.a.ready()
	if err != nil {
		return err
	}
	return s.a.fail("step-up", s.a.Auth.StepUpPassword(context.Background(), sess, password))
}

// readyStepUp is ready plus a factor (or, without factors, the password) confirmed within the
// last 5 minutes; otherwise code "step_up_required" (the frontend asks and retries).
func (a *App) readyStepUp() (*auth.Session, error) {
	sess, err := a.ready()
	if err != nil {
		return nil, err
	}
	if err := a.Auth.RequireStepUp(sess); err != nil {
		return nil, toError(err)
	}
	return sess, nil
}

// Enrol adds a factor for the logged-in user (also at the login's enrolment step). A vein
// template made on the sensor is deleted again when the enrolment is refused.
func (s *FactorService) Enrol(req FactorEnrolRequest) (FactorView, error) {
	sess, err := s.own()
	if err != nil {
		return FactorView{}, err
	}
	if err := sess.Check(s.a.now()); err != nil {
		return FactorView{}, toError(err)
	}
	if req.Password == "" {
		return FactorView{}, &Error{Code: apperr.CodeInvalid, Field: "password", JA: "パスワードを入力してください。", EN: "Enter your password."}
	}
	kind := auth.FactorKind(req.Kind)
	p := auth.Proof{Kind: kind}
	switch kind {
	case auth.FactorCard, auth.FactorJPKI:
		p, err = s.proof(sess, auth.Factor{Kind: kind}, FactorRequest{Reader: req.Reader, PIN: req.PIN, AllowLastTry: req.AllowLastTry})
		req.PIN = ""
		if err != nil {
			return FactorView{}, err
		}
	case auth.FactorVein:
		ctx, cancel := context.WithTimeout(context.Background(), factorVeinTimeout)
		defer cancel()
		info, err := s.Devices.VeinInfo(ctx)
		if err != nil {
			return FactorView{}, s.deviceErr(err)
		}
		id, err := s.Devices.VeinEnrol(ctx)
		if err != nil {
			return FactorView{}, s.deviceErr(err)
		}
		p.VeinSensor, p.VeinTemplate, p.VeinMatch = info.Serial, id, true
	default:
		return FactorView{}, &Error{Code: apperr.CodeInvalid, Field: "kind", JA: "認証要素の種類を選んでください。", EN: "Choose a kind of factor."}
	}
	f, err := s.a.Auth.EnrolFactor(context.Background(), sess, req.Password, req.Label, p)
	req.Password = ""
	if err != nil {
		if kind == auth.FactorVein {
			s.deleteTemplate(p.VeinTemplate)
		}
		return FactorView{}, s.a.fail("enrolling a factor", err)
	}
	return factorOut(f), nil
}

func (s *FactorService) deleteTemplate(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), factorCardTimeout)
	defer cancel()
	if err := s.Devices.VeinDelete(ctx, id); err != nil {
		s.a.log.Warn("deleting a vein template", "err", err)
	}
}

// Remove deletes a factor after the password of the logged-in user: their own, or (an
// administrator) another user's. A vein template is also deleted from the sensor when it is
// connected.
func (s *FactorService) Remove(factorID int64, password string) error {
	sess, err := s.a.ready()
	if err != nil {
		return err
	}
	f, err := s.a.Auth.RemoveFactor(context.Background(), sess, password, factorID)
	if err != nil {
		return s.a.fail("removing a factor", err)
	}
	if f.Kind == auth.FactorVein {
		s.deleteTemplate(f.VeinTemplate)
	}
	return nil
}

// AllFactors lists every user's factors (administrators).
func (s *FactorService) AllFactors() ([]UserFactors, error) {
	sess, err := s.a.admin()
	if err != nil {
		return nil, err
	}
	users, err := s.a.Auth.ListUsers(context.Background(), sess.Principal)
	if err != nil {
		return nil, s.a.fail("listing factors", err)
	}
	out := make([]UserFactors, 0, len(users))
	for _, u := range users {
		fs, err := s.a.Auth.Factors(context.Background(), sess, u.ID)
		if err != nil {
			return nil, s.a.fail("listing factors", err)
		}
		out = append(out, UserFactors{UserID: u.ID, Login: u.Login, DisplayName: u.DisplayName, Factors: factorsOut(fs)})
	}
	return out, nil
}

// Settings returns the policy and the JPKI trust anchors (administrators).
func (s *FactorService) Settings() (FactorSettings, error) {
	if _, err := s.a.admin(); err != nil {
		return FactorSettings{}, err
	}
	pol, err := s.a.Auth.FactorPolicy(context.Background())
	if err != nil {
		return FactorSettings{}, s.a.fail("factor settings", err)
	}
	bundle, err := s.a.Auth.TrustAnchors(context.Background())
	if err != nil {
		return FactorSettings{}, s.a.fail("factor settings", err)
	}
	out := FactorSettings{Policy: string(pol), Anchors: bundle, List: []TrustAnchorView{}}
	certs, _ := auth.ParseTrustAnchors(bundle)
	for _, c := range certs {
		sum := sha256.Sum256(c.Raw)
		subject := c.Subject.CommonName
		if subject == "" {
			subject = strings.Join(c.Subject.OrganizationalUnit, " ")
		}
		out.List = append(out.List, TrustAnchorView{Subject: subject, NotAfter: store.FormatTime(c.NotAfter), Fingerprint: hex.EncodeToString(sum[:])})
	}
	return out, nil
}

// SetPolicy sets the office policy: "required" or "optional" (administrators; in the history
// with reason, which "optional" needs). An administrator at the enrolment step — the first-run
// wizard of an office without readers, before its Recovery Kit is confirmed — may choose
// "optional" to finish the login.
func (s *FactorService) SetPolicy(policy, reason string) error {
	sess, err := s.own()
	if err != nil {
		return err
	}
	if sess.FactorStep() != "enrol" {
		if sess, err = s.a.admin(); err != nil {
			return err
		}
	}
	return s.a.fail("factor policy", s.a.Auth.SetFactorPolicy(context.Background(), sess, auth.FactorPolicy(policy), reason))
}

// SetTrustAnchors replaces the JPKI trust anchors with a PEM bundle of CA certificates ("" removes
// them; administrators; in the history).
func (s *FactorService) SetTrustAnchors(bundle string) (FactorSettings, error) {
	sess, err := s.a.admin()
	if err != nil {
		return FactorSettings{}, err
	}
	if _, err := s.a.Auth.SetTrustAnchors(context.Background(), sess, bundle); err != nil {
		return FactorSettings{}, s.a.fail("trust anchors", err)
	}
	return s.Settings()
}

// deviceErr maps the error of a factor's device call.
func (s *FactorService) deviceErr(err error) error { return s.a.bridgeErr(err, errFactorBridgeDown) }

var errFactorBridgeDown = &Error{Code: CodeBridgeUnavailable,
	JA: "機器連携（shelter-bridge）が起動していないため、認証要素を使えません。起動してから、もう一度お試しください。",
	EN: "The device service (shelter-bridge) is not running, so the factor cannot be used. Start it and try again."}
