package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/replica"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/bridge"
	relaysync "github.com/mynumber-shelter/shelter/bridge/sync"
	"github.com/mynumber-shelter/shelter/internal/otp"
)

// ReplicaService is クラウド複製 in M-5: the office's vault, sealed so that only the Recovery
// Kit opens it, kept on the relay and brought up to date after changes (app/replica); and
// 「クラウドから復元」 on the first-start screen of a new PC.
type ReplicaService struct {
	a   *App
	svc *replica.Service

	// fetched keeps a snapshot fetched by RestoreFromCloud whose restore failed after the
	// fetch (a mistyped Recovery Kit): the relay used its code up, so a retry with the same code
	// takes it from here, for fetchedFor.
	mu      sync.Mutex
	fetched struct {
		code   string
		sealed []byte
		at     time.Time
	}
}

// fetchedFor is how long a fetched snapshot waits for a retry of its restore.
const fetchedFor = 15 * time.Minute

// fetch returns the snapshot of code: the one kept from an earlier try, else from the relay.
func (s *ReplicaService) fetch(ctx context.Context, req CloudRestoreRequest) ([]byte, error) {
	code := otp.NormalizeRestoreCode(req.Code)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fetched.code == code && s.a.now().Sub(s.fetched.at) < fetchedFor {
		return s.fetched.sealed, nil
	}
	_, sealed, err := relaysync.FetchReplica(ctx, req.URL, req.CAPEM, req.Code, bridge.MaxSnapshotBytes)
	if err != nil {
		return nil, err
	}
	clear(s.fetched.sealed)
	s.fetched.code, s.fetched.sealed, s.fetched.at = code, sealed, s.a.now()
	return sealed, nil
}

// forget drops the kept snapshot (after a restore).
func (s *ReplicaService) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.fetched.sealed)
	s.fetched.code, s.fetched.sealed = "", nil
}

func newReplicaService(a *App) *ReplicaService {
	return &ReplicaService{a: a, svc: a.CloudLink}
}

// ReplicaView is the replica panel of M-5.
type ReplicaView struct {
	Enrolled bool `json:"enrolled"`
	// Pending counts history entries (changes) not yet in a snapshot.
	Pending int64 `json:"pending"`
	// LastAt / LastBytes: the last snapshot the relay took; Waiting: one staged in the bridge
	// and not yet on the relay.
	LastAt       string `json:"lastAt"`
	LastBytes    int64  `json:"lastBytes"`
	Waiting      bool   `json:"waiting"`
	WaitingBytes int64  `json:"waitingBytes"`
	LastError    string `json:"lastError"`
}

// Status reports the replica (administrator).
func (s *ReplicaService) Status() (ReplicaView, error) {
	if _, err := s.a.admin(); err != nil {
		return ReplicaView{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	return s.view(ctx)
}

func (s *ReplicaService) view(ctx context.Context) (ReplicaView, error) {
	l, err := s.svc.Local(ctx)
	if err != nil {
		return ReplicaView{}, s.a.fail("replica status", err)
	}
	v := ReplicaView{Pending: l.Pending()}
	st, err := s.a.relay.SyncStatus(ctx)
	if err != nil {
		return v, s.a.syncErr(err)
	}
	v.Enrolled = st.Enrolled
	rs, err := s.a.relay.ReplicaStatus(ctx)
	if err != nil {
		return v, s.a.syncErr(err)
	}
	v.LastAt, v.LastBytes, v.Waiting, v.WaitingBytes, v.LastError = rs.LastAt, rs.LastBytes, rs.Waiting != "", rs.WaitingBytes, rs.LastError
	return v, nil
}

// UploadNow takes a snapshot at once (when anything changed) and has the bridge send it
// (administrator).
func (s *ReplicaService) UploadNow() (ReplicaView, error) {
	sess, err := s.a.admin()
	if err != nil {
		return ReplicaView{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	if err := s.tick(ctx, sess, true); err != nil {
		return ReplicaView{}, err
	}
	if _, err := s.a.relay.SyncNow(ctx); err != nil {
		return ReplicaView{}, s.a.syncErr(err)
	}
	return s.view(ctx)
}

// tick takes and stages a snapshot when one is due, with sess's keys, and records a change of
// the replica's state in the history.
func (s *ReplicaService) tick(ctx context.Context, sess *auth.Session, force bool) error {
	st, err := s.a.relay.SyncStatus(ctx)
	if err != nil {
		return s.a.syncErr(err)
	}
	if !st.Enrolled {
		return toError(apperr.New("not_enrolled", "", "クラウド（中継サーバー）に登録されていません。下の「中継サーバーに登録する」で登録してください。",
			"Not enrolled with the relay. Enrol below (Enrol with a relay)."))
	}
	if rs, err := s.a.relay.ReplicaStatus(ctx); err == nil {
		if err := s.svc.RecordUploads(ctx, sess.Entry(audit.ActionReplica, audit.ResultOK), rs.LastAt, rs.LastError); err != nil {
			return s.a.fail("replica state", err)
		}
	}
	due, err := s.svc.Due(ctx, force)
	if err != nil || !due {
		return s.a.fail("replica", err)
	}
	keys := sess.Keys()
	if keys == nil {
		return nil
	}
	_, err = s.svc.Take(ctx, keys, bridge.ReplicaSink{Client: s.a.relay})
	var be *bridge.Error
	if errors.As(err, &be) {
		return s.a.syncErr(err)
	}
	return s.a.fail("replica snapshot", err)
}

// StartReplica keeps the replica up to date while the app runs: every few seconds, when a user
// is logged in (a snapshot is sealed with the session's keys) and the vault changed, a
// snapshot goes to the bridge (at most one per replica.MinGap). main.go starts it; stop ends
// it.
func (a *App) StartReplica() (stop func()) {
	return a.whileLoggedIn(replicaTick, func(ctx context.Context, sess *auth.Session) {
		if err := a.Replica.tick(ctx, sess, false); err != nil {
			if ue, ok := err.(*Error); !ok || (ue.Code != "not_enrolled" && ue.Code != CodeBridgeUnavailable) {
				a.log.Info("replica", "err", err)
			}
		}
	})
}

// whileLoggedIn runs fn every tick while a user is logged in (not locked, not half-way through
// a second factor, not expired), with the session, until stop. Each run gets syncTimeout, and
// not the loop's context: a stop waits for the run under way instead of cutting its commit.
func (a *App) whileLoggedIn(tick time.Duration, fn func(ctx context.Context, sess *auth.Session)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			sess := a.session()
			if sess == nil || sess.Locked() || sess.FactorStep() != "" || sess.Expired(a.now()) {
				continue
			}
			rctx, rcancel := context.WithTimeout(context.Background(), syncTimeout)
			fn(rctx, sess)
			rcancel()
		}
	}()
	return func() { cancel(); <-done }
}

// replicaTick is how often StartReplica looks for changes.
var replicaTick = 5 * time.Second

// RestoreCodeView is a one-time code a new PC of the office restores with.
type RestoreCodeView struct {
	Code    string `json:"code"`
	Expires string `json:"expires"` // RFC 3339 UTC
}

// RestoreCode asks the relay for a one-time restore code (administrator): written down for a
// new PC, it fetches the office's snapshot once within 24 hours.
func (s *ReplicaService) RestoreCode() (RestoreCodeView, error) {
	sess, err := s.a.admin()
	if err != nil {
		return RestoreCodeView{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	rc, err := s.a.relay.ReplicaRestoreCode(ctx)
	if err != nil {
		return RestoreCodeView{}, s.a.syncErr(err)
	}
	if err := s.svc.RecordRestoreCode(ctx, sess.Principal); err != nil {
		return RestoreCodeView{}, s.a.fail("restore code audit", err)
	}
	return RestoreCodeView{Code: rc.Code, Expires: store.FormatTime(rc.Expires)}, nil
}

// CloudRestoreRequest is 「クラウドから復元」 on a PC without an office.
type CloudRestoreRequest struct {
	URL         string `json:"url"`
	CAPEM       string `json:"caPem"`
	Code        string `json:"code"`
	RecoveryKey string `json:"recoveryKey"`
	Login       string `json:"login"`
	NewPassword string `json:"newPassword"`
}

// RestoreFromCloud fetches the office's snapshot from the relay with a one-time code, opens it
// with the Recovery Kit, restores it onto this PC (which holds no office yet) and logs the
// administrator in as the kit does. Enrol this PC with the relay afterwards (M-5).
func (s *ReplicaService) RestoreFromCloud(req CloudRestoreRequest) (SessionState, error) {
	a := s.a
	if err := auth.CheckPassword(req.NewPassword, strings.TrimSpace(req.Login)); err != nil {
		return SessionState{}, a.fail("restore", err)
	}
	if strings.TrimSpace(req.Code) == "" {
		return SessionState{}, toError(apperr.Invalid("code", "復元コードを入力してください。", "Enter the restore code."))
	}
	if err := exampleURL(req.URL); err != nil {
		return SessionState{}, err
	}
	if a.initialized() {
		return SessionState{}, a.fail("restore", backupError(store.ErrNotEmpty))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sealed, err := s.fetch(ctx, req)
	if err != nil {
		return SessionState{}, a.fail("restore from cloud", fetchError(err))
	}
	set, _, err := replica.Restore(ctx, a.DB, req.RecoveryKey, sealed)
	if err != nil {
		return SessionState{}, a.fail("restore from cloud", backupError(err))
	}
	s.forget()
	return a.restored(ctx, set, req.RecoveryKey, req.Login, req.NewPassword)
}

// fetchError says what went wrong fetching a snapshot from the relay.
func fetchError(err error) error {
	switch {
	case errors.Is(err, relaysync.ErrRestoreCode):
		return apperr.Wrap(err, apperr.CodeInvalid, "code",
			"復元コードが使えません（誤り・使用済み・期限切れ）。稼働中のPCのM-5または運用者から、新しいコードを受け取ってください。",
			"The restore code was refused (wrong, used or expired). Get a new one from M-5 on a working PC or from the operator.")
	case errors.Is(err, relaysync.ErrNoSnapshot):
		return apperr.Wrap(err, "no_snapshot", "code",
			"この事務所のデータはまだクラウドにありません。バックアップから復元してください。",
			"The cloud holds no data of this office yet. Restore from a backup instead.")
	case errors.Is(err, relaysync.ErrNoCA):
		return apperr.Wrap(err, apperr.CodeInvalid, "caPem", "CA証明書（PEM）を貼り付けてください。", "Paste the CA certificate (PEM).")
	case errors.Is(err, vault.ErrNotReplica):
		return apperr.Wrap(err, "backup_damaged", "", "クラウドから受け取ったデータが壊れています。運用者に連絡してください。",
			"The data from the cloud is damaged. Contact the operator.")
	}
	return apperr.Wrap(err, "relay_unreachable", "url",
		"中継サーバーに接続できないか、証明書が信頼できません。URL と CA 証明書を確認してください。",
		"The relay cannot be reached or its certificate is not trusted. Check the URL and the CA certificate.")
}
