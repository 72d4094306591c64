package ui

import (
	"context"
	"errors"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/collect"
	"github.com/mynumber-shelter/shelter/app/replica"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/bridge"
)

// SyncService is M-5 クラウド連携 (the relay settings, through the shelter-bridge) and the
// online submissions of 1-3 STEP2 (提出済: import, preview, 受付, 差戻し).
//
// The bridge holds the relay enrolment, its keys (OS keychain) and the outbox / inbox; this
// service hands it requests queued by app/collect (employee accounts with password verifiers,
// sendbacks, company registration, portal information) and imports the sealed submissions it
// pulled. Submissions are opened only here, with the company's submission key, and stored
// sealed under the employee's person key. Numbers leave Go masked only.
type SyncService struct {
	a *App
}

func newSyncService(a *App) *SyncService { return &SyncService{a: a} }

// syncTimeout bounds one call to the bridge (a round may wait for the relay).
const syncTimeout = 60 * time.Second

// SyncStatus is the relay state shown in M-5.
type SyncStatus struct {
	Enrolled  bool     `json:"enrolled"`
	URL       string   `json:"url"`
	Office    string   `json:"office"`
	Pending   int      `json:"pending"`
	Failed    int      `json:"failed"`
	Inbox     int      `json:"inbox"`
	Companies []string `json:"companies"`
	LastSync  string   `json:"lastSync"`
	LastError string   `json:"lastError"`
	// AppPending counts requests queued in the vault not yet handed to the bridge.
	AppPending int `json:"appPending"`
}

// SyncEnrolInput is M-5's enrolment form.
type SyncEnrolInput struct {
	URL   string `json:"url"`
	CAPEM string `json:"caPem"`
	Token string `json:"token"`
}

// syncErr maps the error of a relay call made through the bridge. A bad request here is the
// enrolment form's (M-5), said as such.
func (a *App) syncErr(err error) error {
	var be *bridge.Error
	if errors.As(err, &be) && be.Code == "bad_request" {
		a.log.Info("bridge refused", "code", be.Code, "msg", be.Message)
		return &Error{Code: be.Code, JA: "入力が正しくありません（URL は https://、CA は PEM 形式）。",
			EN: "Invalid input (the URL must be https://, the CA a PEM certificate)."}
	}
	return a.bridgeErr(err, errSyncBridgeDown)
}

var errSyncBridgeDown = &Error{Code: CodeBridgeUnavailable,
	JA: "クラウド連携（shelter-bridge）が起動していません。起動してから、もう一度お試しください。",
	EN: "The sync service (shelter-bridge) is not running. Start it and try again."}

func (s *SyncService) status(ctx context.Context) (SyncStatus, error) {
	st, err := s.a.relay.SyncStatus(ctx)
	if err != nil {
		return SyncStatus{}, s.a.syncErr(err)
	}
	out := SyncStatus{Enrolled: st.Enrolled, URL: st.URL, Office: st.Office, Pending: st.Pending, Failed: st.Failed,
		Inbox: st.Inbox, Companies: append([]string{}, st.Companies...), LastSync: st.LastSync, LastError: st.LastError}
	out.AppPending, err = s.a.collect.PendingRelayRequests(ctx)
	return out, s.a.fail("sync status", err)
}

// Status reports the relay enrolment and the queues (administrator).
func (s *SyncService) Status() (SyncStatus, error) {
	if _, err := s.a.admin(); err != nil {
		return SyncStatus{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	return s.status(ctx)
}

// Enrol enrols the bridge with the relay with the operator's one-time token (administrator).
// The token is passed to the bridge and forgotten; the bridge keeps the keys in the keychain.
func (s *SyncService) Enrol(in SyncEnrolInput) (SyncStatus, error) {
	sess, err := s.a.admin()
	if err != nil {
		return SyncStatus{}, err
	}
	if err := exampleURL(in.URL); err != nil {
		return SyncStatus{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	st, err := s.a.relay.SyncEnrol(ctx, in.URL, in.CAPEM, in.Token)
	if err != nil {
		return SyncStatus{}, s.a.syncErr(err)
	}
	if err := s.a.CloudLink.RecordEnrolment(ctx, sess.Principal, st.Office, st.URL); err != nil {
		return SyncStatus{}, s.a.fail("sync enrol audit", err)
	}
	// M-6 goes through the bridge from now on, without waiting for the next reconnect.
	if s.a.Share != nil {
		s.a.connectShare(ctx, s.a.relay)
	}
	return s.status(ctx)
}

// exampleURL refuses the example address of the form (replica.CheckRelayURL).
func exampleURL(raw string) error {
	if err := replica.CheckRelayURL(raw); err != nil {
		return toError(err)
	}
	return nil
}

// flush hands the requests queued in the vault to the bridge's outbox (idempotent by key).
func (s *SyncService) flush(ctx context.Context) error {
	for {
		var reqs []collect.RelayRequest
		if err := s.a.DB.View(ctx, func(tx *store.Tx) error {
			var err error
			reqs, err = collect.PendingRelayRequestsTx(tx, 200)
			return err
		}); err != nil {
			return err
		}
		if len(reqs) == 0 {
			return nil
		}
		items := make([]bridge.SyncOutboxItem, len(reqs))
		ids := make([]int64, len(reqs))
		for i, r := range reqs {
			items[i] = bridge.SyncOutboxItem{Key: r.Key, Method: r.Method, Path: r.Path, Body: r.Body}
			ids[i] = r.ID
		}
		if _, err := s.a.relay.SyncEnqueue(ctx, items); err != nil {
			return s.a.syncErr(err)
		}
		if err := s.a.DB.Update(ctx, func(tx *store.Tx) error { return collect.MarkRelayRequestsSentTx(tx, ids) }); err != nil {
			return err
		}
	}
}

// SyncNow hands queued requests to the bridge and runs a round at once (administrator).
func (s *SyncService) SyncNow() (SyncStatus, error) {
	if _, err := s.a.admin(); err != nil {
		return SyncStatus{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	if err := s.flush(ctx); err != nil {
		return SyncStatus{}, s.a.fail("sync flush", err)
	}
	if _, err := s.a.relay.SyncNow(ctx); err != nil {
		return SyncStatus{}, s.a.syncErr(err)
	}
	return s.status(ctx)
}

// SyncPublished is what [SyncService.PublishCompany] set up.
type SyncPublished struct {
	RelayCompany string `json:"relayCompany"`
	PortalURL    string `json:"portalUrl"`
}

// PublishCompany registers a client company on the relay (administrator): its relay id (made
// once), its submission key pair (the private key sealed under the company key), and the
// portal information the phone page shows (company name, purposes of the open requests).
// The letters of later requests print the relay id, URL and QR code.
func (s *SyncService) PublishCompany(companyID int64) (SyncPublished, error) {
	sess, keys, err := s.a.adminUnlocked()
	if err != nil {
		return SyncPublished{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	st, err := s.a.relay.SyncStatus(ctx)
	if err != nil {
		return SyncPublished{}, s.a.syncErr(err)
	}
	if !st.Enrolled {
		return SyncPublished{}, s.a.syncErr(&bridge.Error{Code: "not_enrolled"})
	}
	pub, err := s.a.collect.PublishOnRelay(ctx, sess.Principal, keys, companyID, st.URL)
	if err != nil {
		return SyncPublished{}, s.a.fail("publish company", err)
	}
	out := SyncPublished{RelayCompany: pub.RelayCompany, PortalURL: pub.PortalURL}
	if err := s.flush(ctx); err != nil {
		return out, s.a.fail("sync flush", err)
	}
	if _, err := s.a.relay.SyncNow(ctx); err != nil {
		s.a.log.Info("relay round after publishing failed; the bridge retries", "err", err)
	}
	return out, nil
}

// SyncImported counts what [SyncService.ImportSubmissions] did.
type SyncImported struct {
	Imported    int `json:"imported"`
	Duplicates  int `json:"duplicates"`
	Quarantined int `json:"quarantined"`
	// Reasons are the quarantine reason codes, one per quarantined submission.
	Reasons []string `json:"reasons"`
	// Offline is true when the relay could not be reached: what the bridge already held was
	// imported.
	Offline bool `json:"offline"`
}

// ImportSubmissions pulls the company's new online submissions (a round when the relay is
// reachable), imports each (提出済) or quarantines it, and acknowledges it so that the relay
// deletes it. An internal failure stops before acknowledging that item.
func (s *SyncService) ImportSubmissions(companyID int64) (SyncImported, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return SyncImported{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*syncTimeout)
	defer cancel()
	out := SyncImported{Reasons: []string{}}
	var rc string
	if err := s.a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		rc, err = collect.RelayCompanyTx(tx, companyID)
		return err
	}); err != nil {
		return out, s.a.fail("import submissions", err)
	}
	if rc == "" {
		return out, &Error{Code: apperr.CodeConflict, JA: "この会社はクラウドに公開されていません（M-5）。", EN: "This company is not published on the relay (M-5)."}
	}
	if err := s.flush(ctx); err != nil {
		return out, s.a.fail("sync flush", err)
	}
	if _, err := s.a.relay.SyncNow(ctx); err != nil {
		var be *bridge.Error
		if !errors.As(err, &be) {
			return out, s.a.syncErr(err)
		}
		out.Offline = true
	}
	items, err := s.a.relay.SyncInbox(ctx, rc)
	if err != nil {
		return out, s.a.syncErr(err)
	}
	for _, it := range items {
		_, box, err := s.a.relay.SyncBox(ctx, it.ID)
		if err != nil {
			return out, s.a.syncErr(err)
		}
		res, err := s.a.collect.ImportSubmission(ctx, sess.Principal, keys, companyID,
			collect.Inbound{RelayID: it.RelayID, Employee: it.Employee, Box: box})
		clear(box)
		if err != nil {
			return out, s.a.collectFail(sess, companyID, audit.ActionRegister, "import submissions", err)
		}
		switch res.Outcome {
		case collect.Imported:
			out.Imported++
		case collect.Duplicate:
			out.Duplicates++
		case collect.Quarantined:
			out.Quarantined++
			out.Reasons = append(out.Reasons, res.Reason)
		}
		if err := s.a.relay.SyncAck(ctx, it.ID); err != nil {
			return out, s.a.syncErr(err)
		}
	}
	if _, err := s.a.relay.SyncNow(ctx); err != nil {
		out.Offline = true // the acknowledgements stay queued in the bridge
	}
	return out, nil
}

// SyncCompany is one client company in M-5 with its relay id ("" = not published).
type SyncCompany struct {
	ID           int64  `json:"id"`
	Code         string `json:"code"`
	Name         string `json:"name"`
	RelayCompany string `json:"relayCompany"`
}

// Companies lists the client companies (not archived) with their relay ids (administrator).
func (s *SyncService) Companies() ([]SyncCompany, error) {
	sess, err := s.a.admin()
	if err != nil {
		return nil, err
	}
	cs, err := s.a.collect.RelayCompanies(context.Background(), sess.Principal)
	out := make([]SyncCompany, len(cs))
	for i, c := range cs {
		out[i] = SyncCompany{ID: c.ID, Code: c.Code, Name: c.Name, RelayCompany: c.RelayCompany}
	}
	return out, s.a.fail("sync companies", err)
}
