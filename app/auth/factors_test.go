package auth

import (
	"bytes"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/devices/card"
	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
)

var (
	staffUID = []byte{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}
	otherUID = []byte{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x67}
)

func cardProof(uid []byte) Proof { return Proof{Kind: FactorCard, CardUID: uid} }

// TestFactorRequiredPolicy: without a factor only enrolment works; with one the login waits for
// it; the UID never reaches the database or the history; the session key exists only between a
// completed login and the logout.
func TestFactorRequiredPolicy(t *testing.T) {
	e := newFEnv(t, FactorRequired)
	s := e.login("tanaka", tanakaPW)
	if s.FactorStep() != "enrol" || codeOf(s.CheckReady(e.clock.Now())) != "enrol_required" {
		t.Fatalf("no factor under required: step %q, %v", s.FactorStep(), s.CheckReady(e.clock.Now()))
	}
	if e.store.count() != 0 {
		t.Fatal("a session key before the login completed")
	}
	if _, err := e.svc.EnrolFactor(e.ctx, s, "not my password", "", cardProof(staffUID)); codeOf(err) != "bad_credentials" {
		t.Fatalf("enrol with a wrong password: %v", err)
	}
	if n, _ := e.failedCount(e.tanaka); n != 1 {
		t.Fatalf("a wrong password at enrolment was not counted: %d", n)
	}
	if _, err := e.svc.EnrolFactor(e.ctx, s, tanakaPW, "", cardProof([]byte{1, 2})); codeOf(err) != "invalid" {
		t.Fatalf("a 2-byte UID: %v", err)
	}
	f, err := e.svc.EnrolFactor(e.ctx, s, tanakaPW, "職員証 (青)", cardProof(staffUID))
	if err != nil {
		t.Fatal(err)
	}
	if f.Kind != FactorCard || f.Label != "職員証 (青)" || s.FactorStep() != "" || s.CheckReady(e.clock.Now()) != nil {
		t.Fatalf("after enrolment: %+v step %q", f, s.FactorStep())
	}
	if e.store.count() != 1 || !s.FactorUnlockAvailable() || e.svc.RequireStepUp(s) != nil {
		t.Fatal("the completed login has no session key or no step-up")
	}
	// The same card cannot be enrolled twice (by anyone).
	if _, err := e.svc.EnrolFactor(e.ctx, s, tanakaPW, "", cardProof(staffUID)); codeOf(err) != "conflict" {
		t.Fatalf("the same card twice: %v", err)
	}
	e.svc.DB.View(e.ctx, func(tx *store.Tx) error {
		var key []byte
		if err := tx.QueryRow(`SELECT match_key FROM user_factors WHERE id = ?`, f.ID).Scan(&key); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(key, staffUID) || len(key) != 32 {
			t.Fatal("the UID is stored")
		}
		return nil
	})
	for _, d := range e.history(audit.ActionUserUpdate) {
		if strings.Contains(strings.ToLower(d), hex.EncodeToString(staffUID)) {
			t.Fatal("the UID reached the history")
		}
	}
	if !hasEntry(e.history(audit.ActionUserUpdate), `second factor added: card "職員証 (青)"`) {
		t.Fatal("the enrolment is not in the history")
	}
	// The last factor cannot be removed while one is required.
	if _, err := e.svc.RemoveFactor(e.ctx, s, tanakaPW, f.ID); codeOf(err) != "conflict" {
		t.Fatalf("removing the last factor: %v", err)
	}
	e.logout(s)
	if e.store.count() != 0 {
		t.Fatal("the session key survived the logout")
	}

	// With a factor: the password alone opens nothing.
	s = e.login("tanaka", tanakaPW)
	if s.FactorStep() != "factor" || codeOf(s.CheckReady(e.clock.Now())) != "factor_required" || e.store.count() != 0 {
		t.Fatalf("password only: step %q", s.FactorStep())
	}
	if err := e.svc.ChangePassword(e.ctx, s, tanakaPW, "a brand new long passphrase"); codeOf(err) != "factor_required" {
		t.Fatalf("change password before the factor: %v", err)
	}
	if err := e.svc.LoginFactor(e.ctx, s, f.ID, cardProof(otherUID)); codeOf(err) != "factor_refused" {
		t.Fatalf("another card: %v", err)
	}
	if n, _ := e.failedCount(e.tanaka); n != 1 {
		t.Fatalf("the wrong card was not counted: %d", n)
	}
	if err := e.svc.LoginFactor(e.ctx, s, f.ID, Proof{Kind: FactorVein, VeinMatch: true}); codeOf(err) != "factor_refused" {
		t.Fatalf("a proof of another kind: %v", err)
	}
	if err := e.svc.LoginFactor(e.ctx, s, f.ID, cardProof(staffUID)); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.failedCount(e.tanaka); n != 0 || s.CheckReady(e.clock.Now()) != nil || e.store.count() != 1 {
		t.Fatalf("after the factor: failures %d, store %d", n, e.store.count())
	}
	if !hasEntry(e.history(audit.ActionLoginFailed), "second factor refused (card") || !hasEntry(e.history(audit.ActionLogin), "ok second factor: card") {
		t.Fatalf("history: %q %q", e.history(audit.ActionLoginFailed), e.history(audit.ActionLogin))
	}
	e.logout(s)
}

// TestFactorUnlockAndStepUp: the factor alone unlocks through the session key and refreshes the
// step-up; the password unlock does not count as a step-up for a user with factors; a lost key
// (bridge restarted or absent) leaves the password.
func TestFactorUnlockAndStepUp(t *testing.T) {
	e := newFEnv(t, FactorOptional)
	s := e.login("tanaka", tanakaPW)
	if s.FactorStep() != "" || e.svc.RequireStepUp(s) != nil {
		t.Fatal("optional policy without factors: the password login is the step-up")
	}
	e.clock.Add(StepUpWindow)
	if codeOf(e.svc.RequireStepUp(s)) != "step_up_required" {
		t.Fatal("step-up after 5 minutes")
	}
	if codeOf(e.svc.StepUpPassword(e.ctx, s, "wrong password here")) != "bad_credentials" {
		t.Fatal("step-up with a wrong password")
	}
	if err := e.svc.StepUpPassword(e.ctx, s, tanakaPW); err != nil || e.svc.RequireStepUp(s) != nil {
		t.Fatalf("step-up with the password: %v", err)
	}
	f, err := e.svc.EnrolFactor(e.ctx, s, tanakaPW, "", cardProof(staffUID))
	if err != nil {
		t.Fatal(err)
	}
	if codeOf(e.svc.StepUpPassword(e.ctx, s, tanakaPW)) != "use_factor" {
		t.Fatal("a user with a factor stepped up with the password")
	}
	e.clock.Add(StepUpWindow + time.Second)
	if codeOf(e.svc.StepUp(e.ctx, s, f.ID, cardProof(otherUID))) != "factor_refused" || e.svc.RequireStepUp(s) == nil {
		t.Fatal("step-up with another card")
	}
	if err := e.svc.StepUp(e.ctx, s, f.ID, cardProof(staffUID)); err != nil || e.svc.RequireStepUp(s) != nil {
		t.Fatalf("step-up with the card: %v", err)
	}

	// Idle lock, then the card alone.
	if err := e.svc.LockSession(e.ctx, s); err != nil {
		t.Fatal(err)
	}
	if s.Keys() != nil {
		t.Fatal("keys kept while locked")
	}
	if codeOf(e.svc.UnlockWithFactor(e.ctx, s, f.ID, cardProof(otherUID))) != "factor_refused" || !s.Locked() {
		t.Fatal("unlocked with another card")
	}
	e.clock.Add(StepUpWindow)
	if err := e.svc.UnlockWithFactor(e.ctx, s, f.ID, cardProof(staffUID)); err != nil {
		t.Fatal(err)
	}
	if s.Locked() || s.Keys() == nil || e.svc.RequireStepUp(s) != nil {
		t.Fatal("the factor unlock did not restore the keys and the step-up")
	}
	if !hasEntry(e.history(audit.ActionUnlock), "ok unlock by second factor: card") || !hasEntry(e.history(audit.ActionUnlock), "denied unlock by second factor refused") {
		t.Fatalf("unlock history: %q", e.history(audit.ActionUnlock))
	}
	// The password still unlocks, but is no step-up for a user with factors.
	e.svc.LockSession(e.ctx, s)
	e.clock.Add(StepUpWindow)
	if err := e.svc.UnlockSession(e.ctx, s, tanakaPW); err != nil {
		t.Fatal(err)
	}
	if codeOf(e.svc.RequireStepUp(s)) != "step_up_required" {
		t.Fatal("the password unlock counted as a factor")
	}
	// The bridge restarted and lost the key: the factor alone cannot unlock, the password can.
	e.svc.LockSession(e.ctx, s)
	vaultID, id := s.SessionKeyName()
	e.store.DeleteSessionKey(e.ctx, vaultID, id)
	if codeOf(e.svc.UnlockWithFactor(e.ctx, s, f.ID, cardProof(staffUID))) != "factor_unlock_unavailable" {
		t.Fatal("unlocked without the session key")
	}
	if err := e.svc.UnlockSession(e.ctx, s, tanakaPW); err != nil {
		t.Fatal(err)
	}
	e.logout(s)

	// No bridge at login: no factor unlock, the password works.
	e.store.down = true
	s = e.login("tanaka", tanakaPW)
	if err := e.svc.LoginFactor(e.ctx, s, f.ID, cardProof(staffUID)); err != nil {
		t.Fatal(err)
	}
	if s.FactorUnlockAvailable() {
		t.Fatal("factor unlock available without a bridge")
	}
	e.svc.LockSession(e.ctx, s)
	if codeOf(e.svc.UnlockWithFactor(e.ctx, s, f.ID, cardProof(staffUID))) != "factor_unlock_unavailable" {
		t.Fatal("factor unlock without a bridge")
	}
	if err := e.svc.UnlockSession(e.ctx, s, tanakaPW); err != nil {
		t.Fatal(err)
	}
	e.store.down = false
	e.logout(s)

	// The session's end: the key is gone from the store (it expires there at the same time).
	s = e.login("tanaka", tanakaPW)
	e.svc.LoginFactor(e.ctx, s, f.ID, cardProof(staffUID))
	e.svc.LockSession(e.ctx, s)
	e.clock.Add(DefaultPolicy.Absolute)
	vaultID, id = s.SessionKeyName()
	if _, err := e.store.SessionKey(e.ctx, vaultID, id); err == nil {
		t.Fatal("the store still gives the key after its expiry")
	}
	if codeOf(e.svc.UnlockWithFactor(e.ctx, s, f.ID, cardProof(staffUID))) != "session_expired" {
		t.Fatal("an expired session unlocked")
	}
	e.logout(s)
	if e.store.count() != 0 {
		t.Fatal("the key stayed after the session's end")
	}

	// An administrator removes the card (lost): it no longer works, and the next login under
	// the optional policy is by password alone.
	e.clock.Add(time.Minute)
	s = e.login("tanaka", tanakaPW)
	if err := e.svc.LoginFactor(e.ctx, s, f.ID, cardProof(staffUID)); err != nil {
		t.Fatal(err)
	}
	admin := e.login("admin", adminPW)
	if list, err := e.svc.Factors(e.ctx, admin, e.tanaka); err != nil || len(list) != 1 {
		t.Fatalf("admin lists factors: %v %v", list, err)
	}
	if _, err := e.svc.RemoveFactor(e.ctx, admin, "wrong admin password", f.ID); codeOf(err) != "bad_credentials" {
		t.Fatalf("removal with a wrong password: %v", err)
	}
	if _, err := e.svc.RemoveFactor(e.ctx, admin, adminPW, f.ID); err != nil {
		t.Fatal(err)
	}
	if !hasEntry(e.history(audit.ActionUserUpdate), "by an administrator") {
		t.Fatal("the removal is not in the history")
	}
	e.clock.Add(StepUpWindow)
	if codeOf(e.svc.StepUp(e.ctx, s, f.ID, cardProof(staffUID))) != "not_found" {
		t.Fatal("a removed factor still works")
	}
	if _, err := e.svc.Factors(e.ctx, s, 1); codeOf(err) != "forbidden" {
		t.Fatalf("a handler listed the admin's factors: %v", err)
	}
	e.logout(s)
	if s := e.login("tanaka", tanakaPW); s.FactorStep() != "" {
		t.Fatal("login after the removal still asks for a factor")
	}
}

// TestFactorLockout: refused factors at login, unlock and step-up count towards the account
// lockout with wrong passwords; the password step does not reset the count, so a known password
// does not buy unlimited factor tries.
func TestFactorLockout(t *testing.T) {
	e := newFEnv(t, FactorOptional)
	s := e.login("tanaka", tanakaPW)
	f, err := e.svc.EnrolFactor(e.ctx, s, tanakaPW, "", Proof{Kind: FactorVein, VeinSensor: "SIM-0001", VeinTemplate: "7", VeinMatch: true})
	if err != nil {
		t.Fatal(err)
	}
	e.logout(s)
	vein := func(match bool, template string) Proof {
		return Proof{Kind: FactorVein, VeinSensor: "SIM-0001", VeinTemplate: template, VeinMatch: match}
	}

	// At login: refused factors, the right password in between, and the fifth ends the session.
	for i := 0; i < 5; i++ {
		s = e.login("tanaka", tanakaPW)
		if codeOf(e.svc.LoginFactor(e.ctx, s, f.ID, vein(false, "7"))) != "factor_refused" {
			t.Fatalf("attempt %d", i)
		}
		if i < 4 {
			e.logout(s)
		}
	}
	if codeOf(s.CheckReady(e.clock.Now())) != "unauthenticated" {
		t.Fatal("the session outlived the lockout")
	}
	if _, err := e.svc.Login(e.ctx, "tanaka", tanakaPW); codeOf(err) != "account_locked" {
		t.Fatalf("login while locked: %v", err)
	}

	// Step-up and factor unlock failures add up with a wrong password.
	admin := e.login("admin", adminPW)
	if err := e.svc.UnlockUser(e.ctx, admin, e.tanaka); err != nil {
		t.Fatal(err)
	}
	s = e.login("tanaka", tanakaPW)
	if err := e.svc.LoginFactor(e.ctx, s, f.ID, vein(true, "7")); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(StepUpWindow)
	if codeOf(e.svc.StepUp(e.ctx, s, f.ID, vein(false, "7"))) != "factor_refused" {
		t.Fatal("step-up with a vein that did not match")
	}
	if codeOf(e.svc.StepUp(e.ctx, s, f.ID, vein(true, "8"))) != "factor_refused" {
		t.Fatal("step-up with another template")
	}
	e.svc.LockSession(e.ctx, s)
	for i := 0; i < 2; i++ {
		if codeOf(e.svc.UnlockWithFactor(e.ctx, s, f.ID, vein(false, "7"))) != "factor_refused" {
			t.Fatal("unlock with a vein that did not match")
		}
	}
	if codeOf(e.svc.UnlockSession(e.ctx, s, "wrong password here")) != "bad_credentials" {
		t.Fatal("unlock with a wrong password")
	}
	if n, until := e.failedCount(e.tanaka); n != 5 || until == "" {
		t.Fatalf("after 2 step-ups, 2 factor unlocks and 1 password: %d failures, locked until %q", n, until)
	}
	if codeOf(e.svc.UnlockWithFactor(e.ctx, s, f.ID, vein(true, "7"))) != "account_locked" {
		t.Fatal("the right vein unlocked a locked account")
	}
}

// simTransport carries APDUs to an in-process virtual card.
type simTransport struct{ c *simcard.Card }

func (s simTransport) Transmit(cmd []byte) ([]byte, error) { return s.c.Transmit(cmd) }
func (s simTransport) Begin() error                        { return nil }
func (s simTransport) End(reset bool) error {
	if reset {
		s.c.Reset()
	}
	return nil
}

// TestFactorJPKI: a JPKI certificate under the office's trust anchors, signing a fresh
// challenge, enrols and logs in; a forged signature, a reused challenge, an untrusted CA and a
// missing trust anchor do not.
func TestFactorJPKI(t *testing.T) {
	e := newFEnv(t, FactorOptional)
	keys, err := simcard.GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	newCard := func(forge bool) *simcard.Card {
		c, err := simcard.New(simcard.Config{Keys: keys, ForgeAuthSignature: forge, Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	good := newCard(false)
	sign := func(s *Session, c *simcard.Card) Proof {
		t.Helper()
		ch, err := e.svc.FactorChallenge(s)
		if err != nil {
			t.Fatal(err)
		}
		r, err := card.Authenticate(simTransport{c}, simcard.DefaultAuthPIN, ch)
		if err != nil {
			t.Fatal(err)
		}
		return Proof{Kind: FactorJPKI, Challenge: ch, Signature: r.Signature, Certificate: r.Certificate.Raw}
	}
	s := e.login("tanaka", tanakaPW)
	if _, err := e.svc.EnrolFactor(e.ctx, s, tanakaPW, "", sign(s, good)); codeOf(err) != "no_trust_anchors" {
		t.Fatalf("enrol without trust anchors: %v", err)
	}
	if n, _ := e.failedCount(e.tanaka); n != 0 {
		t.Fatal("a missing trust anchor counted as a failure")
	}
	admin := e.login("admin", adminPW)
	if _, err := e.svc.SetTrustAnchors(e.ctx, s, "x"); codeOf(err) != "forbidden" {
		t.Fatalf("a handler set trust anchors: %v", err)
	}
	if _, err := e.svc.SetTrustAnchors(e.ctx, admin, "not a certificate"); codeOf(err) != "invalid" {
		t.Fatalf("garbage anchors: %v", err)
	}
	// The card's own certificate is not a CA.
	if _, err := e.svc.SetTrustAnchors(e.ctx, admin, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: good.AuthCertificate().Raw}))); codeOf(err) != "invalid" {
		t.Fatalf("a leaf as anchor: %v", err)
	}
	anchors := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: good.CACertificate().Raw}))
	if certs, err := e.svc.SetTrustAnchors(e.ctx, admin, "J-LIS test CA\n"+anchors); err != nil || len(certs) != 1 {
		t.Fatalf("set anchors: %v", err)
	}
	if got, _ := e.svc.TrustAnchors(e.ctx); got != anchors {
		t.Fatal("the anchors were not kept as clean PEM")
	}
	f, err := e.svc.EnrolFactor(e.ctx, s, tanakaPW, "", sign(s, good))
	if err != nil {
		t.Fatal(err)
	}
	if f.Kind != FactorJPKI || f.JPKINotAfter.IsZero() || len(f.JPKIFingerprint) != 64 || f.Label != "マイナンバーカード" {
		t.Fatalf("factor: %+v", f)
	}
	e.logout(s)

	s = e.login("tanaka", tanakaPW)
	// A forged signature (a clone with a copied certificate).
	if err := e.svc.LoginFactor(e.ctx, s, f.ID, sign(s, newCard(true))); codeOf(err) != "factor_refused" {
		t.Fatalf("forged signature: %v", err)
	}
	if !hasEntry(e.history(audit.ActionLoginFailed), "signature does not verify") {
		t.Fatalf("history: %q", e.history(audit.ActionLoginFailed))
	}
	// A good signature over a challenge that was used already.
	p := sign(s, good)
	p2 := p
	if err := e.svc.LoginFactor(e.ctx, s, f.ID, p); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(StepUpWindow)
	if err := e.svc.StepUp(e.ctx, s, f.ID, p2); codeOf(err) != "factor_refused" {
		t.Fatalf("replayed challenge: %v", err)
	}
	// A challenge older than two minutes.
	ch, _ := e.svc.FactorChallenge(s)
	r, err := card.Authenticate(simTransport{good}, simcard.DefaultAuthPIN, ch)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(challengeTTL)
	if err := e.svc.StepUp(e.ctx, s, f.ID, Proof{Kind: FactorJPKI, Challenge: ch, Signature: r.Signature, Certificate: r.Certificate.Raw}); codeOf(err) != "factor_refused" {
		t.Fatalf("stale challenge: %v", err)
	}
	if err := e.svc.StepUp(e.ctx, s, f.ID, sign(s, good)); err != nil {
		t.Fatal(err)
	}
	// Another CA: the anchors no longer trust the card.
	other, err := simcard.GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	oc, err := simcard.New(simcard.Config{Keys: other, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetTrustAnchors(e.ctx, admin, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: oc.CACertificate().Raw}))); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(StepUpWindow)
	err = e.svc.StepUp(e.ctx, s, f.ID, sign(s, good))
	if codeOf(err) != "factor_refused" || !hasEntry(e.history(audit.ActionLoginFailed), "certificate not trusted") {
		t.Fatalf("untrusted CA: %v", err)
	}
	if errors.Is(err, ErrStepUpRequired) {
		t.Fatal("wrong error")
	}
}

// An office whose default requires a factor but which has no reader or sensor: the
// administrator at the enrolment step may make factors optional (and only that), which is in
// the history and completes their login; a handler at the same step may not.
func TestFactorPolicyAtEnrolStep(t *testing.T) {
	e := newFEnv(t, FactorRequired)
	s := e.login("tanaka", tanakaPW)
	if err := e.svc.SetFactorPolicy(e.ctx, s, FactorOptional, "読み取り機がない"); codeOf(err) != "forbidden" {
		t.Fatalf("a handler at the enrolment step changed the policy: %v", err)
	}
	e.logout(s)
	admin := e.login("admin", adminPW)
	if admin.FactorStep() != "enrol" {
		t.Fatalf("admin step %q, want enrol", admin.FactorStep())
	}
	if err := e.svc.SetFactorPolicy(e.ctx, admin, FactorRequired, ""); codeOf(err) != "enrol_required" {
		t.Fatalf("at the enrolment step only optional may be chosen: %v", err)
	}
	if err := e.svc.SetFactorPolicy(e.ctx, admin, FactorOptional, " "); codeOf(err) != "invalid" || admin.FactorStep() != "enrol" {
		t.Fatalf("optional without a reason: %v, step %q", err, admin.FactorStep())
	}
	if err := e.svc.SetFactorPolicy(e.ctx, admin, FactorOptional, "事務所に読み取り機がない"); err != nil {
		t.Fatal(err)
	}
	if admin.FactorStep() != "" || admin.CheckReady(e.clock.Now()) != nil {
		t.Fatalf("login not completed: step %q", admin.FactorStep())
	}
	if p, _ := e.svc.FactorPolicy(e.ctx); p != FactorOptional {
		t.Fatalf("policy %q", p)
	}
	if !hasEntry(e.history(audit.ActionSettingChange), "chosen at the enrolment step); reason: 事務所に読み取り機がない") {
		t.Fatalf("the change is not in the history: %q", e.history(audit.ActionSettingChange))
	}
	e.logout(admin)
	if s := e.login("tanaka", tanakaPW); s.FactorStep() != "" {
		t.Fatalf("under optional a user without factors still has step %q", s.FactorStep())
	}
}

// The Recovery Kit replaces a password, not the second factor: after a recovery the session
// waits for the administrator's factor, or for its enrolment when the office requires one, and
// gets no session key before that.
func TestRecoverKeepsSecondFactor(t *testing.T) {
	e := newFEnv(t, FactorRequired)
	s, err := e.svc.Recover(e.ctx, e.kit.Key, "admin", "first recovered passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if s.FactorStep() != "enrol" || codeOf(s.CheckReady(e.clock.Now())) != "enrol_required" || e.store.count() != 0 {
		t.Fatalf("recovered without a factor under required: step %q, %v, %d session keys", s.FactorStep(), s.CheckReady(e.clock.Now()), e.store.count())
	}
	f, err := e.svc.EnrolFactor(e.ctx, s, "first recovered passphrase", "職員証", cardProof(staffUID))
	if err != nil {
		t.Fatal(err)
	}
	e.logout(s)

	s, err = e.svc.Recover(e.ctx, e.kit.Key, "admin", "second recovered passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if s.FactorStep() != "factor" || codeOf(s.CheckReady(e.clock.Now())) != "factor_required" || e.store.count() != 0 {
		t.Fatalf("recovered with an enrolled factor: step %q, %v", s.FactorStep(), s.CheckReady(e.clock.Now()))
	}
	if err := e.svc.LoginFactor(e.ctx, s, f.ID, cardProof(otherUID)); codeOf(err) != "factor_refused" {
		t.Fatalf("another card after recovery: %v", err)
	}
	if err := e.svc.LoginFactor(e.ctx, s, f.ID, cardProof(staffUID)); err != nil {
		t.Fatal(err)
	}
	if s.CheckReady(e.clock.Now()) != nil || e.store.count() != 1 {
		t.Fatal("the factor did not complete the recovered session")
	}
}

// TestLockedAccountIsNotAnnounced: after the lockout, a wrong password on the locked login gets
// the answer an unknown login gets (the same error, after the same key derivation), so trying
// logins cannot tell which exist; only the right password learns of the lock.
func TestLockedAccountIsNotAnnounced(t *testing.T) {
	e := newFEnv(t, FactorOptional)
	for range 5 {
		if _, err := e.svc.Login(e.ctx, "tanaka", "not the password at all"); codeOf(err) != "bad_credentials" {
			t.Fatalf("wrong password: %v", err)
		}
	}
	_, locked := e.svc.Login(e.ctx, "tanaka", "still not the password")
	_, unknown := e.svc.Login(e.ctx, "nobody-here", "still not the password")
	if codeOf(locked) != "bad_credentials" || locked.Error() != unknown.Error() {
		t.Fatalf("a locked login answers %q, an unknown one %q", locked, unknown)
	}
	if _, err := e.svc.Login(e.ctx, "tanaka", tanakaPW); codeOf(err) != "account_locked" {
		t.Fatalf("the right password while locked: %v", err)
	}
}

// TestFingerprintIsNeverANumber: a trust anchor's fingerprint in the history cannot look like
// a My Number, whatever its bytes (plain hex of these was refused: an internal error when an
// administrator set such a certificate, about one certificate in fifty).
func TestFingerprintIsNeverANumber(t *testing.T) {
	b := []byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56}
	if hex.EncodeToString(b) == audit.Redact(hex.EncodeToString(b)) {
		t.Fatal("the check no longer refuses 16 digits: this test proves nothing")
	}
	if fp := fingerprint(b); fp != "12:34:56:78:90:12:34:56" || audit.Redact(fp) != fp {
		t.Fatalf("fingerprint %q is refused by the history", fp)
	}
}
